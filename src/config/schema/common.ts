// Shapes used by several sections: images, network policies, resources, environment.
import { Type, type TUnsafe } from '@sinclair/typebox';
import { Closed, FreeObject, FreeObjectList, Key, MapOf, Nullable, Pattern, Section, StringEnum } from './helpers.ts';

export const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;

/** Kubernetes resource quantity for memory and storage: '1G', '512M', '2Gi', '1.5Ti', or bytes. */
export const MEMORY_PATTERN = Pattern(
  '^([0-9]+(\\.[0-9]+)?|\\.[0-9]+)([kKMGTPE]i?|[eE][0-9]+)?$',
  'a size such as 1G, 512M, 2Gi or a number of bytes',
);

/** A size in bytes: a number, or a string with a K/M/G/T/P/E (decimal) or Ki/Mi/Gi… (binary) suffix. */
export function Size(options: Record<string, unknown> = {}): TUnsafe<string | number> {
  return Type.Unsafe<string | number>({ type: ['string', 'number'], pattern: MEMORY_PATTERN, minimum: 0, ...options });
}

export function imageSection(description: string, dflt: { name: string; tag: string | null; pullPolicy: (typeof PULL_POLICIES)[number] | null }) {
  return Section(description, {
    name: Key(Type.String({ minLength: 1 }), dflt.name, 'Image name, without the tag.'),
    tag: Key(Nullable(Type.String()), dflt.tag, 'Image tag (the part after `:`). null means the default for this nbhub release.'),
    pullPolicy: Key(
      Nullable(StringEnum(PULL_POLICIES)),
      dflt.pullPolicy,
      'Kubernetes imagePullPolicy (Always, IfNotPresent, Never); null leaves it to Kubernetes.',
    ),
    pullSecrets: Key(
      Type.Array(Type.String()),
      [],
      'Names of existing image pull secrets for this image.',
    ),
  });
}

type EnvInputValue = string | number | boolean | Record<string, unknown>;

/**
 * `extraEnv` as z2jh accepts it: a mapping NAME: value (scalars, or EnvVar-style objects
 * `{valueFrom: …}`), or a list of Kubernetes EnvVar objects ({name, value | valueFrom}).
 */
export const ExtraEnvInput = Type.Unsafe<Record<string, EnvInputValue> | Record<string, unknown>[]>({
  type: ['object', 'array'],
  additionalProperties: { type: ['string', 'number', 'boolean', 'object'] },
  items: {
    type: 'object',
    required: ['name'],
    properties: {
      name: { type: 'string', minLength: 1, description: 'Variable name.' },
      value: { type: ['string', 'number', 'boolean'], description: 'Its value.' },
      valueFrom: { type: 'object', description: 'Where its value comes from (Kubernetes EnvVarSource).' },
    },
    additionalProperties: false,
  },
  description: 'Environment variables: NAME: value, or NAME: {valueFrom: …}; or a list of Kubernetes EnvVar objects ({name, value} or {name, valueFrom}).',
});

/** After loading, scalar values are strings; objects (`valueFrom`) are kept for the Kubernetes spawner. */
export const ExtraEnvResolved = MapOf(
  Type.Unsafe<string | Record<string, unknown>>({ type: ['string', 'object'] }),
);

export type ExtraEnvValue = string | Record<string, unknown>;

export interface EgressDefaults {
  cloudMetadataServer: boolean;
  dnsPortsPrivateIPs: boolean;
  nonPrivateIPs: boolean;
  privateIPs: boolean;
}

export function networkPolicySection(component: string, egress: EgressDefaults, allowedIngressPorts: (string | number)[] = []) {
  return Section(`Kubernetes NetworkPolicy for the ${component} pods (ignored by the local spawner).`, {
    enabled: Key(Type.Boolean(), true, 'Create a NetworkPolicy restricting traffic to and from these pods.'),
    ingress: Key(FreeObjectList(), [], 'Extra NetworkPolicyIngressRule objects allowing more incoming traffic.'),
    egress: Key(FreeObjectList(), [], 'Extra NetworkPolicyEgressRule objects allowing more outgoing traffic.'),
    egressAllowRules: Section('Commonly needed egress, allowed by switches.', {
      cloudMetadataServer: Key(Type.Boolean(), egress.cloudMetadataServer, 'Allow traffic to the cloud metadata server (169.254.169.254).'),
      dnsPortsPrivateIPs: Key(Type.Boolean(), egress.dnsPortsPrivateIPs, 'Allow DNS (port 53) to private IP ranges.'),
      dnsPortsCloudMetadataServer: Key(Type.Boolean(), true, 'Allow DNS (port 53) to the cloud metadata server (some clouds serve DNS there).'),
      dnsPortsKubeSystemNamespace: Key(Type.Boolean(), true, 'Allow DNS (port 53) to pods of the kube-system namespace (kube-dns).'),
      nonPrivateIPs: Key(Type.Boolean(), egress.nonPrivateIPs, 'Allow traffic to public (non-private) IP addresses.'),
      privateIPs: Key(Type.Boolean(), egress.privateIPs, 'Allow traffic to private IP ranges (10/8, 172.16/12, 192.168/16).'),
    }),
    interNamespaceAccessLabels: Key(
      StringEnum(['ignore', 'accept']),
      'ignore',
      'Whether access labels (hub.jupyter.org/network-access-*) on pods in other namespaces are honoured.',
    ),
    allowedIngressPorts: Key(
      Type.Array(Type.Unsafe<string | number>({ type: ['string', 'integer'] })),
      allowedIngressPorts,
      'Ports that accept traffic from anywhere.',
    ),
  });
}

export const ResourcesSchema = Closed({
  requests: Key(FreeObject(), {}, 'Minimum resources, e.g. {cpu: 200m, memory: 512Mi}.'),
  limits: Key(FreeObject(), {}, 'Maximum resources, e.g. {memory: 1Gi}.'),
});

export function resourcesKey(description: string) {
  return Key(ResourcesSchema, {}, description);
}

/** A PodDisruptionBudget of core pods (z2jh's `pdb` sections): minAvailable wins when set. */
export function pdbSection(what: string, d: { enabled: boolean; maxUnavailable: number | null; minAvailable: number | null }) {
  return Section(`PodDisruptionBudget of the ${what} pods.`, {
    enabled: Key(Type.Boolean(), d.enabled, 'Create it.'),
    maxUnavailable: Key(Nullable(Type.Integer({ minimum: 0 })), d.maxUnavailable, 'Pods that may be down at once.'),
    minAvailable: Key(Nullable(Type.Integer({ minimum: 0 })), d.minAvailable, 'Pods that must stay up (instead of maxUnavailable).'),
  });
}

export const Labels = () => MapOf(Type.String());

/** Service tokens, secrets and similar: a non-empty string or null (unset). */
export const SecretString = () => Nullable(Type.String({ minLength: 1 }));
