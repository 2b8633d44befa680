// Kubernetes-only sections: image pre-pulling, RBAC, scheduling, ingress; plus debug and custom.
import { Type } from '@sinclair/typebox';
import { Closed, FreeObject, FreeObjectList, Key, MapOf, Nullable, Section, StringEnum, StringList } from './helpers.ts';
import { Labels, PULL_POLICIES, imageSection, resourcesKey } from './common.ts';

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

export const SchedulingSchema = Section('Where user pods are placed (Kubernetes).', {
  userScheduler: Section('A scheduler that packs user pods tightly so autoscalers can remove nodes.', {
    enabled: Key(Type.Boolean(), true, 'Run it.'),
    replicas: Key(Type.Integer({ minimum: 1 }), 2, 'Replicas of the scheduler.'),
  }),
  podPriority: Section('Pod priority classes.', {
    enabled: Key(Type.Boolean(), false, 'Give user pods a priority above placeholders.'),
  }),
  userPlaceholder: Section('Placeholder pods keeping room for users who arrive.', {
    enabled: Key(Type.Boolean(), true, 'Run placeholders (only useful with podPriority).'),
    replicas: Key(Type.Integer({ minimum: 0 }), 0, 'Number of placeholders.'),
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
