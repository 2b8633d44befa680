// Kubernetes-only sections: image pre-pulling, RBAC, scheduling, ingress; plus debug and custom.
import { Type } from '@sinclair/typebox';
import { Closed, FreeObject, FreeObjectList, Key, MapOf, Nullable, Section, StringEnum, StringList } from './helpers.ts';
import { Labels, PULL_POLICIES, imageSection, pdbSection, resourcesKey } from './common.ts';

const ExtraImage = Closed({
  name: Type.String({ minLength: 1, description: 'Image name (required).' }),
  tag: Key(Type.Unsafe<string | number>({ type: ['string', 'number'] }), 'latest', 'Image tag.'),
  policy: Key(Nullable(StringEnum(PULL_POLICIES)), null, 'imagePullPolicy used when pulling it.'),
});

export const PrePullerSchema = Section('Pulling user images onto every node ahead of time (Kubernetes).', {
  hook: Section('Pull before an upgrade finishes (a Helm hook).', {
    enabled: Key(Type.Boolean(), true, 'Run the hook.'),
    image: imageSection('Image of the hook’s waiting pod.', { name: 'quay.io/jupyterhub/k8s-image-awaiter', tag: '4.1.0', pullPolicy: null }),
  }),
  continuous: Section('Pull on nodes added later.', {
    enabled: Key(Type.Boolean(), true, 'Run a DaemonSet that pulls on new nodes.'),
  }),
  extraImages: Key(MapOf(ExtraImage), {}, 'More images to pull, by any name: {name, tag}.'),
  pause: Section('The container that keeps pulled images in use.', {
    image: imageSection('The pause image.', { name: 'registry.k8s.io/pause', tag: '3.10', pullPolicy: null }),
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
});

export const DebugSchema = Section('Debugging.', {
  enabled: Key(Type.Boolean(), false, 'Verbose logs in the hub, proxy and user servers.'),
});

export const CustomKey = Key(FreeObject(), {}, 'Free-form values for your own templates and extensions (z2jh’s custom).');
