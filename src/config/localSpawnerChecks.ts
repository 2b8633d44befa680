// What `singleuser.*` means under the local-process spawner (spawner.kind local). Keys the local
// spawner applies: cmd, args, defaultUrl, notebookDir, extraEnv (values), authStateEnv,
// startTimeout, httpTimeout, memory.limit, cpu.limit, storage.type, profileList (cmd, args,
// default_url, environment, mem_limit, cpu_limit and nbhub's python_env in kubespawner_override). Guarantees are logged once by the
// spawner (nothing is reserved on one machine). Every other key set to something other than its
// default is named in one warning in the hub's log at start (ignoredByLocalSpawner); Kubernetes-only
// keys in a profile are CONFIG_IGNORED warnings of config check, naming the profile. An extraEnv
// entry with valueFrom (which only Kubernetes resolves) is a warning of config check and an error
// at `nbhub start` with the local spawner: a values file checked on its own runs with the default
// kind (local), but the Helm chart runs it as kubernetes, where valueFrom is fine. None is dropped
// silently.
import type { ConfigFinding, ConfigPath } from './errors.ts';
import type { Config } from './schema.ts';
import { isDefaultValue } from './z2jh/defaults.ts';

/** singleuser keys that only configure Kubernetes pods, volumes or images. */
const KUBERNETES_ONLY = [
  'image',
  'imagePullSecret',
  'imagePullSecrets',
  'lifecycleHooks',
  'networkPolicy',
  'networkTools',
  'cloudMetadata',
  'serviceAccountName',
  'schedulerStrategy',
  'uid',
  'fsGid',
  'nodeSelector',
  'extraTolerations',
  'extraNodeAffinity',
  'extraLabels',
  'extraAnnotations',
  'extraPodConfig',
  'extraPodAffinity',
  'extraPodAntiAffinity',
  'extraResource',
  'extraFiles',
  'initContainers',
  'extraContainers',
  'events',
  'allowPrivilegeEscalation',
] as const;
const STORAGE_KUBERNETES_ONLY = ['capacity', 'homeMountPath', 'dynamic', 'static', 'extraVolumes', 'extraVolumeMounts', 'extraLabels', 'deleteOnUserDelete'] as const;

/** Profile override keys the local spawner applies. */
export const LOCAL_PROFILE_KEYS = ['cmd', 'args', 'default_url', 'environment', 'mem_limit', 'cpu_limit', 'python_env'] as const;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const VALUE_FROM_PROBLEM = 'takes its value from Kubernetes (valueFrom), which the local spawner cannot resolve; give the value itself, or use singleuser.authStateEnv';

/** singleuser.extraEnv names whose value is a Kubernetes EnvVar body (valueFrom). */
export function valueFromEntries(config: Config): string[] {
  return Object.entries(config.singleuser.extraEnv)
    .filter(([, v]) => isObj(v))
    .map(([k]) => k);
}

/**
 * singleuser keys set (to something other than their default) that the local spawner ignores.
 * Reported in the hub's log when the local spawner starts, not by config check: chart values
 * files (which the chart runs with spawner.kind kubernetes) are checked on their own with the
 * default kind, local, and would drown in these.
 */
export function ignoredByLocalSpawner(config: Config): string[] {
  const su = config.singleuser;
  const out: string[] = [];
  for (const k of KUBERNETES_ONLY) if (!isDefaultValue(['singleuser', k], su[k])) out.push(`singleuser.${k}`);
  for (const k of STORAGE_KUBERNETES_ONLY) if (!isDefaultValue(['singleuser', 'storage', k], su.storage[k])) out.push(`singleuser.storage.${k}`);
  return out;
}

/** Config check under spawner.kind local: profile keys the local spawner ignores, valueFrom. */
export function checkLocalSpawner(config: Config): ConfigFinding[] {
  const out: ConfigFinding[] = [];
  const su = config.singleuser;
  if (config.spawner.kind !== 'local') {
    su.profileList.forEach((p, i) =>
      forEachOverride(p, i, (o, path) => {
        if ('python_env' in o) {
          out.push({ path: [...path, 'python_env'], message: `(profile ${JSON.stringify(p.display_name)}) is only used by the local spawner; spawner.kind ${config.spawner.kind} ignores it`, warning: 'CONFIG_IGNORED' });
        }
      }),
    );
    return out;
  }
  for (const name of valueFromEntries(config)) {
    out.push({ path: ['singleuser', 'extraEnv', name], message: `${VALUE_FROM_PROBLEM}; nbhub start refuses it with spawner.kind local (the Helm chart, which runs kubernetes, resolves it)`, warning: 'CONFIG_IGNORED' });
  }
  su.profileList.forEach((p, i) =>
    forEachOverride(p, i, (o, path) => {
      for (const [k, v] of Object.entries(o)) {
        if (k === 'environment' && isObj(v)) {
          for (const [name, x] of Object.entries(v)) {
            if (isObj(x)) out.push({ path: [...path, k, name], message: `(profile ${JSON.stringify(p.display_name)}) ${VALUE_FROM_PROBLEM}; the local spawner leaves it unset`, warning: 'CONFIG_IGNORED' });
          }
        }
        if ((LOCAL_PROFILE_KEYS as readonly string[]).includes(k)) continue;
        const why = k === 'mem_guarantee' || k === 'cpu_guarantee' ? 'has no meaning on one machine (nothing is reserved)' : 'only means something on Kubernetes';
        out.push({ path: [...path, k], message: `(profile ${JSON.stringify(p.display_name)}) ${why}; the local spawner ignores it`, warning: 'CONFIG_IGNORED' });
      }
    }),
  );
  return out;
}

/** Calls `fn` with every kubespawner_override of profile `i` (its own and its options' choices). */
function forEachOverride(p: Config['singleuser']['profileList'][number], i: number, fn: (o: Record<string, unknown>, path: ConfigPath) => void): void {
  const at: ConfigPath = ['singleuser', 'profileList', i];
  if (isObj(p.kubespawner_override)) fn(p.kubespawner_override, [...at, 'kubespawner_override']);
  for (const [name, opt] of Object.entries(p.profile_options)) {
    if (!isObj(opt)) continue;
    if (isObj(opt.choices)) {
      for (const [key, c] of Object.entries(opt.choices)) {
        if (isObj(c) && isObj(c.kubespawner_override)) fn(c.kubespawner_override, [...at, 'profile_options', name, 'choices', key, 'kubespawner_override']);
      }
    }
    const u = opt.unlisted_choice;
    if (isObj(u) && isObj(u.kubespawner_override)) fn(u.kubespawner_override, [...at, 'profile_options', name, 'unlisted_choice', 'kubespawner_override']);
  }
}
