// The peer: JupyterHub 5.x from PyPI (the project's venv) with configurable-http-proxy 5.x
// from npm (node_modules/.bin), dummy login, an admin service token, and a local-process
// spawner able to run as root (no setuid; each user gets a fresh home under the work dir).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../lib/http.ts';
import { startHubProcess } from '../lib/hubProcess.ts';
import { jupyterHubBaseConfig, py } from '../lib/jupyterhubConfig.ts';
import type { ProcessRegistry } from '../lib/processes.ts';
import type { HubUnderTest, SideOptions } from './types.ts';

export function jupyterhubVersion(venvDir: string): string {
  return execFileSync(path.join(venvDir, 'bin', 'jupyterhub'), ['--version'], { encoding: 'utf8', timeout: 60_000 }).trim();
}

export function chpVersion(repoDir: string): string {
  const pkg = path.join(repoDir, 'node_modules', 'configurable-http-proxy', 'package.json');
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

function configPy(o: SideOptions, p: { port: number; hubPort: number; apiPort: number; homes: string; marker: string }): string {
  const chp = path.join(o.repoDir, 'node_modules', '.bin', 'configurable-http-proxy');
  const singleuser = path.join(o.venvDir, 'bin', 'jupyterhub-singleuser');
  return `# Written by bench/hub/jupyterhubPeer.ts for one benchmark run.
import os
from jupyterhub.spawner import LocalProcessSpawner

HOMES = ${py(p.homes)}


class BenchLocalSpawner(LocalProcessSpawner):
    """LocalProcessSpawner as the hub's own account (root): no setuid, no Unix account
    lookup; each user gets a fresh home directory, which is also the notebook directory."""

    def make_preexec_fn(self, name):
        return None

    def user_env(self, env):
        home = os.path.join(HOMES, self.user.name)
        os.makedirs(home, exist_ok=True)
        env["USER"] = self.user.name
        env["HOME"] = home
        self.notebook_dir = home
        return env


c = get_config()  # noqa
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = BenchLocalSpawner
c.Spawner.cmd = [${py(singleuser)}]
c.Spawner.args = ["--allow-root"]
c.Spawner.environment = {"NBHUB_BENCH_RUN": ${py(p.marker)}}
${jupyterHubBaseConfig({ ...p, chpCommand: [chp], workDir: o.workDir, token: o.token })}
`;
}

export async function startJupyterHub(o: SideOptions, procs: ProcessRegistry): Promise<HubUnderTest> {
  const [port, hubPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const homes = path.join(o.workDir, 'homes');
  mkdirSync(homes, { recursive: true });
  const configFile = path.join(o.workDir, 'jupyterhub_config.py');
  writeFileSync(configFile, configPy(o, { port, hubPort, apiPort, homes, marker: procs.marker }));
  const logFile = path.join(o.workDir, 'jupyterhub.log');
  const env = {
    PATH: `${path.join(o.repoDir, 'node_modules', '.bin')}:${path.join(o.venvDir, 'bin')}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME,
    LANG: process.env.LANG ?? 'C.UTF-8',
  };
  const started = await startHubProcess(procs, {
    name: 'jupyterhub',
    command: path.join(o.venvDir, 'bin', 'jupyterhub'),
    args: ['-f', configFile],
    env,
    cwd: o.workDir,
    logFile,
    port,
    chpPidFile: path.join(o.workDir, 'chp.pid'),
  });
  const { publicUrl, failure } = started;
  const hub = started.process;
  let stopped = false;
  return {
    label: `JupyterHub ${jupyterhubVersion(o.venvDir)}`,
    publicUrl,
    hubUrl: `http://127.0.0.1:${hubPort}/`,
    token: o.token,
    spawnSetup:
      'LocalProcessSpawner subclass: servers run as root (`--allow-root`, no setuid), fresh HOME per user; hub polls the server until it answers, then adds the CHP route',
    components: `configurable-http-proxy ${chpVersion(o.repoDir)} (separate process, REST API on 127.0.0.1:${apiPort})`,
    logFile,
    pid: hub.pid,
    errorLines: () => {
      try {
        return readFileSync(logFile, 'utf8')
          .split('\n')
          .filter((l) => /^\[[EC] \d{4}-/.test(l) || /\[ConfigProxy\] error/.test(l));
      } catch {
        return [];
      }
    },
    failure,
    async stop() {
      if (stopped) return;
      stopped = true;
      await procs.stop(hub, 20_000);
    },
    // Servers ran as root with homes under the work dir: nothing outside it to remove.
    cleanupAfterStop: async () => [],
  };
}
