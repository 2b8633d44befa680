// Shared set-up of the Kubernetes spawner tests: a test cluster, a namespace, the fake kubelet,
// and spawners built from config data the way the hub builds them.
import { mkdtempSync, copyFileSync, chmodSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import pino from 'pino';
import { loadConfig, type ConfigInput } from '../../src/config/index.ts';
import { KubernetesSpawner, kubeSettingsFromConfig } from '../../src/spawner/kubernetes/index.ts';
import { startTestCluster, type TestCluster } from '../support/k8sCluster.ts';
import { startFakeKubelet, type FakeKubelet } from './spawnerKubelet.ts';

export const silent = pino({ level: process.env.NBHUB_TEST_LOG ?? 'silent' });

/** Config every spawner test starts from: no user scheduler or node-purpose rules (one plain KWOK node). */
export const BASE_CONFIG: ConfigInput = {
  spawner: { kind: 'kubernetes' },
  scheduling: { userScheduler: { enabled: false }, userPods: { nodeAffinity: { matchNodePurpose: 'ignore' } } },
  singleuser: { cloudMetadata: { blockWithIptables: false } },
};

export interface SpawnerWorld {
  cluster: TestCluster;
  kubelet: FakeKubelet;
  namespace: string;
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  /** A spawner over the given config (merged into BASE_CONFIG's singleuser/spawner keys). */
  spawner(config?: ConfigInput, kubeConfig?: k8s.KubeConfig): KubernetesSpawner;
  stop(): Promise<void>;
}

export async function startSpawnerWorld(namespace: string): Promise<SpawnerWorld> {
  const cluster = await startTestCluster({ build: false });
  try {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const kubelet = await startFakeKubelet(cluster, namespace);
    const spawners: KubernetesSpawner[] = [];
    return {
      cluster,
      kubelet,
      namespace,
      kc,
      core,
      spawner(config = {}, kubeConfig = kc) {
        const merged: ConfigInput = {
          ...BASE_CONFIG,
          ...config,
          singleuser: { ...BASE_CONFIG.singleuser, ...config.singleuser },
          spawner: { ...BASE_CONFIG.spawner, ...config.spawner },
        };
        const s = new KubernetesSpawner({ kubeConfig, namespace, settings: kubeSettingsFromConfig(loadConfig({ data: merged }).config), logger: silent, sleep: () => Promise.resolve() });
        spawners.push(s);
        return s;
      },
      async stop() {
        for (const s of spawners) await s.close();
        await kubelet.stop();
        await cluster.stop();
      },
    };
  } catch (e) {
    await cluster.stop();
    throw e;
  }
}

/** A copy of the conformance fixture that any uid can read (the fake kubelet runs pods as uid 1000). */
export function readableFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nbhub-k8s-fixture-'));
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'f'), { mode: 0o755 });
  const path = join(dir, 'f', 'http_fixture.py');
  copyFileSync(fileURLToPath(new URL('../../src/spawner/fixtures/http_fixture.py', import.meta.url)), path);
  chmodSync(path, 0o644);
  return path;
}

export interface HubStub {
  /** e.g. http://127.0.0.1:PORT/hub/api */
  apiUrl: string;
  /** "METHOD path" of every request the single-user servers made. */
  seen: string[];
  stop(): Promise<void>;
}

/** Just enough hub for jupyterhub-singleuser to start: the version header and the activity endpoint. */
export async function startHubStub(version: string): Promise<HubStub> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    req.resume();
    res.writeHead(200, { 'Content-Type': 'application/json', 'X-JupyterHub-Version': version });
    res.end(req.url?.startsWith('/hub/api/users/') ? '{}' : JSON.stringify({ version }));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  return {
    apiUrl: `http://127.0.0.1:${port}/hub/api`,
    seen,
    async stop() {
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    },
  };
}
