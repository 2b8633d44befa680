// `hub:` — the hub process: URL, bind address, secrets, database, services, roles, limits.
import { Type, type TSchema } from '@sinclair/typebox';
import { Closed, Deprecated, FreeObject, FreeObjectList, Key, MapOf, Nullable, Pattern, Section, StringEnum, StringList } from './helpers.ts';
import { ExtraEnvInput, ExtraEnvResolved, Labels, PULL_POLICIES, SecretString, Size, imageSection, networkPolicySection, pdbSection, resourcesKey } from './common.ts';
import {
  containerSecurityContextKey,
  deploymentStrategySection,
  extraFilesKey,
  extraPodSpecKey,
  ipFamilyKeys,
  podSecurityContextKey,
  probeKey,
  revisionHistoryLimitKey,
  serviceAccountSection,
} from './kubernetes.ts';

export const DB_TYPES = ['sqlite-pvc', 'sqlite-memory', 'postgres', 'mysql'] as const;

const caseless = (words: string[]) => `(${words.map((w) => [...w].map((c) => `[${c}${c.toUpperCase()}]`).join('')).join('|')})`;

/** PEP 440 (appendix B of the PEP, with its case-insensitivity spelled out). */
export const PEP440_PATTERN = Pattern(
  '^[vV]?([0-9]+!)?[0-9]+(\\.[0-9]+)*' +
    `([-_.]?${caseless(['alpha', 'beta', 'preview', 'pre', 'rc', 'a', 'b', 'c'])}[-_.]?[0-9]*)?` +
    `((-[0-9]+)|([-_.]?${caseless(['post', 'rev', 'r'])}[-_.]?[0-9]*))?` +
    `([-_.]?${caseless(['dev'])}[-_.]?[0-9]*)?` +
    '(\\+[a-zA-Z0-9]+([-_.][a-zA-Z0-9]+)*)?$',
  'a PEP 440 version such as 5.2.1, 5.0.0b1 or 4.1.0.dev0',
);

const BASE_URL_PATTERN = Pattern('^/', 'a path starting with /');

const serviceProperties = {
  apiToken: Key(SecretString(), null, 'API token the service uses (`Authorization: token …`). Stored hashed.'),
  admin: Key(Type.Boolean(), false, 'Give the service the admin role.'),
  url: Key(Nullable(Type.String({ format: 'uri' })), null, 'URL of the service; when set, the proxy routes /services/<name>/ to it.'),
  oauthNoConfirm: Key(Type.Boolean(), false, 'Skip the OAuth confirmation page when users log in to this service.'),
  display: Key(Type.Boolean(), true, 'List the service on the hub home page (when it has a url).'),
  info: Key(FreeObject(), {}, 'Free-form information returned by the /hub/api/services endpoint.'),
  oauthClientId: Key(Nullable(Type.String({ minLength: 1 })), null, 'OAuth client id of the service (its apiToken is the secret); null: service-<name>.'),
  oauthRedirectUri: Key(
    Nullable(Type.String({ minLength: 1 })),
    null,
    'OAuth redirect URI of the service; null: <baseUrl>services/<name>/oauth_callback (when the service has a url).',
  ),
  command: Key(
    Nullable(Type.Array(Type.String(), { minItems: 1 })),
    null,
    'A hub-managed service: the hub starts this command, restarts it when it exits and stops it with the hub (e.g. [python3, -m, jupyterhub_idle_culler, --timeout=3600]).',
  ),
  environment: Key(MapOf(Type.String()), {}, 'Extra environment of a hub-managed service (besides JUPYTERHUB_API_TOKEN, JUPYTERHUB_API_URL, JUPYTERHUB_SERVICE_PREFIX, …).'),
  cwd: Key(Nullable(Type.String({ minLength: 1 })), null, 'Working directory of a hub-managed service; null: the hub data directory.'),
};
const ServiceSchema = Closed(serviceProperties);

/** JupyterHub's own (snake_case) service keys, which z2jh passes through to `c.JupyterHub.services`. */
const ServiceInputSchema = Closed({
  ...serviceProperties,
  name: Type.Optional(Type.String({ minLength: 1, description: 'z2jh: the service name; must equal its key under hub.services.' })),
  api_token: Type.Optional(Nullable(Type.String({ minLength: 1, description: 'JupyterHub spelling of apiToken.' }))),
  oauth_no_confirm: Type.Optional(Type.Boolean({ description: 'JupyterHub spelling of oauthNoConfirm.' })),
  oauth_client_id: Type.Optional(Type.String({ minLength: 1, description: 'JupyterHub spelling of oauthClientId.' })),
  oauth_redirect_uri: Type.Optional(Type.String({ minLength: 1, description: 'JupyterHub spelling of oauthRedirectUri.' })),
  oauth_roles: Type.Optional(Type.Array(Type.String(), { description: 'JupyterHub: roles of the service’s OAuth tokens. Ignored with a warning: grant roles with hub.loadRoles.' })),
  user: Type.Optional(Type.String({ description: 'JupyterHub: Unix user of a hub-managed service. Ignored with a warning: nbhub runs managed services as the hub’s user.' })),
  // JupyterHub's one-string command is accepted here and made a one-element list by the z2jh fold
  command: Key(Type.Unsafe<string | string[] | null>({ type: ['string', 'array', 'null'], items: { type: 'string' } }), null, 'The command of a hub-managed service: a list, or (JupyterHub) one string.'),
});

const roleProperties = {
  description: Key(Type.String(), '', 'What the role is for.'),
  scopes: Key(StringList(), [], 'Scopes granted, e.g. `admin:users`, `read:servers!group=class`.'),
  users: Key(StringList(), [], 'Users given this role.'),
  groups: Key(StringList(), [], 'Groups given this role.'),
  services: Key(StringList(), [], 'Services given this role.'),
};
const RoleSchema = Closed(roleProperties);
const RoleInputSchema = Closed({
  ...roleProperties,
  name: Type.Optional(Type.String({ minLength: 1, description: 'z2jh: the role name; must equal its key under hub.loadRoles.' })),
});

function hubProperties<E extends TSchema, S extends TSchema, R extends TSchema>(extraEnv: E, service: S, role: R) {
  return {
    baseUrl: Key(Type.String({ pattern: BASE_URL_PATTERN }), '/', 'URL prefix of the whole deployment; the hub lives under <baseUrl>hub/.'),
    ip: Key(Type.String({ minLength: 1 }), '127.0.0.1', 'Address the hub process binds to, behind the proxy. Use 0.0.0.0 in a pod.'),
    port: Key(Type.Integer({ minimum: 0, maximum: 65535 }), 0, 'Port the hub process listens on; 0 picks one (and reuses it after a restart).'),
    connectUrl: Key(
      Nullable(Type.String({ format: 'uri' })),
      null,
      'URL the proxy and user servers use to reach the hub, e.g. http://hub:8081 in Kubernetes (the Helm chart sets it); null: http://<hub.ip>:<port>.',
    ),
    cookieSecret: Key(
      SecretString(),
      null,
      'Secret signing the login cookies (hex, e.g. `openssl rand -hex 32`). null: generated once and kept in the database. Env: NBHUB_COOKIE_SECRET or JPY_COOKIE_SECRET.',
    ),
    cookieMaxAgeDays: Key(Type.Number({ exclusiveMinimum: 0 }), 14, 'How long a login cookie stays valid, in days.'),
    db: Section('The hub database.', {
      type: Key(
        StringEnum(DB_TYPES),
        'sqlite-pvc',
        'sqlite-pvc: a SQLite file in the data directory (a PVC in Kubernetes); sqlite-memory: lost on restart; postgres or mysql: an external database at hub.db.url.',
      ),
      url: Key(
        Nullable(Type.String({ minLength: 1 })),
        null,
        'Connection URL, required for postgres and mysql, e.g. postgresql://user:pass@host:5432/nbhub. Env: NBHUB_DB_URL.',
      ),
      pvc: Section('The PersistentVolumeClaim holding the SQLite file when type is sqlite-pvc (Kubernetes).', {
        accessModes: Key(StringList(), ['ReadWriteOnce'], 'PVC access modes.'),
        storage: Key(Size(), '1Gi', 'Size of the volume.'),
        storageClassName: Key(Nullable(Type.String()), null, 'StorageClass of the volume; null uses the cluster default.'),
        annotations: Key(Labels(), {}, 'Annotations on the PVC.'),
        selector: Key(FreeObject(), {}, 'Label selector choosing a pre-existing PersistentVolume.'),
        subPath: Key(Nullable(Type.String()), null, 'Subdirectory of the volume holding the data directory; null: the volume’s root.'),
      }),
      upgrade: Key(Nullable(Type.Boolean()), null, 'Allow schema migrations of an existing database on start; null: migrate SQLite automatically and other databases too.'),
      password: Key(SecretString(), null, 'Database password, when it is not part of hub.db.url.'),
    }),
    services: Key(
      MapOf(service),
      {},
      'Services (e.g. an idle culler or a grader) known to the hub, by name.',
    ),
    activeServerLimit: Key(Nullable(Type.Integer({ minimum: 0 })), null, 'Most user servers running at once; null or 0 means no limit.'),
    concurrentSpawnLimit: Key(
      Type.Integer({ minimum: 1 }),
      64,
      'Most servers starting at once; further starts wait in a fair queue and see their place.',
    ),
    extraEnv: Key(extraEnv, {}, 'Extra environment variables of the hub process.'),
    templatePaths: Key(StringList(), [], 'Directories searched for page templates before the built-in ones.'),
    templateVars: Key(FreeObject(), {}, 'Extra variables available to page templates.'),
    allowNamedServers: Key(Type.Boolean(), false, 'Let users run several named servers besides their default one.'),
    namedServerLimitPerUser: Key(Nullable(Type.Integer({ minimum: 0 })), null, 'Most named servers per user; null or 0 means no limit.'),
    shutdownOnLogout: Key(Type.Boolean(), false, 'Stop the user’s servers when they log out.'),
    redirectToServer: Key(Type.Boolean(), true, 'After login, send users straight to their server instead of the home page.'),
    networkPolicy: networkPolicySection('hub', { cloudMetadataServer: true, dnsPortsPrivateIPs: true, nonPrivateIPs: true, privateIPs: true }),
    image: imageSection('Container image of the hub (Kubernetes).', { name: 'ghcr.io/nbhub/nbhub', tag: null, pullPolicy: null }),
    resources: resourcesKey('Kubernetes resources of the hub container.'),
    pdb: pdbSection('hub', { enabled: false, maxUnavailable: null, minAvailable: 1 }),
    nodeSelector: Key(Labels(), {}, 'Node labels the hub pod must run on.'),
    extraVolumes: Key(FreeObjectList(), [], 'Extra Volume objects in the hub pod.'),
    extraVolumeMounts: Key(FreeObjectList(), [], 'Extra VolumeMount objects in the hub container.'),
    extraContainers: Key(FreeObjectList(), [], 'Extra containers in the hub pod (e.g. a database proxy).'),
    replicas: Key(Type.Integer({ minimum: 1 }), 1, 'Number of hub replicas. Only 1 for now: a hub replica keeps server state in its own memory, so config check and the chart refuse more.'),
    uid: Key(Type.Integer({ minimum: 0 }), 1000, 'User id the hub container runs as (Kubernetes).'),
    fsGid: Key(Type.Integer({ minimum: 0 }), 1000, 'Group id owning the hub’s volumes (Kubernetes).'),
    version: Key(
      Nullable(Type.String({ pattern: PEP440_PATTERN })),
      null,
      'Override the X-JupyterHub-Version header sent to single-user servers; must be a PEP 440 version. null: the JupyterHub version nbhub implements.',
    ),
    loadRoles: Key(MapOf(role), {}, 'Custom roles, by name, and who has them.'),
    customScopes: Key(
      MapOf(
        Closed({
          description: Key(Type.String(), '', 'What the scope allows (shown on the OAuth consent page).'),
          subscopes: Key(StringList(), [], 'Other custom scopes this one implies.'),
        }),
      ),
      {},
      'Custom scopes (JupyterHub custom_scopes), by name: custom:<name>, e.g. custom:grades:read. Grant them in hub.loadRoles (filters allowed); services read them from the user model.',
    ),
    authenticatePrometheus: Key(
      Nullable(Type.Boolean()),
      null,
      'Require a token with the read:metrics scope for /hub/metrics (JupyterHub’s authenticate_prometheus); false: anyone may scrape it. null: true.',
    ),
    annotations: Key(Labels(), {}, 'Annotations on the hub pod.'),
    labels: Key(Labels(), {}, 'Extra labels on the hub pod.'),
    command: Key(StringList(), [], 'Command of the hub container; empty: `nbhub start` with the chart’s arguments.'),
    args: Key(StringList(), [], 'Extra arguments of the hub container’s command.'),
    extraFiles: extraFilesKey('hub'),
    initContainers: Key(FreeObjectList(), [], 'Init containers of the hub pod.'),
    tolerations: Key(FreeObjectList(), [], 'Extra Toleration objects of the hub pod (besides scheduling.corePods.tolerations).'),
    podSecurityContext: podSecurityContextKey('hub'),
    containerSecurityContext: containerSecurityContextKey('hub'),
    livenessProbe: probeKey('hub', 'liveness', { enabled: true, initialDelaySeconds: 300, periodSeconds: 10, failureThreshold: 30, timeoutSeconds: 3 }),
    readinessProbe: probeKey('hub', 'readiness', { enabled: true, periodSeconds: 2, failureThreshold: 3 }),
    lifecycle: Section('Kubernetes lifecycle hooks of the hub container.', {
      postStart: Key(FreeObject(), {}, 'LifecycleHandler run after the container starts.'),
      preStop: Key(FreeObject(), {}, 'LifecycleHandler run before the container stops.'),
    }),
    extraPodSpec: extraPodSpecKey('hub'),
    deploymentStrategy: deploymentStrategySection('hub', null),
    revisionHistoryLimit: revisionHistoryLimitKey('hub'),
    serviceAccount: serviceAccountSection('hub'),
    service: Section('The hub’s Kubernetes Service (hub).', {
      type: Key(StringEnum(['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']), 'ClusterIP', 'Service type.'),
      ports: Section('The Service’s port.', {
        nodePort: Key(Nullable(Type.Integer({ minimum: 1, maximum: 65535 })), null, 'Node port when type is NodePort; null picks one.'),
        appProtocol: Key(Nullable(Type.String()), null, 'appProtocol of the port.'),
      }),
      annotations: Key(Labels(), {}, 'Annotations on the Service.'),
      extraPorts: Key(FreeObjectList(), [], 'Extra ServicePort objects.'),
      loadBalancerIP: Key(Nullable(Type.String()), null, 'Requested load balancer IP (type LoadBalancer).'),
      ...ipFamilyKeys(null),
    }),
  };
}

export const HubResolvedSchema = Section('The hub: web pages, REST API, OAuth provider, database.', hubProperties(ExtraEnvResolved, ServiceSchema, RoleSchema));

export const HubInputSchema = Section('The hub: web pages, REST API, OAuth provider, database.', {
  ...hubProperties(ExtraEnvInput, ServiceInputSchema, RoleInputSchema),
  config: Type.Optional(
    Type.Unsafe<Record<string, Record<string, unknown>>>({
      type: 'object',
      patternProperties: { '^[A-Z]': { type: 'object' } },
      additionalProperties: false,
      description:
        'z2jh 1.x+: JupyterHub traitlets, hub.config.<Class>.<trait> (JupyterHub, Spawner, KubeSpawner, Authenticator, the authenticator classes). Those with an nbhub meaning are mapped onto nbhub’s keys; the others are named in a warning; an unknown class or trait is an error.',
    }),
  ),
  extraConfig: Type.Optional(
    Type.Unsafe<string | Record<string, string>>({
      type: ['string', 'object'],
      additionalProperties: { type: 'string' },
      description:
        'z2jh: Python snippets for jupyterhub_config.py (one string, or snippets by name, run in name order). Each runs in a sandboxed Python against a recording config object; plain assignments to traits nbhub knows (c.Spawner.cmd = …, c.KubeSpawner.cpu_limit = …) become nbhub settings, anything else is a warning naming the snippet and line.',
    }),
  ),
  extraConfigMap: Type.Optional(FreeObject({ description: 'z2jh: values hub.extraConfig snippets read with z2jh.get_config("custom.…")/get_config("hub.extraConfigMap.…").' })),
  existingSecret: Type.Optional(
    Nullable(Type.String({ minLength: 1, description: 'z2jh: an existing Secret holding the hub’s secrets. Ignored with a warning: the chart keeps them in the Secret hub.' })),
  ),
  consecutiveFailureLimit: Type.Optional(
    Nullable(Type.Integer({ minimum: 0, description: 'z2jh: stop the hub after this many failed spawns in a row. Ignored with a warning: nbhub reports each failure and keeps running.' })),
  ),
  imagePullPolicy: Deprecated(StringEnum(PULL_POLICIES), 'hub.image.pullPolicy', 'Old z2jh spelling.'),
});
