// Kubernetes-object keys z2jh 4 gives each component (hub, proxy, scheduler, placeholders, image
// pullers): security contexts, probes, extra pod spec, service accounts, deployment strategy,
// extra files. The chart passes them into the objects it renders, as z2jh does.
import { Type, type TUnsafe } from '@sinclair/typebox';
import { FreeObject, FreeObjectList, Key, MapOf, Nullable, Section } from './helpers.ts';
import { Labels } from './common.ts';

type Free = Record<string, unknown>;

/**
 * The chart gives every container a non-root security context of its own (the hub's from
 * hub.uid/fsGid, the others as nobody, no privilege escalation); these keys are merged over it,
 * field by field (so `{}` keeps the chart's).
 */
export function containerSecurityContextKey(what: string) {
  return Key(FreeObject(), {}, `Kubernetes SecurityContext of the ${what} container(s), merged over the chart’s (non-root, no privilege escalation).`);
}

export function podSecurityContextKey(what: string) {
  return Key(FreeObject(), {}, `Kubernetes PodSecurityContext of the ${what} pod, merged over the chart’s (runAsUser/fsGroup from uid and fsGid).`);
}

/** z2jh's probe shape: `enabled` plus the fields of a Kubernetes Probe (timing; the check itself is the chart's). */
export function probeKey(what: string, kind: 'liveness' | 'readiness', dflt: Free) {
  return Key(
    FreeObject(),
    dflt,
    `The ${what} container's ${kind} probe: enabled (false: none) and Probe timing fields (initialDelaySeconds, periodSeconds, failureThreshold, timeoutSeconds); the HTTP check is the chart's.`,
  );
}

export function extraPodSpecKey(what: string) {
  return Key(FreeObject(), {}, `PodSpec fields merged into the ${what} pod last (they win).`);
}

export function revisionHistoryLimitKey(what: string) {
  return Key(Nullable(Type.Integer({ minimum: 0 })), null, `revisionHistoryLimit of the ${what} Deployment/DaemonSet; null: Kubernetes' default.`);
}

export function serviceAccountSection(what: string) {
  return Section(`The ${what} pods' ServiceAccount.`, {
    create: Key(Type.Boolean(), true, 'Create it (false: use an existing one, by name).'),
    name: Key(Nullable(Type.String({ minLength: 1 })), null, 'Its name; null: the chart’s name for it.'),
    annotations: Key(Labels(), {}, 'Annotations on the ServiceAccount (e.g. cloud workload identity).'),
  });
}

export function deploymentStrategySection(what: string, type: string | null) {
  return Section(`Deployment strategy of the ${what}.`, {
    type: Key(Nullable(Type.String({ minLength: 1 })), type, 'Recreate or RollingUpdate; null: the chart’s choice.'),
    rollingUpdate: Key(Nullable(Type.Unsafe<string | Free>({ type: ['string', 'object'] })), null, 'RollingUpdate parameters.'),
  });
}

const ExtraFile = Type.Object(
  {
    mountPath: Type.String({ minLength: 1, description: 'Where the file appears in the container (required).' }),
    data: Type.Optional(FreeObject({ description: 'Structured content, written as YAML, JSON or TOML by the file name’s extension.' })),
    stringData: Type.Optional(Type.String({ description: 'Text content.' })),
    binaryData: Type.Optional(Type.String({ description: 'Base64 content.' })),
    mode: Type.Optional(Type.Number({ description: 'File mode, e.g. 0644 (octal in YAML) or 420.' })),
  },
  { additionalProperties: false },
);
export type ExtraFileConfig = {
  mountPath: string;
  data?: Free;
  stringData?: string;
  binaryData?: string;
  mode?: number;
};

export function extraFilesKey(what: string) {
  return Key(
    MapOf(ExtraFile),
    {},
    `Files mounted into the ${what} container, by any name: {mountPath, one of data | stringData | binaryData, mode}. Kept in a Secret, as in z2jh.`,
  );
}

/** z2jh accepts `extraVolumes`/`extraVolumeMounts` as a list, or as a mapping whose values are the items. */
export function VolumeList(description: string): TUnsafe<Free[] | Record<string, Free>> {
  return Type.Unsafe<Free[] | Record<string, Free>>({ type: ['array', 'object'], items: { type: 'object' }, additionalProperties: { type: 'object' }, description });
}

export const Tolerations = FreeObjectList;

/** z2jh's `service.ipFamilyPolicy` / `ipFamilies` of a Service. */
export function ipFamilyKeys(dflt: string | null) {
  return {
    ipFamilyPolicy: Key(Nullable(Type.String({ minLength: 1 })), dflt, 'Service ipFamilyPolicy (SingleStack, PreferDualStack, RequireDualStack); null: Kubernetes’ default.'),
    ipFamilies: Key(Type.Array(Type.String()), [], 'Service ipFamilies (IPv4, IPv6).'),
  };
}

