// From the hub's SpawnSpec + the resolved settings to the typed specs of objects.ts: names,
// labels, the container environment (protocol.md §1.2 plus the bind URL) and the home volume.
import type { V1Container, V1EnvVar, V1Lifecycle, V1NodeSelectorTerm, V1PreferredSchedulingTerm, V1Toleration, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { parseSize } from '../../config/quantity.ts';
import type { SpawnSpec } from '../types.ts';
import { expandNameTemplate, isValidSubdomainName, ownerAnnotations, podLabels, pvcLabels, type LabelContext } from './names.ts';
import { NOTEBOOK_PORT, type HomeVolume, type PodSpec, type PvcSpec } from './objects.ts';
import type { ServerSettings } from './settings.ts';

export class PodSpecError extends Error {
  readonly code = 'POD_SPEC_INVALID';
}

export interface ServerNames {
  pod: string;
  /** The user's own claim (dynamic storage), else null. */
  pvc: string | null;
}

export interface PodContext extends LabelContext {
  namespace: string;
  podNameTemplate: string;
  schedulerName: string | null;
  priorityClassName: string | null;
}

/** A name template filled in; `{userid}` without a user id for the spawn is an error naming the key. */
function expand(template: string, key: string, userName: string, serverName: string, userId: string | undefined): string {
  if (userId === undefined && template.includes('{userid}')) {
    throw new PodSpecError(`${key} uses {userid}, but the hub has no stable id for user ${JSON.stringify(userName)}`);
  }
  return expandNameTemplate(template, userName, serverName, userId);
}

/** `userId`: the user's stable id for `{userid}` (SpawnSpec.userId). */
export function serverNames(ctx: PodContext, settings: ServerSettings, userName: string, serverName: string, userId?: string): ServerNames {
  const pod = expand(ctx.podNameTemplate, 'spawner.kubernetes.podNameTemplate', userName, serverName, userId);
  if (!isValidSubdomainName(pod)) throw new PodSpecError(`spawner.kubernetes.podNameTemplate gives ${JSON.stringify(pod)}, not a valid pod name`);
  const st = settings.storage;
  const pvc = st.type === 'dynamic' ? expand(st.pvcNameTemplate, 'singleuser.storage.dynamic.pvcNameTemplate', userName, serverName, userId) : null;
  if (pvc !== null && !isValidSubdomainName(pvc)) {
    throw new PodSpecError(`singleuser.storage.dynamic.pvcNameTemplate gives ${JSON.stringify(pvc)}, not a valid claim name`);
  }
  return { pod, pvc };
}

/** The address the server binds inside its pod (its own network namespace): all interfaces, port 8888. */
export function bindUrl(servicePrefix: string): string {
  return `http://0.0.0.0:${NOTEBOOK_PORT}${servicePrefix}`;
}

/** The container environment, in order: the hub's, resource numbers, bind URL, then singleuser.extraEnv and profile environment (they win). */
export function containerEnv(settings: ServerSettings, spawn: SpawnSpec): V1EnvVar[] {
  const env = new Map<string, V1EnvVar>();
  const set = (name: string, v: string | Record<string, unknown>) => {
    const { name: _ignored, ...rest } = typeof v === 'string' ? { value: v } : v;
    env.set(name, { name, ...rest } as V1EnvVar);
  };
  for (const [k, v] of Object.entries(spawn.env)) set(k, v);
  const r = settings.resources;
  if (r.memLimit !== null) set('MEM_LIMIT', String(parseSize(r.memLimit)));
  if (r.memGuarantee !== null) set('MEM_GUARANTEE', String(parseSize(r.memGuarantee)));
  if (r.cpuLimit !== null) set('CPU_LIMIT', String(r.cpuLimit));
  if (r.cpuGuarantee !== null) set('CPU_GUARANTEE', String(r.cpuGuarantee));
  set('JUPYTERHUB_SERVICE_URL', bindUrl(spawn.servicePrefix));
  if (settings.defaultUrl !== null) set('JUPYTERHUB_DEFAULT_URL', settings.defaultUrl);
  for (const [k, v] of Object.entries(settings.environment)) set(k, v);
  return [...env.values()];
}

function homeVolume(settings: ServerSettings, names: ServerNames, userName: string, serverName: string, userId: string | undefined): HomeVolume {
  const st = settings.storage;
  if (st.type === 'dynamic') {
    return {
      kind: 'claim',
      volumeName: expand(st.volumeNameTemplate, 'singleuser.storage.dynamic.volumeNameTemplate', userName, serverName, userId),
      claimName: names.pvc as string,
      mountPath: st.homeMountPath,
      subPath: st.dynamicSubPath ? expand(st.dynamicSubPath, 'singleuser.storage.dynamic.subPath', userName, serverName, userId) : null,
    };
  }
  if (st.type === 'static') {
    if (!st.staticPvcName) throw new PodSpecError('singleuser.storage.static.pvcName is required when singleuser.storage.type is static');
    return { kind: 'claim', volumeName: 'home', claimName: st.staticPvcName, mountPath: st.homeMountPath, subPath: expand(st.staticSubPath, 'singleuser.storage.static.subPath', userName, serverName, userId) };
  }
  return { kind: 'none' };
}

export function buildPodSpec(ctx: PodContext, settings: ServerSettings, names: ServerNames, spawn: SpawnSpec): PodSpec {
  const cmd = settings.cmd ?? spawn.cmd;
  if (cmd.length === 0 || cmd[0] === '') throw new PodSpecError('No command to run: singleuser.cmd is empty');
  return {
    name: names.pod,
    namespace: ctx.namespace,
    labels: podLabels(ctx, spawn.userName, spawn.serverName, settings.extraLabels),
    annotations: { ...settings.extraAnnotations, ...ownerAnnotations(spawn.userName, spawn.serverName) },
    image: settings.image,
    imagePullPolicy: settings.imagePullPolicy,
    imagePullSecrets: settings.imagePullSecrets,
    args: [...cmd, ...(settings.args ?? spawn.args)],
    env: containerEnv(settings, spawn),
    resources: settings.resources,
    lifecycle: Object.keys(settings.lifecycleHooks).length ? (settings.lifecycleHooks as V1Lifecycle) : null,
    uid: settings.uid,
    fsGid: settings.fsGid,
    allowPrivilegeEscalation: settings.allowPrivilegeEscalation,
    serviceAccountName: settings.serviceAccountName,
    nodeSelector: settings.nodeSelector,
    tolerations: settings.tolerations as unknown as V1Toleration[],
    nodeAffinityRequired: settings.nodeAffinityRequired as unknown as V1NodeSelectorTerm[],
    nodeAffinityPreferred: settings.nodeAffinityPreferred as unknown as V1PreferredSchedulingTerm[],
    podAffinity: settings.podAffinity as unknown as PodSpec['podAffinity'],
    podAntiAffinity: settings.podAntiAffinity as unknown as PodSpec['podAntiAffinity'],
    schedulerName: ctx.schedulerName,
    priorityClassName: ctx.priorityClassName,
    home: homeVolume(settings, names, spawn.userName, spawn.serverName, spawn.userId),
    extraVolumes: settings.extraVolumes as unknown as V1Volume[],
    extraVolumeMounts: settings.extraVolumeMounts as unknown as V1VolumeMount[],
    initContainers: settings.initContainers as unknown as V1Container[],
    extraContainers: settings.extraContainers as unknown as V1Container[],
    extraPodConfig: settings.extraPodConfig,
    extraContainerConfig: settings.extraContainerConfig,
  };
}

export function buildPvcSpec(ctx: PodContext, settings: ServerSettings, claimName: string, userName: string, serverName: string): PvcSpec {
  const st = settings.storage;
  return {
    name: claimName,
    namespace: ctx.namespace,
    labels: pvcLabels(ctx, userName, serverName, st.extraLabels),
    annotations: ownerAnnotations(userName, serverName),
    storageClass: st.storageClass,
    capacity: st.capacity,
    accessModes: st.accessModes,
  };
}
