// `singleuser:` — what each user's server looks like: image, command, limits, storage, pod.
import { Type, type TSchema } from '@sinclair/typebox';
import { Deprecated, FreeObject, FreeObjectList, Key, MapOf, Nullable, Section, StringEnum, StringList } from './helpers.ts';
import { ExtraEnvInput, ExtraEnvResolved, Labels, PULL_POLICIES, SecretString, Size, imageSection, networkPolicySection, resourcesKey } from './common.ts';
import { VolumeList, extraFilesKey } from './kubernetes.ts';

export const STORAGE_TYPES = ['dynamic', 'static', 'none'] as const;

const ProfileSchema = Type.Object(
  {
    display_name: Type.String({ minLength: 1, description: 'Name shown on the spawn page (required).' }),
    description: Key(Type.String(), '', 'Longer text shown under the name.'),
    slug: Key(Nullable(Type.String({ minLength: 1 })), null, 'Stable identifier of the profile; null derives one from display_name.'),
    default: Key(Type.Boolean(), false, 'Preselect this profile (at most one profile may be the default).'),
    kubespawner_override: Key(FreeObject(), {}, 'Spawner settings this profile changes (KubeSpawner names, e.g. image, cpu_limit, mem_limit).'),
    profile_options: Key(FreeObject(), {}, 'Choices offered inside this profile (KubeSpawner profile_options).'),
  },
  { additionalProperties: false },
);

const PullSecretRef = Type.Unsafe<string | { name: string }>({
  type: ['string', 'object'],
  properties: { name: { type: 'string', minLength: 1, description: 'Name of the secret.' } },
  required: ['name'],
  additionalProperties: false,
});

const Cpu = () => Nullable(Type.Number({ exclusiveMinimum: 0 }));

const storageProperties = {
  type: Key(
    StringEnum(STORAGE_TYPES),
    'dynamic',
    'dynamic: one PVC per user, created on first start; static: a subdirectory of one shared PVC; none: no persistent home (lost when the server stops).',
  ),
  capacity: Key(Size(), '10Gi', 'Size of each user’s volume (dynamic storage).'),
  homeMountPath: Key(Type.String({ minLength: 1 }), '/home/jovyan', 'Where the home volume is mounted in the user’s container.'),
  dynamic: Section('Per-user PersistentVolumeClaims.', {
    storageClass: Key(Nullable(Type.String()), null, 'StorageClass of the claims; null uses the cluster default.'),
    pvcNameTemplate: Key(Type.String({ minLength: 1 }), 'claim-{username}{servername}', 'Name of each claim; {username} and {servername} are filled in, and {userid}: the user’s stable id (the identity provider’s, e.g. MediaWiki’s central id, which survives a rename; else the hub’s user id).'),
    volumeNameTemplate: Key(Type.String({ minLength: 1 }), 'volume-{username}{servername}', 'Name of the volume inside the pod.'),
    storageAccessModes: Key(StringList(), ['ReadWriteOnce'], 'Access modes of the claims.'),
    subPath: Key(Nullable(Type.String()), null, 'Subdirectory of each claim mounted as the home ({username} and {servername} are filled in); null: the claim’s root.'),
  }),
  static: Section('One shared, pre-existing PersistentVolumeClaim.', {
    pvcName: Key(Nullable(Type.String({ minLength: 1 })), null, 'Name of the shared claim (required for static storage).'),
    subPath: Key(Type.String(), '{username}', 'Subdirectory of the claim used as the user’s home; {username}, {servername} and {userid} (as in dynamic.pvcNameTemplate) are filled in.'),
  }),
  extraVolumes: Key(FreeObjectList(), [], 'Extra Volume objects in the user pod.'),
  extraVolumeMounts: Key(FreeObjectList(), [], 'Extra VolumeMount objects in the user container.'),
  extraLabels: Key(Labels(), {}, 'Extra labels on the user’s PVC.'),
  deleteOnUserDelete: Key(Type.Boolean(), false, 'Delete the user’s volume when the user is deleted from the hub.'),
};
const storageSection = Section('The user’s home directory volume.', storageProperties);
const storageInputSection = Section('The user’s home directory volume.', {
  ...storageProperties,
  extraVolumes: Key(VolumeList('Extra Volume objects in the user pod: a list, or a mapping whose values are the volumes (in key order).'), [], 'Extra Volume objects in the user pod: a list, or a mapping whose values are the volumes (in key order).'),
  extraVolumeMounts: Key(
    VolumeList('Extra VolumeMount objects in the user container: a list, or a mapping whose values are the mounts (in key order).'),
    [],
    'Extra VolumeMount objects in the user container: a list, or a mapping whose values are the mounts (in key order).',
  ),
});

const affinitySection = (kind: string) =>
  Section(`Extra ${kind} of user pods.`, {
    required: Key(FreeObjectList(), [], 'PodAffinityTerm objects that must match.'),
    preferred: Key(FreeObjectList(), [], 'WeightedPodAffinityTerm objects.'),
  });

function singleuserProperties<E extends TSchema, S extends TSchema>(extraEnv: E, storage: S) {
  return {
    image: imageSection('Image of the user servers (Kubernetes).', { name: 'quay.io/jupyter/base-notebook', tag: 'latest', pullPolicy: null }),
    imagePullSecret: Section('Create an image pull secret from these registry credentials.', {
      create: Key(Type.Boolean(), false, 'Create the secret (named image-pull-secret, as in z2jh) and use it for user pods.'),
      registry: Key(Nullable(Type.String()), null, 'Registry host, e.g. private.jfrog.io.'),
      username: Key(Nullable(Type.String()), null, 'Registry user name.'),
      password: Key(SecretString(), null, 'Registry password.'),
      email: Key(Nullable(Type.String()), null, 'Registry email (some registries need it).'),
    }),
    imagePullSecrets: Key(Type.Array(PullSecretRef), [], 'Existing image pull secrets for user pods: names, or {name: …}.'),
    cmd: Key(
      Type.Unsafe<string | string[] | null>({ type: ['string', 'array', 'null'], items: { type: 'string' } }),
      null,
      'Command starting the user server; null: jupyterhub-singleuser (from nbhub’s Python environment when local).',
    ),
    args: Key(StringList(), [], 'Extra arguments to the command.'),
    defaultUrl: Key(Type.String(), '/lab', 'Page users land on inside their server, e.g. /lab or /tree.'),
    notebookDir: Key(Nullable(Type.String()), null, 'Directory the server starts in; null: the home directory.'),
    extraEnv: Key(extraEnv, {}, 'Extra environment variables of the user servers.'),
    authStateEnv: Key(
      MapOf(Type.String({ minLength: 1 })),
      {},
      'Environment variables of the user servers taken from the user’s auth state (needs auth.state.enabled): variable name → key or dotted path, e.g. ACCESS_TOKEN: access_token.',
    ),
    startTimeout: Key(Type.Number({ exclusiveMinimum: 0 }), 300, 'Seconds a server may take to start before the start fails.'),
    httpTimeout: Key(Type.Number({ exclusiveMinimum: 0 }), 30, 'Seconds a started server may take to answer HTTP before the start fails.'),
    memory: Section('Memory per user server: sizes like 1G, 512M, 2Gi, or bytes.', {
      limit: Key(Nullable(Size()), null, 'Most memory a server may use; null: no limit.'),
      guarantee: Key(Nullable(Size()), null, 'Memory reserved for each server; null: none.'),
    }),
    cpu: Section('CPU per user server, in cores (0.5 = half a core).', {
      limit: Key(Cpu(), null, 'Most CPU a server may use; null: no limit.'),
      guarantee: Key(Cpu(), null, 'CPU reserved for each server; null: none.'),
    }),
    storage,
    lifecycleHooks: Key(FreeObject(), {}, 'Kubernetes container lifecycle hooks (postStart, preStop), e.g. postStart.exec.command.'),
    profileList: Key(Type.Array(ProfileSchema), [], 'Choices offered on the spawn page; each may override spawner settings.'),
    networkPolicy: networkPolicySection('user server', { cloudMetadataServer: false, dnsPortsPrivateIPs: true, nonPrivateIPs: true, privateIPs: false }),
    networkTools: Section('The init container that blocks the cloud metadata server (cloudMetadata.blockWithIptables).', {
      image: imageSection('Image with iptables.', { name: 'quay.io/jupyterhub/k8s-network-tools', tag: '4.1.0', pullPolicy: null }),
      resources: resourcesKey('Kubernetes resources of the init container.'),
    }),
    cloudMetadata: Section('Access from user servers to the cloud metadata server.', {
      blockWithIptables: Key(Type.Boolean(), true, 'Block it with an iptables rule in an init container.'),
      enabled: Key(Type.Boolean(), false, 'Old z2jh switch: true allows access (and disables the block).'),
      ip: Key(Type.String({ format: 'ipv4' }), '169.254.169.254', 'Address of the metadata server.'),
    }),
    serviceAccountName: Key(Nullable(Type.String()), null, 'Kubernetes service account of user pods; null: none mounted.'),
    schedulerStrategy: Key(
      Nullable(StringEnum(['pack', 'spread'])),
      null,
      'Old z2jh setting (pack: fill nodes, spread: spread out); prefer scheduling.userScheduler.',
    ),
    uid: Key(Nullable(Type.Integer({ minimum: 0 })), 1000, 'User id the server runs as (Kubernetes).'),
    fsGid: Key(Nullable(Type.Integer({ minimum: 0 })), 100, 'Group id owning the mounted volumes (Kubernetes).'),
    nodeSelector: Key(Labels(), {}, 'Node labels user pods must run on.'),
    extraTolerations: Key(FreeObjectList(), [], 'Extra Toleration objects of user pods.'),
    extraNodeAffinity: Section('Extra node affinity of user pods.', {
      required: Key(FreeObjectList(), [], 'NodeSelectorTerm objects that must match.'),
      preferred: Key(FreeObjectList(), [], 'PreferredSchedulingTerm objects.'),
    }),
    extraLabels: Key(Labels(), {}, 'Extra labels on user pods.'),
    extraAnnotations: Key(Labels(), {}, 'Extra annotations on user pods.'),
    extraPodConfig: Key(FreeObject(), {}, 'Extra PodSpec fields merged into user pods.'),
    extraPodAffinity: affinitySection('pod affinity'),
    extraPodAntiAffinity: affinitySection('pod anti-affinity'),
    extraResource: Section('Extended resources of user pods (e.g. nvidia.com/gpu).', {
      limits: Key(MapOf(Type.Unsafe<string | number>({ type: ['string', 'number'] })), {}, 'Resource name → limit.'),
      guarantees: Key(MapOf(Type.Unsafe<string | number>({ type: ['string', 'number'] })), {}, 'Resource name → request.'),
    }),
    extraFiles: extraFilesKey('user'),
    initContainers: Key(FreeObjectList(), [], 'Init containers of user pods.'),
    extraContainers: Key(FreeObjectList(), [], 'Extra containers in user pods.'),
    events: Key(Type.Boolean(), true, 'Show Kubernetes events about the pod on the spawn page.'),
    allowPrivilegeEscalation: Key(Type.Boolean(), false, 'Allow processes in the user container to gain privileges (sudo).'),
  };
}

export const SingleuserResolvedSchema = Section('The user servers.', singleuserProperties(ExtraEnvResolved, storageSection));

export const SingleuserInputSchema = Section('The user servers.', {
  ...singleuserProperties(ExtraEnvInput, storageInputSection),
  podNameTemplate: Type.Optional(
    Nullable(Type.String({ minLength: 1, description: 'z2jh spelling of spawner.kubernetes.podNameTemplate: folded into it.' })),
  ),
  imagePullPolicy: Deprecated(StringEnum(PULL_POLICIES), 'singleuser.image.pullPolicy', 'Old z2jh spelling.'),
});
