// z2jh's proxy sections that nbhub's proxy replaces: `proxy.traefik` (z2jh's TLS-terminating
// proxy) and `proxy.secretSync` (its certificate sidecar). nbhub's own proxy terminates TLS
// (proxy.https) and stores certificates itself, so these are accepted with the keys z2jh accepts
// (others are refused) and reported by `config check` as not applied.
import { Type } from '@sinclair/typebox';
import { FreeObject, FreeObjectList, Nullable, StringList, noDefaults } from './helpers.ts';
import { Labels, imageSection, networkPolicySection, pdbSection } from './common.ts';

const opt = <T extends import('@sinclair/typebox').TSchema>(schema: T, description: string) => Type.Optional(Object.assign(schema, { description }));
const object = (description: string) => opt(FreeObject(), description);
const image = (what: string) => noDefaults(imageSection(what, { name: 'unused', tag: null, pullPolicy: null }), what);
const serviceAccount = () =>
  opt(
    Type.Object(
      {
        create: opt(Type.Boolean(), 'Create it.'),
        name: opt(Nullable(Type.String()), 'Its name.'),
        annotations: opt(Labels(), 'Annotations on it.'),
      },
      { additionalProperties: false },
    ),
    'z2jh: the traefik pod’s ServiceAccount.',
  );

export const TraefikSchema = opt(
  Type.Object(
    {
      command: opt(StringList(), 'traefik’s command.'),
      args: opt(StringList(), 'traefik’s arguments.'),
      revisionHistoryLimit: opt(Nullable(Type.Integer({ minimum: 0 })), 'revisionHistoryLimit of the autohttps Deployment.'),
      labels: opt(Labels(), 'Labels on the autohttps pod.'),
      networkPolicy: noDefaults(networkPolicySection('autohttps', { cloudMetadataServer: true, dnsPortsPrivateIPs: true, nonPrivateIPs: true, privateIPs: true }), 'NetworkPolicy of the autohttps pod.'),
      extraInitContainers: opt(FreeObjectList(), 'Init containers of the autohttps pod.'),
      extraEnv: opt(Type.Unsafe<unknown>({ type: ['object', 'array'] }), 'Environment of traefik.'),
      pdb: noDefaults(pdbSection('autohttps', { enabled: false, maxUnavailable: null, minAvailable: 1 }), 'PodDisruptionBudget of the autohttps pod.'),
      nodeSelector: object('Node labels of the autohttps pod.'),
      tolerations: opt(FreeObjectList(), 'Tolerations of the autohttps pod.'),
      containerSecurityContext: object('SecurityContext of traefik.'),
      extraDynamicConfig: object('traefik dynamic configuration.'),
      extraPorts: opt(FreeObjectList(), 'Extra ports of traefik.'),
      extraStaticConfig: object('traefik static configuration.'),
      extraVolumes: opt(FreeObjectList(), 'Extra volumes of the autohttps pod.'),
      extraVolumeMounts: opt(FreeObjectList(), 'Extra volume mounts of traefik.'),
      hsts: opt(
        Type.Object(
          {
            includeSubdomains: opt(Type.Boolean(), 'HSTS includeSubDomains.'),
            maxAge: opt(Type.Integer(), 'HSTS max-age.'),
            preload: opt(Type.Boolean(), 'HSTS preload.'),
          },
          { additionalProperties: false },
        ),
        'Strict-Transport-Security header of traefik.',
      ),
      image: image('The traefik image.'),
      resources: object('Resources of traefik.'),
      serviceAccount: serviceAccount(),
      extraPodSpec: object('PodSpec fields of the autohttps pod.'),
    },
    { additionalProperties: false },
  ),
  'z2jh: traefik, the pod terminating TLS in front of configurable-http-proxy. Not applied: nbhub’s proxy terminates TLS itself (configure proxy.https); config check warns.',
);

export const SecretSyncSchema = opt(
  Type.Object(
    {
      containerSecurityContext: object('SecurityContext of the secret-sync container.'),
      image: image('The secret-sync image.'),
      resources: object('Resources of the secret-sync container.'),
    },
    { additionalProperties: false },
  ),
  'z2jh: the sidecar storing traefik’s certificates in a Secret. Not applied: nbhub’s proxy keeps its certificates on its own volume; config check warns.',
);
