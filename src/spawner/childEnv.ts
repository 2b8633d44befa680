// The environment of a local user server: a short allow-list from the hub's own environment
// (LocalProcessSpawner.env_keep in JupyterHub 5.2+), then the hub's spec.env (protocol.md
// §1.2), then JUPYTERHUB_SERVICE_URL, then USER/HOME/SHELL of the account (as JupyterHub's
// user_env does last). Nothing else of the hub's environment leaks: no
// CONFIGPROXY_AUTH_TOKEN, no NBHUB_* secrets.

export const ENV_KEEP = [
  'PATH',
  'PYTHONPATH',
  'CONDA_ROOT',
  'CONDA_DEFAULT_ENV',
  'VIRTUAL_ENV',
  'LANG',
  'LC_ALL',
  'LD_LIBRARY_PATH',
  'JUPYTERHUB_SINGLEUSER_APP',
] as const;

export interface ChildEnvInput {
  hubEnv: NodeJS.ProcessEnv;
  specEnv: Record<string, string>;
  serviceUrl: string;
  user: string;
  home: string;
  shell: string;
}

export function buildChildEnv(i: ChildEnvInput): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ENV_KEEP) {
    const v = i.hubEnv[k];
    if (v !== undefined) env[k] = v;
  }
  Object.assign(env, i.specEnv);
  env.JUPYTERHUB_SERVICE_URL = i.serviceUrl;
  env.USER = i.user;
  env.HOME = i.home;
  env.SHELL = i.shell;
  return env;
}
