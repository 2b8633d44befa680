// Kubernetes-only sections: image pre-pulling, RBAC, scheduling, ingress; plus debug and custom.
import { Type } from '@sinclair/typebox';
import { Closed, FreeObject, FreeObjectList, Key, MapOf, Nullable, Section, StringEnum, StringList } from './helpers.ts';
import { Labels, PULL_POLICIES, SecretString, imageSection, pdbSection, resourcesKey } from './common.ts';
import { containerSecurityContextKey, extraPodSpecKey, revisionHistoryLimitKey, serviceAccountSection } from './kubernetes.ts';

const ExtraImage = Closed({
  name: Type.String({ minLength: 1, description: 'Image name (required).' }),
  tag: Key(Type.Unsafe<string | number>({ type: ['string', 'number'] }), 'latest', 'Image tag.'),
  policy: Key(Nullable(StringEnum(PULL_POLICIES)), null, 'imagePullPolicy used when pulling it.'),
  pullPolicy: Type.Optional(Nullable(StringEnum(PULL_POLICIES, { description: 'z2jh 1.x+ spelling of policy: folded into it.' }))),
});

export const PrePullerSchema = Section('Pulling user images onto every node ahead of time (Kubernetes).', {
  hook: Section('Pull before an upgrade finishes (a Helm hook).', {
    enabled: Key(Type.Boolean(), true, 'Run the hook.'),
    pullOnlyOnChanges: Key(Type.Boolean(), false, 'z2jh: run the hook only when the images changed since the last release. nbhub’s chart runs it at every install and upgrade; true is reported by config check.'),
    podSchedulingWaitDuration: Key(Type.Integer({ minimum: -1 }), 10, 'Seconds the awaiter waits for puller pods to be scheduled before it stops waiting for them (-1: forever).'),
    nodeSelector: Key(Labels(), {}, 'Node labels the hook’s puller pods run on.'),
    tolerations: Key(FreeObjectList(), [], 'Extra Toleration objects of the hook’s pods.'),
    containerSecurityContext: containerSecurityContextKey('hook awaiter'),
    image: imageSection('Image of the hook’s waiting pod.', { name: 'quay.io/jupyterhub/k8s-image-awaiter', tag: '4.1.0', pullPolicy: null }),
    resources: resourcesKey('Kubernetes resources of the awaiter container.'),
    serviceAccount: serviceAccountSection('hook awaiter'),
    serviceAccountImagePuller: serviceAccountSection('hook image puller'),
    daemonsetAnnotations: Key(Labels(), {}, 'Annotations on the hook’s DaemonSet.'),
  }),
  continuous: Section('Pull on nodes added later.', {
    enabled: Key(Type.Boolean(), true, 'Run a DaemonSet that pulls on new nodes.'),
    serviceAccount: serviceAccountSection('continuous image puller'),
    daemonsetAnnotations: Key(Labels(), {}, 'Annotations on the continuous DaemonSet.'),
  }),
  pullProfileListImages: Key(Type.Boolean(), true, 'Also pull the images named in singleuser.profileList (kubespawner_override.image).'),
  revisionHistoryLimit: revisionHistoryLimitKey('image puller'),
  labels: Key(Labels(), {}, 'Extra labels on the image puller pods.'),
  annotations: Key(Labels(), {}, 'Annotations on the image puller pods.'),
  extraTolerations: Key(FreeObjectList(), [], 'Extra Toleration objects of the image puller pods.'),
  containerSecurityContext: containerSecurityContextKey('image puller'),
  extraImages: Key(MapOf(ExtraImage), {}, 'More images to pull, by any name: {name, tag}.'),
  pause: Section('The container that keeps pulled images in use.', {
    image: imageSection('The pause image.', { name: 'registry.k8s.io/pause', tag: '3.10', pullPolicy: null }),
    containerSecurityContext: containerSecurityContextKey('pause'),
  }),
  resources: resourcesKey('Kubernetes resources of the pre-pull containers.'),
});

export const RbacSchema = Section('Kubernetes RBAC objects.', {
  enabled: Key(Type.Boolean(), true, 'Use RBAC (service accounts, roles, role bindings).'),
  create: Key(Type.Boolean(), true, 'Create the roles and bindings; false: they exist already.'),
});

/** kube-scheduler of the user scheduler: the Kubernetes version the chart is tested with. */
const USER_SCHEDULER_TAG = 'v1.36.3';

/** z2jh's scoring: node affinity, pod affinity, then packing (NodeResourcesFit), then image locality. */
const USER_SCHEDULER_PLUGINS = {
  score: {
    disabled: [
      { name: 'NodeResourcesBalancedAllocation' },
      { name: 'NodeAffinity' },
      { name: 'InterPodAffinity' },
      { name: 'NodeResourcesFit' },
      { name: 'ImageLocality' },
    ],
    enabled: [
      { name: 'NodeAffinity', weight: 14631 },
      { name: 'InterPodAffinity', weight: 1331 },
      { name: 'NodeResourcesFit', weight: 121 },
      { name: 'ImageLocality', weight: 11 },
    ],
  },
};

const USER_SCHEDULER_PLUGIN_CONFIG = [
  {
    name: 'NodeResourcesFit',
    args: { scoringStrategy: { type: 'MostAllocated', resources: [{ name: 'cpu', weight: 1 }, { name: 'memory', weight: 1 }] } },
  },
];

export const SchedulingSchema = Section('Where user pods are placed (Kubernetes).', {
  userScheduler: Section('A scheduler that packs user pods tightly so autoscalers can remove nodes.', {
    enabled: Key(Type.Boolean(), true, 'Run it (the Deployment user-scheduler); user pods and placeholders use it.'),
    replicas: Key(Type.Integer({ minimum: 1 }), 2, 'Replicas of the scheduler (one leads, the others wait).'),
    image: imageSection('The kube-scheduler image.', { name: 'registry.k8s.io/kube-scheduler', tag: USER_SCHEDULER_TAG, pullPolicy: null }),
    logLevel: Key(Type.Integer({ minimum: 0 }), 4, 'kube-scheduler verbosity (--v).'),
    plugins: Key(FreeObject(), USER_SCHEDULER_PLUGINS, 'Plugins of the scheduler profile (KubeSchedulerConfiguration `plugins`).'),
    pluginConfig: Key(FreeObjectList(), USER_SCHEDULER_PLUGIN_CONFIG, 'Plugin arguments of the profile (`pluginConfig`); the default scores nodes MostAllocated.'),
    resources: resourcesKey('Kubernetes resources of the scheduler container.'),
    nodeSelector: Key(Labels(), {}, 'Node labels the scheduler pods must run on.'),
    tolerations: Key(FreeObjectList(), [], 'Extra Toleration objects of the scheduler pods (besides those of core pods).'),
    pdb: pdbSection('scheduler', { enabled: true, maxUnavailable: 1, minAvailable: null }),
    revisionHistoryLimit: revisionHistoryLimitKey('user scheduler'),
    labels: Key(Labels(), {}, 'Extra labels on the scheduler pods.'),
    annotations: Key(Labels(), {}, 'Annotations on the scheduler pods.'),
    containerSecurityContext: containerSecurityContextKey('user scheduler'),
    serviceAccount: serviceAccountSection('user scheduler'),
    extraPodSpec: extraPodSpecKey('user scheduler'),
  }),
  podPriority: Section('Pod priority classes.', {
    enabled: Key(Type.Boolean(), false, 'Give user pods a priority above placeholders.'),
    globalDefault: Key(Type.Boolean(), false, 'Make the user pods’ priority class the cluster’s default.'),
    defaultPriority: Key(Type.Integer(), 0, 'Priority of user pods (and of the user scheduler’s pods).'),
    userPlaceholderPriority: Key(Type.Integer(), -10, 'Priority of placeholders: lower, so user pods evict them.'),
    imagePullerPriority: Key(Type.Integer(), -5, 'Priority of the image-puller pods: above placeholders (which they may evict to pull onto a new node), below user pods.'),
  }),
  userPlaceholder: Section('Placeholder pods keeping room for users who arrive.', {
    enabled: Key(Type.Boolean(), true, 'Run placeholders (only useful with podPriority).'),
    replicas: Key(Type.Integer({ minimum: 0 }), 0, 'Number of placeholders.'),
    image: imageSection('The placeholders’ pause image.', { name: 'registry.k8s.io/pause', tag: '3.10', pullPolicy: null }),
    resources: resourcesKey('Resources of each placeholder; empty: those of a user pod (singleuser.cpu, singleuser.memory).'),
    revisionHistoryLimit: revisionHistoryLimitKey('user placeholder'),
    labels: Key(Labels(), {}, 'Extra labels on the placeholder pods.'),
    annotations: Key(Labels(), {}, 'Annotations on the placeholder pods.'),
    containerSecurityContext: containerSecurityContextKey('user placeholder'),
    extraPodSpec: extraPodSpecKey('user placeholder'),
  }),
  corePods: Section('Placement of the hub and proxy pods.', {
    tolerations: Key(FreeObjectList(), [], 'Toleration objects.'),
    nodeAffinity: Section('Node affinity.', {
      matchNodePurpose: Key(StringEnum(['ignore', 'prefer', 'require']), 'prefer', 'Use nodes labelled hub.jupyter.org/node-purpose=core.'),
    }),
  }),
  userPods: Section('Placement of user pods.', {
    tolerations: Key(FreeObjectList(), [], 'Toleration objects.'),
    nodeAffinity: Section('Node affinity.', {
      matchNodePurpose: Key(StringEnum(['ignore', 'prefer', 'require']), 'prefer', 'Use nodes labelled hub.jupyter.org/node-purpose=user.'),
    }),
  }),
});

export const IngressSchema = Section('A Kubernetes Ingress in front of the proxy.', {
  enabled: Key(Type.Boolean(), false, 'Create the Ingress.'),
  hosts: Key(StringList(), [], 'Host names routed to the hub.'),
  annotations: Key(Labels(), {}, 'Annotations on the Ingress.'),
  ingressClassName: Key(Nullable(Type.String()), null, 'IngressClass to use.'),
  pathSuffix: Key(Nullable(Type.String()), null, 'Suffix added to the path of each rule.'),
  tls: Key(FreeObjectList(), [], 'IngressTLS objects.'),
  pathType: Key(StringEnum(['Prefix', 'Exact', 'ImplementationSpecific']), 'Prefix', 'pathType of each rule’s path.'),
  extraPaths: Key(FreeObjectList(), [], 'HTTPIngressPath objects added before the chart’s path in each rule.'),
});

export const HttpRouteSchema = Section('A Gateway API HTTPRoute in front of the proxy (instead of an Ingress).', {
  enabled: Key(Type.Boolean(), false, 'Create the HTTPRoute.'),
  annotations: Key(Labels(), {}, 'Annotations on the HTTPRoute.'),
  hostnames: Key(StringList(), [], 'Host names routed to the proxy.'),
  gateway: Section('The Gateway the route attaches to (when parentRefs is empty).', {
    name: Key(Type.String(), '', 'Gateway name.'),
    namespace: Key(Type.String(), '', 'Gateway namespace; empty: the release’s.'),
    sectionName: Key(Type.String(), '', 'Listener of the Gateway; empty: any.'),
  }),
  parentRefs: Key(FreeObjectList(), [], 'ParentReference objects (instead of gateway).'),
});

/** Top-level z2jh keys about Helm and the release rather than nbhub's config. */
export const ReleaseKeys = {
  enabled: Type.Optional(Nullable(Type.Boolean({ description: 'Helm: the condition of this chart when it is a dependency of another chart (BinderHub’s jupyterhub.enabled). Not part of nbhub’s config.' }))),
  fullnameOverride: Type.Optional(
    Nullable(Type.String({ description: 'z2jh: a prefix for object names. Ignored with a warning: the chart’s objects have fixed names (hub, proxy, proxy-public), one release per namespace.' })),
  ),
  nameOverride: Type.Optional(Nullable(Type.String({ description: 'z2jh: the chart name in labels. Ignored with a warning: labels name the chart nbhub.' }))),
  imagePullSecret: Section('Create an image pull secret from these registry credentials, for every pod of the release (z2jh’s top-level imagePullSecret).', {
    create: Key(Type.Boolean(), false, 'Create the secret (named image-pull-secret) and use it for every pod.'),
    automaticReferenceInjection: Key(Type.Boolean(), true, 'Add it to every pod’s imagePullSecrets.'),
    registry: Key(Nullable(Type.String()), null, 'Registry host.'),
    username: Key(Nullable(Type.String()), null, 'Registry user name.'),
    password: Key(SecretString(), null, 'Registry password.'),
    email: Key(Nullable(Type.String()), null, 'Registry email.'),
  }),
  imagePullSecrets: Key(
    Type.Array(
      Type.Unsafe<string | { name: string }>({
        type: ['string', 'object'],
        properties: { name: { type: 'string', minLength: 1, description: 'Name of the secret.' } },
        required: ['name'],
        additionalProperties: false,
      }),
    ),
    [],
    'Existing image pull secrets for every pod of the release: names, or {name: …}.',
  ),
  global: Type.Optional(FreeObject({ description: 'Helm’s global values (given to a chart used as a dependency). Not part of nbhub’s config.' })),
};

export const DebugSchema = Section('Debugging.', {
  enabled: Key(Type.Boolean(), false, 'Verbose logs in the hub, proxy and user servers.'),
});

export const CustomKey = Key(FreeObject(), {}, 'Free-form values for your own templates and extensions (z2jh’s custom).');
