// singleuser.profileList for the local spawner: the chosen profile (KubeSpawner's rules, shared
// with the Kubernetes spawner through resolveProfile) reduced to what means something on one
// machine — cmd, args, default_url, environment, mem_limit, cpu_limit — plus python_env (a
// kubespawner_override key of nbhub's own: a Python environment on this machine). Kubernetes-only keys are reported by config check (config/localSpawnerChecks.ts).
import path from 'node:path';
import type { Config } from '../config/index.ts';
import { parseProfiles, resolveProfile, type Profile } from './kubernetes/profiles.ts';
import { kubeSettingsFromConfig } from './kubernetes/settings.ts';
import type { LocalServerSettings } from './localOptions.ts';

/** The settings of one spawn from its user options; null when no profiles are configured.
 *  Throws ProfileError (UNKNOWN_PROFILE…) for options naming no profile or choice. */
export function localSettingsResolver(config: Config): ((userOptions: Record<string, unknown>) => LocalServerSettings) | null {
  const list = config.singleuser.profileList;
  if (!list.length) return null;
  const profiles: Profile[] = parseProfiles(list);
  const base = kubeSettingsFromConfig(config).base;
  return (userOptions) => {
    const { slug, settings } = resolveProfile(base, profiles, userOptions);
    const pythonEnv = settings.pythonEnv;
    const env: Record<string, string> = {};
    // Objects are Kubernetes EnvVar bodies (valueFrom): config check refuses them for local.
    for (const [k, v] of Object.entries(settings.environment)) if (typeof v === 'string') env[k] = v;
    const cmd = settings.cmd ?? (pythonEnv && !config.singleuser.cmd ? [path.join(pythonEnv, 'bin', 'jupyterhub-singleuser')] : null);
    return {
      cmd,
      args: settings.args,
      defaultUrl: settings.defaultUrl,
      env,
      memory: settings.resources.memLimit,
      cpu: settings.resources.cpuLimit,
      pythonEnv,
      profile: slug,
    };
  };
}
