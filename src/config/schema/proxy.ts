// `proxy:` — the public HTTP(S) entry point and its route API.
import { Type } from '@sinclair/typebox';
import { FreeObjectList, Key, Nullable, noDefaults, Section, StringEnum, StringList } from './helpers.ts';
import { ExtraEnvInput, ExtraEnvResolved, Labels, SecretString, imageSection, networkPolicySection, pdbSection, resourcesKey } from './common.ts';
import {
  containerSecurityContextKey,
  deploymentStrategySection,
  extraPodSpecKey,
  ipFamilyKeys,
  probeKey,
  revisionHistoryLimitKey,
} from './kubernetes.ts';
import { TraefikSchema, SecretSyncSchema } from './proxyZ2jh.ts';

export const HTTPS_TYPES = ['letsencrypt', 'manual', 'offload', 'secret'] as const;
export const LETSENCRYPT_PRODUCTION = 'https://acme-v02.api.letsencrypt.org/directory';

const NodePort = () => Nullable(Type.Integer({ minimum: 1, maximum: 65535 }));

const PROXY = 'The proxy: the public entry point routing /hub/ and /user/<name>/.';

function chpProperties<E extends import('@sinclair/typebox').TSchema>(extraEnv: E) {
  return {
    resources: resourcesKey('Kubernetes resources of the proxy container.'),
    pdb: pdbSection('proxy', { enabled: false, maxUnavailable: null, minAvailable: 1 }),
    nodeSelector: Key(Labels(), {}, 'Node labels the proxy pod must run on.'),
    extraCommandLineFlags: Key(StringList(), [], 'Extra CHP-style command line flags for the proxy.'),
    extraEnv: Key(extraEnv, {}, 'Extra environment variables of the proxy container.'),
    tolerations: Key(FreeObjectList(), [], 'Extra Toleration objects of the proxy pod (besides scheduling.corePods.tolerations).'),
    containerSecurityContext: containerSecurityContextKey('proxy'),
    livenessProbe: probeKey('proxy', 'liveness', { enabled: true, initialDelaySeconds: 60, periodSeconds: 10, failureThreshold: 30, timeoutSeconds: 3 }),
    readinessProbe: probeKey('proxy', 'readiness', { enabled: true, periodSeconds: 2 }),
    extraPodSpec: extraPodSpecKey('proxy'),
    revisionHistoryLimit: revisionHistoryLimitKey('proxy'),
    defaultTarget: Key(Nullable(Type.String({ minLength: 1 })), null, 'Where requests no route matches go (--default-target); null: the hub.'),
    errorTarget: Key(Nullable(Type.String({ minLength: 1 })), null, 'Where the proxy asks for error pages (--error-target); null: the hub’s error page.'),
  };
}

function proxyProperties<E extends import('@sinclair/typebox').TSchema>(extraEnv: E) {
  return {
  secretToken: Key(
    SecretString(),
    null,
    'Token the hub uses on the proxy’s route API (`openssl rand -hex 32`). Needed when the proxy runs separately. Env: CONFIGPROXY_AUTH_TOKEN or NBHUB_PROXY_TOKEN.',
  ),
  https: Section('HTTPS on the proxy.', {
    enabled: Key(Type.Boolean(), false, 'Serve HTTPS.'),
    type: Key(
      StringEnum(HTTPS_TYPES),
      'letsencrypt',
      'letsencrypt: automatic certificates; manual: key and cert given here; secret: from a Kubernetes TLS secret; offload: TLS ends at a load balancer in front.',
    ),
    hosts: Key(StringList(), [], 'Domain names the certificate is for.'),
    httpPort: Key(
      Nullable(Type.Integer({ minimum: 1, maximum: 65535 })),
      80,
      'Plain-HTTP port next to the HTTPS one (types letsencrypt and manual; local deployments): answers ACME HTTP-01 challenges and redirects everything else to HTTPS. null: no plain-HTTP listener (letsencrypt needs one; manual then just skips the redirect).',
    ),
    letsencrypt: Section('Automatic certificates over ACME.', {
      contactEmail: Key(Nullable(Type.String({ format: 'email' })), null, 'Email Let’s Encrypt sends expiry notices to (required for letsencrypt).'),
      acmeServer: Key(Type.String({ format: 'uri' }), LETSENCRYPT_PRODUCTION, 'ACME directory URL; the default is Let’s Encrypt production.'),
    }),
    manual: Section('A certificate given in the config (type manual).', {
      key: Key(SecretString(), null, 'PEM private key.'),
      cert: Key(Nullable(Type.String({ minLength: 1 })), null, 'PEM certificate chain.'),
    }),
    secret: Section('A certificate read from an existing Kubernetes TLS secret (type secret).', {
      name: Key(Nullable(Type.String({ minLength: 1 })), null, 'Name of the secret.'),
      key: Key(Type.String(), 'tls.key', 'Entry holding the private key.'),
      crt: Key(Type.String(), 'tls.crt', 'Entry holding the certificate.'),
    }),
  }),
  service: Section('The Kubernetes Service in front of the proxy.', {
    type: Key(StringEnum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']), 'LoadBalancer', 'Service type.'),
    annotations: Key(Labels(), {}, 'Annotations on the Service (e.g. cloud load balancer settings).'),
    labels: Key(Labels(), {}, 'Extra labels on the Service.'),
    nodePorts: Section('Fixed node ports when type is NodePort; null picks one.', {
      http: Key(NodePort(), null, 'Node port for HTTP.'),
      https: Key(NodePort(), null, 'Node port for HTTPS.'),
    }),
    loadBalancerIP: Key(Nullable(Type.String()), null, 'Requested load balancer IP.'),
    loadBalancerSourceRanges: Key(StringList(), [], 'CIDR ranges allowed to reach the load balancer.'),
    extraPorts: Key(FreeObjectList(), [], 'Extra ServicePort objects.'),
    disableHttpPort: Key(Type.Boolean(), false, 'Leave the plain-HTTP port out of the Service (HTTPS only).'),
    externalIPs: Key(StringList(), [], 'externalIPs of the Service.'),
    ...ipFamilyKeys(null),
  }),
  networkPolicy: networkPolicySection(
    'proxy',
    { cloudMetadataServer: true, dnsPortsPrivateIPs: true, nonPrivateIPs: true, privateIPs: true },
    ['http', 'https'],
  ),
  chp: Section('The proxy process (the z2jh name is kept; nbhub’s own proxy replaces configurable-http-proxy).', chpProperties(extraEnv)),
  deploymentStrategy: deploymentStrategySection('proxy', null),
  api: Section('The route API the hub talks to.', {
    url: Key(
      Nullable(Type.String({ format: 'uri' })),
      null,
      'URL of a standalone nbhub or configurable-http-proxy route API (e.g. http://proxy-api:8001); null runs the proxy inside the hub process.',
    ),
  }),
  separateProcess: Key(
    Type.Boolean(),
    false,
    'Local deployments: run the built-in proxy as its own long-lived process (`nbhub proxy`, started by `nbhub start` and re-used by the next start), so a hub crash or restart never cuts users off from their running servers. Its routes survive a restart of the proxy itself (kept in <data dir>/proxy/routes.json). It logs to <data dir>/proxy/proxy.log, moved to proxy.log.1 once past 20 MiB and reopened on SIGHUP (for logrotate). Ignored when proxy.api.url is set.',
  ),
  replicas: Key(Type.Integer({ minimum: 1 }), 1, 'Number of proxy pods (Helm chart). Only 1: each proxy keeps its routes in memory and the hub drives one proxy API, so the chart refuses more.'),
  annotations: Key(Labels(), {}, 'Annotations on the proxy pod.'),
  labels: Key(Labels(), {}, 'Extra labels on the proxy pod.'),
  };
}

export const ProxyResolvedSchema = Section(PROXY, proxyProperties(ExtraEnvResolved));

/** The file may also hold z2jh-only keys (proxy.traefik, proxy.secretSync, proxy.chp.image, …) that are folded or reported. */
const input = proxyProperties(ExtraEnvInput);
export const ProxyInputSchema = Section(PROXY, {
  ...input,
  chp: Section(input.chp.description ?? '', {
    ...chpProperties(ExtraEnvInput),
    networkPolicy: noDefaults(
      networkPolicySection('proxy', { cloudMetadataServer: true, dnsPortsPrivateIPs: true, nonPrivateIPs: true, privateIPs: true }, ['http', 'https']),
      'z2jh 1.x+ spelling of proxy.networkPolicy: folded into it (keys written here win).',
    ),
    image: noDefaults(
      imageSection('z2jh: the configurable-http-proxy image.', { name: '', tag: null, pullPolicy: null }),
      'z2jh: the configurable-http-proxy image. The proxy runs nbhub’s own proxy from hub.image; ignored with a warning.',
    ),
    command: Type.Optional(Type.Array(Type.String(), { description: 'z2jh: the configurable-http-proxy command. Ignored with a warning: the chart runs `nbhub proxy`.' })),
  }),
  traefik: TraefikSchema,
  secretSync: SecretSyncSchema,
});
