// What a user pod is made of, resolved from the config's z2jh keys (singleuser.*, scheduling.*,
// spawner.kubernetes.*). `ServerSettings` is the part a profile may override.
import type { Config, ExtraEnvValue } from '../../config/index.ts';
import type { PullPolicy, Resources, Size } from './objects.ts';
import { parseProfiles, type Profile } from './profiles.ts';

export type FreeObject = Record<string, unknown>;

export interface StorageSettings {
  type: 'dynamic' | 'static' | 'none';
  capacity: Size;
  homeMountPath: string;
  storageClass: string | null;
  accessModes: string[];
  pvcNameTemplate: string;
  volumeNameTemplate: string;
  /** static: the shared claim and the per-user subdirectory template. */
  staticPvcName: string | null;
  staticSubPath: string;
  /** Subdirectory of a dynamic claim mounted as the home (singleuser.storage.dynamic.subPath); null: its root. */
  dynamicSubPath: string | null;
  extraLabels: Record<string, string>;
}

export interface ServerSettings {
  /** name:tag */
  image: string;
  imagePullPolicy: PullPolicy | null;
  imagePullSecrets: string[];
  /** null: the command the hub passes (singleuser.cmd, resolved). */
  cmd: string[] | null;
  args: string[] | null;
  /** null: the hub's (singleuser.defaultUrl). */
  defaultUrl: string | null;
  /** singleuser.extraEnv and profile environments; objects are EnvVar bodies ({valueFrom: …}). */
  environment: Record<string, ExtraEnvValue>;
  resources: Resources;
  lifecycleHooks: FreeObject;
  nodeSelector: Record<string, string>;
  tolerations: FreeObject[];
  nodeAffinityRequired: FreeObject[];
  nodeAffinityPreferred: FreeObject[];
  /** singleuser.extraPodAffinity / extraPodAntiAffinity: PodAffinityTerm and WeightedPodAffinityTerm objects. */
  podAffinity: { required: FreeObject[]; preferred: FreeObject[] };
  podAntiAffinity: { required: FreeObject[]; preferred: FreeObject[] };
  serviceAccountName: string | null;
  uid: number | null;
  fsGid: number | null;
  allowPrivilegeEscalation: boolean;
  extraVolumes: FreeObject[];
  extraVolumeMounts: FreeObject[];
  extraLabels: Record<string, string>;
  extraAnnotations: Record<string, string>;
  extraPodConfig: FreeObject;
  extraContainerConfig: FreeObject;
  initContainers: FreeObject[];
  extraContainers: FreeObject[];
  storage: StorageSettings;
  /** python_env of a profile: a Python environment on the hub's machine (local spawner only). */
  pythonEnv: string | null;
}

/** Settings that are the same for every pod of this hub. */
export interface KubeSettings {
  base: ServerSettings;
  profiles: Profile[];
  podNameTemplate: string;
  appLabel: string;
  releaseName: string;
  schedulerName: string | null;
  priorityClassName: string | null;
  failOnUnschedulable: boolean;
  /** Show the pod's events as spawn progress (singleuser.events). */
  showEvents: boolean;
  deleteStorageOnUserDelete: boolean;
}

/** Name of the image pull secret the chart creates from singleuser.imagePullSecret (z2jh's name). */
export const CREATED_PULL_SECRET = 'image-pull-secret';

/** z2jh's tolerations of user pods: nodes tainted for users only (both spellings of the key). */
const USER_NODE_TOLERATIONS: FreeObject[] = [
  { key: 'hub.jupyter.org/dedicated', operator: 'Equal', value: 'user', effect: 'NoSchedule' },
  { key: 'hub.jupyter.org_dedicated', operator: 'Equal', value: 'user', effect: 'NoSchedule' },
];
const USER_NODE_PURPOSE = { matchExpressions: [{ key: 'hub.jupyter.org/node-purpose', operator: 'In', values: ['user'] }] };

export function kubeSettingsFromConfig(config: Config): KubeSettings {
  const su = config.singleuser;
  const sched = config.scheduling.userPods;
  const k = config.spawner.kubernetes;
  const purpose = sched.nodeAffinity.matchNodePurpose;
  const initContainers: FreeObject[] = [];
  if (su.cloudMetadata.blockWithIptables && !su.cloudMetadata.enabled) {
    initContainers.push(
      blockMetadataContainer(imageRef(su.networkTools.image.name, su.networkTools.image.tag), su.networkTools.image.pullPolicy, su.cloudMetadata.ip, su.networkTools.resources),
    );
  }
  initContainers.push(...su.initContainers);
  const base: ServerSettings = {
    image: imageRef(su.image.name, su.image.tag),
    imagePullPolicy: su.image.pullPolicy,
    imagePullSecrets: unique([
      ...(su.imagePullSecret.create ? [CREATED_PULL_SECRET] : []),
      ...su.image.pullSecrets,
      ...su.imagePullSecrets.map((s) => (typeof s === 'string' ? s : s.name)),
      // The release's pull secrets (z2jh 1.x+ top-level imagePullSecret(s)), given to every pod.
      ...(config.imagePullSecret.create && config.imagePullSecret.automaticReferenceInjection ? [CREATED_PULL_SECRET] : []),
      ...config.imagePullSecrets.map((s) => (typeof s === 'string' ? s : s.name)),
    ]),
    cmd: null,
    args: null,
    defaultUrl: null,
    environment: { ...su.extraEnv },
    resources: {
      cpuLimit: su.cpu.limit,
      cpuGuarantee: su.cpu.guarantee,
      memLimit: su.memory.limit,
      memGuarantee: su.memory.guarantee,
      extraLimits: stringValues(su.extraResource.limits),
      extraGuarantees: stringValues(su.extraResource.guarantees),
    },
    lifecycleHooks: su.lifecycleHooks,
    nodeSelector: su.nodeSelector,
    tolerations: [...USER_NODE_TOLERATIONS, ...sched.tolerations, ...su.extraTolerations],
    nodeAffinityRequired: [...(purpose === 'require' ? [USER_NODE_PURPOSE] : []), ...su.extraNodeAffinity.required],
    nodeAffinityPreferred: [...(purpose === 'prefer' ? [{ weight: 100, preference: USER_NODE_PURPOSE }] : []), ...su.extraNodeAffinity.preferred],
    podAffinity: { required: su.extraPodAffinity.required, preferred: su.extraPodAffinity.preferred },
    podAntiAffinity: { required: su.extraPodAntiAffinity.required, preferred: su.extraPodAntiAffinity.preferred },
    serviceAccountName: su.serviceAccountName,
    uid: su.uid,
    fsGid: su.fsGid,
    allowPrivilegeEscalation: su.allowPrivilegeEscalation,
    pythonEnv: null,
    extraVolumes: su.storage.extraVolumes,
    extraVolumeMounts: su.storage.extraVolumeMounts,
    extraLabels: su.extraLabels,
    extraAnnotations: su.extraAnnotations,
    extraPodConfig: su.extraPodConfig,
    extraContainerConfig: {},
    initContainers,
    extraContainers: su.extraContainers,
    storage: {
      type: su.storage.type,
      capacity: su.storage.capacity,
      homeMountPath: su.storage.homeMountPath,
      storageClass: su.storage.dynamic.storageClass,
      accessModes: su.storage.dynamic.storageAccessModes,
      pvcNameTemplate: su.storage.dynamic.pvcNameTemplate,
      volumeNameTemplate: su.storage.dynamic.volumeNameTemplate,
      staticPvcName: su.storage.static.pvcName,
      staticSubPath: su.storage.static.subPath,
      dynamicSubPath: su.storage.dynamic.subPath,
      extraLabels: su.storage.extraLabels,
    },
  };
  return {
    base,
    profiles: parseProfiles(su.profileList),
    podNameTemplate: k.podNameTemplate,
    appLabel: k.appLabel,
    releaseName: k.releaseName,
    schedulerName: k.schedulerName,
    priorityClassName: k.priorityClassName,
    failOnUnschedulable: k.failOnUnschedulable,
    showEvents: su.events,
    deleteStorageOnUserDelete: su.storage.deleteOnUserDelete,
  };
}

export function imageRef(name: string, tag: string | null): string {
  return tag ? `${name}:${tag}` : name;
}

/** z2jh's init container that drops traffic to the cloud metadata server. */
function blockMetadataContainer(image: string, pullPolicy: PullPolicy | null, ip: string, resources: { requests: FreeObject; limits: FreeObject }): FreeObject {
  const given = Object.fromEntries(Object.entries(resources).filter(([, v]) => Object.keys(v).length));
  return {
    ...(Object.keys(given).length ? { resources: given } : {}),
    name: 'block-cloud-metadata',
    image,
    ...(pullPolicy ? { imagePullPolicy: pullPolicy } : {}),
    command: ['iptables', '--append', 'OUTPUT', '--protocol', 'tcp', '--destination', ip, '--destination-port', '80', '--jump', 'DROP'],
    securityContext: { runAsUser: 0, capabilities: { add: ['NET_ADMIN'] } },
  };
}

function stringValues(m: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)]));
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}
