// The part of a benchmark JupyterHub's configuration that bench/hub (local-process spawner) and
// bench/k8s (KubeSpawner) share: loopback addresses, configurable-http-proxy from npm with its
// pid file, the SQLite database, cookie secret and pid file in the work dir, and the `bench`
// service whose token drives the run with admin scopes.

import path from 'node:path';

/** A Python string literal (JSON's escapes are valid Python). */
export const py = (s: string): string => JSON.stringify(s);

export interface JupyterHubBase {
  port: number;
  hubPort: number;
  apiPort: number;
  /** configurable-http-proxy's command line. */
  chpCommand: string[];
  workDir: string;
  token: string;
}

export function jupyterHubBaseConfig(b: JupyterHubBase): string {
  const inWorkDir = (name: string) => py(path.join(b.workDir, name));
  return `c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = ${b.port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = ${b.hubPort}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:${b.apiPort}"
c.ConfigurableHTTPProxy.command = [${b.chpCommand.map(py).join(', ')}]
c.ConfigurableHTTPProxy.pid_file = ${inWorkDir('chp.pid')}
c.JupyterHub.db_url = ${py(`sqlite:///${path.join(b.workDir, 'jupyterhub.sqlite')}`)}
c.JupyterHub.cookie_secret_file = ${inWorkDir('jupyterhub_cookie_secret')}
c.JupyterHub.pid_file = ${inWorkDir('jupyterhub.pid')}
c.JupyterHub.services = [{"name": "bench", "api_token": ${py(b.token)}}]
c.JupyterHub.load_roles = [
    {
        "name": "bench-admin",
        "scopes": ["admin:users", "admin:servers", "tokens", "read:users", "list:users"],
        "services": ["bench"],
    }
]`;
}
