// Pure manifest builders (KubeSpawner's objects.py): one typed spec in, one object out, no
// cluster. Tested against golden manifests in golden/ (objects.test.ts).
import type {
  V1Affinity,
  V1PodAffinityTerm,
  V1WeightedPodAffinityTerm,
  V1Container,
  V1EnvVar,
  V1Lifecycle,
  V1NodeSelectorTerm,
  V1PersistentVolumeClaim,
  V1Pod,
  V1PodSpec,
  V1PreferredSchedulingTerm,
  V1ResourceRequirements,
  V1Toleration,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { parseSize } from '../../config/quantity.ts';

export const NOTEBOOK_CONTAINER = 'notebook';
export const NOTEBOOK_PORT = 8888;

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';
export type Size = string | number;

/** The user's home volume in the pod. */
export type HomeVolume =
  | { kind: 'claim'; volumeName: string; claimName: string; mountPath: string; subPath: string | null }
  | { kind: 'none' };

export interface Resources {
  /** Cores. */
  cpuLimit: number | null;
  cpuGuarantee: number | null;
  /** Sizes as configured ('2G', '512Mi', bytes). */
  memLimit: Size | null;
  memGuarantee: Size | null;
  /** Other resources, e.g. {'nvidia.com/gpu': '1'}. */
  extraLimits: Record<string, string>;
  extraGuarantees: Record<string, string>;
}

/** Everything a user pod is built from. */
export interface PodSpec {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  image: string;
  imagePullPolicy: PullPolicy | null;
  imagePullSecrets: string[];
  /** Container args (cmd + args). Kept out of `command`, so the image's entrypoint (tini) still runs. */
  args: string[];
  /** In order: later entries may refer to earlier ones as $(NAME). */
  env: V1EnvVar[];
  resources: Resources;
  lifecycle: V1Lifecycle | null;
  /** Container runAsUser. */
  uid: number | null;
  /** Pod fsGroup: group owning mounted volumes. */
  fsGid: number | null;
  allowPrivilegeEscalation: boolean;
  /** null: no service account token is mounted. */
  serviceAccountName: string | null;
  nodeSelector: Record<string, string>;
  tolerations: V1Toleration[];
  nodeAffinityRequired: V1NodeSelectorTerm[];
  nodeAffinityPreferred: V1PreferredSchedulingTerm[];
  podAffinity: { required: V1PodAffinityTerm[]; preferred: V1WeightedPodAffinityTerm[] };
  podAntiAffinity: { required: V1PodAffinityTerm[]; preferred: V1WeightedPodAffinityTerm[] };
  schedulerName: string | null;
  priorityClassName: string | null;
  home: HomeVolume;
  extraVolumes: V1Volume[];
  extraVolumeMounts: V1VolumeMount[];
  initContainers: V1Container[];
  extraContainers: V1Container[];
  /** Merged into the pod's spec / the notebook container last (they win). */
  extraPodConfig: Record<string, unknown>;
  extraContainerConfig: Record<string, unknown>;
}

export interface PvcSpec {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** null: the cluster's default StorageClass. */
  storageClass: string | null;
  capacity: Size;
  accessModes: string[];
}

const QUANTITY = /^([0-9]+(\.[0-9]+)?|\.[0-9]+)(k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

/** A size as a Kubernetes quantity: kept when Kubernetes reads it the same way ('2G', '1Gi'), else bytes. */
export function toQuantity(size: Size): string {
  if (typeof size === 'string' && QUANTITY.test(size)) return size;
  return String(parseSize(size));
}

export function makePod(s: PodSpec): V1Pod {
  const volumes: V1Volume[] = [];
  const mounts: V1VolumeMount[] = [];
  if (s.home.kind === 'claim') {
    volumes.push({ name: s.home.volumeName, persistentVolumeClaim: { claimName: s.home.claimName } });
    mounts.push({ name: s.home.volumeName, mountPath: s.home.mountPath, ...(s.home.subPath ? { subPath: s.home.subPath } : {}) });
  }
  volumes.push(...s.extraVolumes);
  mounts.push(...s.extraVolumeMounts);

  const notebook: V1Container = {
    name: NOTEBOOK_CONTAINER,
    image: s.image,
    ...(s.imagePullPolicy ? { imagePullPolicy: s.imagePullPolicy } : {}),
    args: s.args,
    env: s.env,
    ports: [{ name: 'notebook-port', containerPort: NOTEBOOK_PORT, protocol: 'TCP' }],
    resources: makeResources(s.resources),
    securityContext: {
      allowPrivilegeEscalation: s.allowPrivilegeEscalation,
      ...(s.uid !== null ? { runAsUser: s.uid } : {}),
    },
    ...(s.lifecycle && Object.keys(s.lifecycle).length ? { lifecycle: s.lifecycle } : {}),
    ...(mounts.length ? { volumeMounts: mounts } : {}),
  };

  const spec: V1PodSpec = {
    // The hub, not the kubelet, decides what happens when a server exits: it reports the exit
    // (code and log) to the user at once instead of a restart loop hiding it.
    restartPolicy: 'Never',
    automountServiceAccountToken: s.serviceAccountName !== null,
    ...(s.serviceAccountName !== null ? { serviceAccountName: s.serviceAccountName } : {}),
    ...(s.fsGid !== null ? { securityContext: { fsGroup: s.fsGid } } : {}),
    ...(s.schedulerName ? { schedulerName: s.schedulerName } : {}),
    ...(s.priorityClassName ? { priorityClassName: s.priorityClassName } : {}),
    ...(Object.keys(s.nodeSelector).length ? { nodeSelector: s.nodeSelector } : {}),
    ...(s.tolerations.length ? { tolerations: s.tolerations } : {}),
    ...affinity(s),
    ...(s.imagePullSecrets.length ? { imagePullSecrets: s.imagePullSecrets.map((name) => ({ name })) } : {}),
    ...(s.initContainers.length ? { initContainers: s.initContainers } : {}),
    containers: [{ ...notebook, ...s.extraContainerConfig } as V1Container, ...s.extraContainers],
    ...(volumes.length ? { volumes } : {}),
  };

  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: s.name, namespace: s.namespace, labels: s.labels, annotations: s.annotations },
    spec: { ...spec, ...s.extraPodConfig } as V1PodSpec,
  };
}

export function makePvc(s: PvcSpec): V1PersistentVolumeClaim {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: s.name, namespace: s.namespace, labels: s.labels, annotations: s.annotations },
    spec: {
      accessModes: s.accessModes,
      ...(s.storageClass !== null ? { storageClassName: s.storageClass } : {}),
      resources: { requests: { storage: toQuantity(s.capacity) } },
    },
  };
}

function makeResources(r: Resources): V1ResourceRequirements {
  const requests: Record<string, string> = { ...r.extraGuarantees };
  const limits: Record<string, string> = { ...r.extraLimits };
  if (r.cpuGuarantee !== null) requests.cpu = String(r.cpuGuarantee);
  if (r.memGuarantee !== null) requests.memory = toQuantity(r.memGuarantee);
  if (r.cpuLimit !== null) limits.cpu = String(r.cpuLimit);
  if (r.memLimit !== null) limits.memory = toQuantity(r.memLimit);
  return {
    ...(Object.keys(requests).length ? { requests } : {}),
    ...(Object.keys(limits).length ? { limits } : {}),
  };
}

function affinity(s: PodSpec): { affinity?: V1Affinity } {
  const out: V1Affinity = {};
  if (s.nodeAffinityRequired.length || s.nodeAffinityPreferred.length) {
    out.nodeAffinity = {
      ...(s.nodeAffinityRequired.length ? { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: s.nodeAffinityRequired } } : {}),
      ...(s.nodeAffinityPreferred.length ? { preferredDuringSchedulingIgnoredDuringExecution: s.nodeAffinityPreferred } : {}),
    };
  }
  for (const [key, terms] of [['podAffinity', s.podAffinity], ['podAntiAffinity', s.podAntiAffinity]] as const) {
    if (!terms || (!terms.required.length && !terms.preferred.length)) continue;
    out[key] = {
      ...(terms.required.length ? { requiredDuringSchedulingIgnoredDuringExecution: terms.required } : {}),
      ...(terms.preferred.length ? { preferredDuringSchedulingIgnoredDuringExecution: terms.preferred } : {}),
    };
  }
  return Object.keys(out).length ? { affinity: out } : {};
}
