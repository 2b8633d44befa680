// What JupyterHub, Spawner and KubeSpawner traits (z2jh's hub.config.<Class>.<trait>, and
// c.<Class>.<trait> in hub.extraConfig) mean in nbhub's config. Authenticator traits are not
// here: they go through the per-class tables of customAuth.ts. A trait of a real class that is
// in neither table has no nbhub meaning and is reported by name.
import type { ConfigPath } from '../errors.ts';
import { isPlainObject } from '../dataPath.ts';

export interface TraitTarget {
  to: ConfigPath;
  /** Turns the Python value into the nbhub value; throws an Error whose message says what is wrong. */
  convert?: (value: unknown) => unknown;
  /** Several keys set from one trait (e.g. KubeSpawner.image → name and tag). */
  split?: (value: unknown) => { to: ConfigPath; value: unknown }[];
}

const k = (path: string, convert?: TraitTarget['convert']): TraitTarget => ({ to: path.split('.'), convert });

/** A list of {name, …} objects (JupyterHub.services, load_roles) as nbhub's mapping by name. */
function byName(what: string) {
  return (value: unknown): unknown => {
    if (isPlainObject(value)) return value;
    if (!Array.isArray(value)) throw new Error(`must be a list of ${what} ({name: …})`);
    const out: Record<string, unknown> = {};
    value.forEach((item, i) => {
      if (!isPlainObject(item) || typeof item.name !== 'string') throw new Error(`item ${i} must be a mapping with a name`);
      const { name, ...rest } = item;
      out[name] = rest;
    });
    return out;
  };
}



/** 'registry:5000/org/image:tag' → name and tag (the tag is after the last ':' that follows the last '/'). */
export function splitImage(value: unknown): { to: ConfigPath; value: unknown }[] {
  if (typeof value !== 'string' || !value) throw new Error('must be an image reference such as quay.io/jupyter/base-notebook:2024-01-15');
  const slash = value.lastIndexOf('/');
  const colon = value.lastIndexOf(':');
  const hasTag = colon > slash;
  return [
    { to: ['singleuser', 'image', 'name'], value: hasTag ? value.slice(0, colon) : value },
    { to: ['singleuser', 'image', 'tag'], value: hasTag ? value.slice(colon + 1) : 'latest' },
  ];
}

/** Spawner traits; they apply to KubeSpawner and LocalProcessSpawner too. */
const SPAWNER: Record<string, TraitTarget> = {
  cmd: k('singleuser.cmd'),
  args: k('singleuser.args'),
  default_url: k('singleuser.defaultUrl'),
  notebook_dir: k('singleuser.notebookDir'),
  environment: k('singleuser.extraEnv'),
  start_timeout: k('singleuser.startTimeout'),
  http_timeout: k('singleuser.httpTimeout'),
  mem_limit: k('singleuser.memory.limit'),
  mem_guarantee: k('singleuser.memory.guarantee'),
  cpu_limit: k('singleuser.cpu.limit'),
  cpu_guarantee: k('singleuser.cpu.guarantee'),
};

const KUBESPAWNER: Record<string, TraitTarget> = {
  image: { to: ['singleuser', 'image'], split: splitImage },
  image_pull_policy: k('singleuser.image.pullPolicy'),
  image_pull_secrets: k('singleuser.imagePullSecrets', (v) => (typeof v === 'string' ? [v] : v)),
  namespace: k('spawner.kubernetes.namespace'),
  pod_name_template: k('spawner.kubernetes.podNameTemplate'),
  scheduler_name: k('spawner.kubernetes.schedulerName'),
  priority_class_name: k('spawner.kubernetes.priorityClassName'),
  pvc_name_template: k('singleuser.storage.dynamic.pvcNameTemplate'),
  storage_capacity: k('singleuser.storage.capacity'),
  storage_class: k('singleuser.storage.dynamic.storageClass'),
  storage_access_modes: k('singleuser.storage.dynamic.storageAccessModes'),
  storage_extra_labels: k('singleuser.storage.extraLabels'),
  volumes: k('singleuser.storage.extraVolumes'),
  volume_mounts: k('singleuser.storage.extraVolumeMounts'),
  delete_pvc: k('singleuser.storage.deleteOnUserDelete'),
  node_selector: k('singleuser.nodeSelector'),
  tolerations: k('singleuser.extraTolerations'),
  node_affinity_required: k('singleuser.extraNodeAffinity.required'),
  node_affinity_preferred: k('singleuser.extraNodeAffinity.preferred'),
  pod_affinity_required: k('singleuser.extraPodAffinity.required'),
  pod_affinity_preferred: k('singleuser.extraPodAffinity.preferred'),
  pod_anti_affinity_required: k('singleuser.extraPodAntiAffinity.required'),
  pod_anti_affinity_preferred: k('singleuser.extraPodAntiAffinity.preferred'),
  extra_resource_limits: k('singleuser.extraResource.limits'),
  extra_resource_guarantees: k('singleuser.extraResource.guarantees'),
  uid: k('singleuser.uid'),
  fs_gid: k('singleuser.fsGid'),
  service_account: k('singleuser.serviceAccountName'),
  lifecycle_hooks: k('singleuser.lifecycleHooks'),
  init_containers: k('singleuser.initContainers'),
  extra_containers: k('singleuser.extraContainers'),
  extra_labels: k('singleuser.extraLabels'),
  extra_annotations: k('singleuser.extraAnnotations'),
  extra_pod_config: k('singleuser.extraPodConfig'),
  profile_list: k('singleuser.profileList'),
  allow_privilege_escalation: k('singleuser.allowPrivilegeEscalation'),
  events_enabled: k('singleuser.events'),
};

const JUPYTERHUB: Record<string, TraitTarget> = {
  admin_access: k('auth.admin.access'),
  base_url: k('hub.baseUrl'),
  hub_ip: k('hub.ip'),
  hub_port: k('hub.port'),
  hub_connect_url: k('hub.connectUrl'),
  cookie_secret: k('hub.cookieSecret'),
  cookie_max_age_days: k('hub.cookieMaxAgeDays'),
  db_url: k('hub.db.url'),
  concurrent_spawn_limit: k('hub.concurrentSpawnLimit'),
  active_server_limit: k('hub.activeServerLimit'),
  allow_named_servers: k('hub.allowNamedServers'),
  named_server_limit_per_user: k('hub.namedServerLimitPerUser'),
  shutdown_on_logout: k('hub.shutdownOnLogout'),
  redirect_to_server: k('hub.redirectToServer'),
  template_paths: k('hub.templatePaths'),
  template_vars: k('hub.templateVars'),
  services: k('hub.services', byName('services')),
  load_roles: k('hub.loadRoles', byName('roles')),
};

const OTHER: Record<string, Record<string, TraitTarget>> = {
  ConfigurableHTTPProxy: { auth_token: k('proxy.secretToken'), api_url: k('proxy.api.url') },
  Proxy: {},
  CryptKeeper: { keys: k('auth.state.cryptoKey', (v) => (Array.isArray(v) ? v.join(';') : v)) },
};

/** Traits with no nbhub meaning for which there is more to say than "ignored". */
export const TRAIT_NOTES: Record<string, string> = {
  'JupyterHub.subdomain_host': 'nbhub serves user servers under /user/<name>/ on the hub’s host',
  'JupyterHub.spawner_class': 'spawner.kind chooses the spawner',
  'JupyterHub.authenticator_class': 'auth.type chooses the authenticator',
  'Spawner.pre_spawn_hook': 'nbhub runs no Python hooks; use singleuser.extraEnv / singleuser.authStateEnv / profileList',
  'KubeSpawner.modify_pod_hook': 'nbhub runs no Python hooks; use singleuser.extraPodConfig',
};

export function traitTarget(cls: string, trait: string, isSpawner: boolean): TraitTarget | undefined {
  if (cls === 'JupyterHub') return JUPYTERHUB[trait];
  if (cls === 'KubeSpawner') return KUBESPAWNER[trait] ?? SPAWNER[trait];
  if (isSpawner) return SPAWNER[trait];
  return OTHER[cls]?.[trait];
}

/** Spawner class names (entry points and class paths) that nbhub has, and its spawner.kind. */
export const SPAWNER_KINDS: Record<string, 'kubernetes' | 'local'> = {
  KubeSpawner: 'kubernetes',
  kubespawner: 'kubernetes',
  LocalProcessSpawner: 'local',
  SimpleLocalProcessSpawner: 'local',
  localprocess: 'local',
  simple: 'local',
  default: 'local',
};


