// nbhub for the Kubernetes benchmark: the real `nbhub start` with spawner.kind kubernetes, its
// API traffic going through the counting proxy (kubeconfig written by the caller), dummy login,
// an admin service token, and hub.concurrentSpawnLimit raised to the number of users so all
// spawns start at once (the default, 64, would queue the rest).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { freePort } from '../lib/http.ts';
import { startHubProcess } from '../lib/hubProcess.ts';
import type { ProcessRegistry } from '../lib/processes.ts';
import { NBHUB_VERSION } from '../../src/hub/version.ts';
import type { K8sHub, K8sSideOptions } from './types.ts';

function isErrorLine(line: string): boolean {
  if (!line.startsWith('{')) return /^(\w*Error\b|Unhandled|nbhub: )/.test(line);
  try {
    return ((JSON.parse(line) as { level?: number }).level ?? 0) >= 50;
  } catch {
    return false;
  }
}

function isWarnLine(line: string): boolean {
  if (!line.startsWith('{')) return false;
  try {
    return ((JSON.parse(line) as { level?: number }).level ?? 0) === 40;
  } catch {
    return false;
  }
}

export async function startNbhubK8s(o: K8sSideOptions, procs: ProcessRegistry): Promise<K8sHub> {
  const [port, hubPort] = [await freePort(), await freePort()];
  const dataDir = path.join(o.workDir, 'data');
  const configFile = path.join(o.workDir, 'nbhub.yaml');
  const config = {
    auth: { type: 'dummy' },
    hub: {
      port: hubPort,
      concurrentSpawnLimit: o.users,
      services: { bench: { apiToken: o.token, admin: true } },
    },
    singleuser: {
      startTimeout: Math.ceil(o.spawnTimeoutMs / 1000),
      httpTimeout: 120,
      storage: o.storage === 'dynamic' ? { type: 'dynamic', capacity: '1Gi' } : { type: 'none' },
      cloudMetadata: { blockWithIptables: false },
    },
    scheduling: { userScheduler: { enabled: false }, userPods: { nodeAffinity: { matchNodePurpose: 'ignore' } } },
    spawner: { kind: 'kubernetes', kubernetes: { kubeconfig: o.kubeconfig, namespace: o.namespace } },
  };
  writeFileSync(configFile, `# Written by bench/k8s/nbhubSide.ts for one benchmark run.\n${YAML.stringify(config)}`);
  const logFile = path.join(o.workDir, 'nbhub.log');
  const started = await startHubProcess(procs, {
    name: 'nbhub',
    command: process.execPath,
    args: [path.join(o.repoDir, 'bin', 'nbhub.mjs'), 'start', '--config', configFile, '--data-dir', dataDir, '--port', String(port), '--log-level', 'info'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: process.env.LANG ?? 'C.UTF-8', NBHUB_CACHE_DIR: process.env.NBHUB_CACHE_DIR },
    cwd: o.repoDir,
    logFile,
    port,
  });
  const { publicUrl, failure } = started;
  const hub = started.process;
  const lines = started.logLines;
  let stopped = false;
  return {
    label: `nbhub ${NBHUB_VERSION}`,
    publicUrl,
    token: o.token,
    pid: hub.pid,
    logFile,
    setup: `\`nbhub start\`, spawner.kind kubernetes, built-in proxy, hub.concurrentSpawnLimit ${o.users}, singleuser.storage.type ${o.storage}${o.storage === 'dynamic' ? ' (1Gi PVC per user, default StorageClass: KCM hostpath provisioner)' : ''}, log level info; config in the work dir (nbhub.yaml)`,
    errorLines: () => lines().filter(isErrorLine),
    warnLines: () => lines().filter(isWarnLine),
    failure,
    async stop() {
      if (stopped) return;
      stopped = true;
      await procs.stop(hub, 20_000);
    },
  };
}
