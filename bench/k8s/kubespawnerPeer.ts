// The peer: JupyterHub 5.x + KubeSpawner (PyPI `jupyterhub-kubespawner`, in the project's venv)
// + configurable-http-proxy 5.x (npm), set up like nbhubSide.ts: dummy login, an admin service
// token, concurrent_spawn_limit = the number of users, the same storage choice (a PVC per user
// as z2jh configures KubeSpawner, or none), the kubeconfig of the counting proxy via $KUBECONFIG.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../lib/http.ts';
import { startHubProcess } from '../lib/hubProcess.ts';
import { jupyterHubBaseConfig, py } from '../lib/jupyterhubConfig.ts';
import type { ProcessRegistry } from '../lib/processes.ts';
import { cacheDir } from '../../src/hub/spawnerSetup.ts';
import type { K8sHub, K8sSideOptions } from './types.ts';

const venvDir = () => path.join(cacheDir(), 'venv');

/** "JupyterHub 5.x.y, jupyterhub-kubespawner 7.x.y, kubernetes_asyncio …, configurable-http-proxy …" (or why not). */
export function kubespawnerVersions(): string {
  try {
    const out = execFileSync(path.join(venvDir(), 'bin', 'python'), ['-c',
      'import importlib.metadata as m; print(", ".join(f"{n} {m.version(n)}" for n in ("jupyterhub", "jupyterhub-kubespawner", "kubernetes_asyncio")))'], { encoding: 'utf8', timeout: 60_000 }).trim();
    const chp = (JSON.parse(readFileSync(path.resolve('node_modules', 'configurable-http-proxy', 'package.json'), 'utf8')) as { version: string }).version;
    return `${out}, configurable-http-proxy ${chp}`;
  } catch (e) {
    return `peer not installed (${(e as Error).message.split('\n')[0]})`;
  }
}

function configPy(o: K8sSideOptions, p: { port: number; hubPort: number; apiPort: number }): string {
  const chp = [process.execPath, path.join(o.repoDir, 'node_modules', 'configurable-http-proxy', 'bin', 'configurable-http-proxy')];
  const storage = o.storage === 'dynamic'
    ? `c.KubeSpawner.storage_pvc_ensure = True
c.KubeSpawner.pvc_name_template = "claim-{username}{servername}"
c.KubeSpawner.storage_capacity = "1Gi"
c.KubeSpawner.storage_access_modes = ["ReadWriteOnce"]
c.KubeSpawner.volumes = [{"name": "volume-{username}{servername}", "persistentVolumeClaim": {"claimName": "{pvc_name}"}}]
c.KubeSpawner.volume_mounts = [{"mountPath": "/home/jovyan", "name": "volume-{username}{servername}"}]`
    : 'c.KubeSpawner.storage_pvc_ensure = False';
  return `# Written by bench/k8s/kubespawnerPeer.ts for one benchmark run.
c = get_config()  # noqa
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "kubespawner.KubeSpawner"
c.JupyterHub.concurrent_spawn_limit = ${o.users}
${jupyterHubBaseConfig({ ...p, chpCommand: chp, workDir: o.workDir, token: o.token })}
c.KubeSpawner.namespace = ${py(o.namespace)}
c.KubeSpawner.image = "quay.io/jupyter/base-notebook:latest"
c.KubeSpawner.start_timeout = ${Math.ceil(o.spawnTimeoutMs / 1000)}
c.KubeSpawner.http_timeout = 120
c.KubeSpawner.port = 8888
${storage}
`;
}

export async function startKubeSpawnerHub(o: K8sSideOptions, procs: ProcessRegistry): Promise<K8sHub> {
  const jupyterhub = path.join(venvDir(), 'bin', 'jupyterhub');
  if (!existsSync(jupyterhub)) throw new Error(`no JupyterHub in ${venvDir()} (bash scripts/setup-python.sh)`);
  const [port, hubPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const configFile = path.join(o.workDir, 'jupyterhub_config.py');
  writeFileSync(configFile, configPy(o, { port, hubPort, apiPort }));
  const logFile = path.join(o.workDir, 'jupyterhub.log');
  const started = await startHubProcess(procs, {
    name: 'jupyterhub',
    command: jupyterhub,
    args: ['-f', configFile],
    env: { PATH: `${path.join(venvDir(), 'bin')}:${process.env.PATH ?? ''}`, HOME: process.env.HOME, LANG: process.env.LANG ?? 'C.UTF-8', KUBECONFIG: o.kubeconfig },
    cwd: o.workDir,
    logFile,
    port,
    chpPidFile: path.join(o.workDir, 'chp.pid'),
  });
  const { publicUrl, failure } = started;
  const hub = started.process;
  const lines = started.logLines;
  let stopped = false;
  return {
    label: 'JupyterHub + KubeSpawner',
    publicUrl,
    token: o.token,
    pid: hub.pid,
    logFile,
    setup: `\`jupyterhub -f jupyterhub_config.py\`: spawner_class kubernetes (KubeSpawner defaults: shared pod + event reflectors), configurable-http-proxy as a child process, concurrent_spawn_limit ${o.users}, ${o.storage === 'dynamic' ? 'a 1Gi PVC per user (storage_pvc_ensure, z2jh-style volumes)' : 'no PVC'}; ${kubespawnerVersions()}`,
    errorLines: () => lines().filter((l) => /^\[[EC] \d{4}-/.test(l)),
    warnLines: () => lines().filter((l) => /^\[W \d{4}-/.test(l)),
    failure,
    async stop() {
      if (stopped) return;
      stopped = true;
      await procs.stop(hub, 20_000);
    },
  };
}
