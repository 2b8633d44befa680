// The real `nbhub start` with `spawner.kind: kubernetes` against the test cluster: a user's
// server is a pod running jupyterhub-singleuser (the fake kubelet plays the container), the
// proxy routes /user/<name>/ to the pod IP, a broken image fails the spawn with its reason,
// and a restarted hub re-adopts the running pod.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { cacheDir } from '../../src/hub/spawnerSetup.ts';
import { FAILING_IMAGE_PREFIX } from '../support/k8sCluster.ts';
import { HubApi } from '../support/hubApi.ts';
import { startNbhub, tempDir, type NbhubProcess } from '../support/nbhubProcess.ts';
import { startSpawnerWorld, type SpawnerWorld } from './spawnerSupport.ts';

const NS = 'nbhub-hub';
let world: SpawnerWorld;
let hub: NbhubProcess;
let api: HubApi;
let dataDir: string;
let configYaml: string;
const token = randomBytes(16).toString('hex');

before(async () => {
  world = await startSpawnerWorld(NS);
  dataDir = await tempDir('nbhub-k8s-hub-');
  configYaml = `
auth:
  type: dummy
hub:
  services:
    e2e: {apiToken: ${token}, admin: true}
singleuser:
  cmd: ${join(cacheDir(), 'venv', 'bin', 'jupyterhub-singleuser')}
  startTimeout: 60
  httpTimeout: 60
  storage:
    capacity: 1Gi
  cloudMetadata: {blockWithIptables: false}
  profileList:
    - display_name: Default
      default: true
    - display_name: Broken image
      slug: broken
      kubespawner_override: {image: "${FAILING_IMAGE_PREFIX}:v1"}
scheduling:
  userScheduler: {enabled: false}
  userPods: {nodeAffinity: {matchNodePurpose: ignore}}
spawner:
  kind: kubernetes
  kubernetes:
    kubeconfig: ${world.cluster.kubeconfigPath}
    namespace: ${NS}
`;
  hub = await startNbhub({ name: 'k8s-hub', configYaml, dataDir });
  api = new HubApi(hub.url, token);
}, { timeout: 300_000 });

after(async () => {
  await hub?.stop();
  await world?.stop();
});

async function podOf(user: string) {
  return world.core.readNamespacedPod({ name: `jupyter-${user}`, namespace: NS });
}

test('a spawn through the hub API runs a pod that the proxy routes /user/alice/ to', { timeout: 120_000 }, async () => {
  await api.call('POST', '/users', { usernames: ['alice', 'bob'] });
  await api.startServer('alice');
  const pod = await podOf('alice');
  assert.match(pod.status?.podIP ?? '', /^127\./);
  const u = (await api.get('/users/alice')).body;
  assert.equal(u.servers[''].ready, true);
  const res = await fetch(`${hub.url}user/alice/api`, { redirect: 'manual' });
  assert.equal(res.status, 200, 'the proxy reaches jupyterhub-singleuser on the pod IP');
  assert.ok('version' in ((await res.json()) as object));
  await world.core.readNamespacedPersistentVolumeClaim({ name: 'claim-alice', namespace: NS });
});

test('a broken image in the chosen profile fails the spawn with the reason, fast', { timeout: 60_000 }, async () => {
  const t0 = Date.now();
  const r = await api.call('POST', '/users/bob/server', { profile: 'broken' });
  assert.equal(r.status, 500, JSON.stringify(r.body));
  assert.match(r.body.message, /ImagePullBackOff: Back-off pulling image "nbhub\.test\/does-not-exist:v1"/);
  assert.ok(Date.now() - t0 < 5000, `reported after ${Date.now() - t0} ms`);
  assert.ok(r.body.log_tail.some((l: string) => l.includes('ErrImagePull')), JSON.stringify(r.body.log_tail));
});

test('a restarted hub re-adopts the running pod without restarting it', { timeout: 120_000 }, async () => {
  const before = await podOf('alice');
  await hub.stop();
  hub = await startNbhub({ name: 'k8s-hub-2', configYaml, dataDir, port: hub.port });
  api = new HubApi(hub.url, token);
  const u = (await api.get('/users/alice')).body;
  assert.equal(u.servers[''].ready, true);
  const after = await podOf('alice');
  assert.equal(after.metadata?.uid, before.metadata?.uid);
  assert.equal(String(after.metadata?.creationTimestamp), String(before.metadata?.creationTimestamp));
  assert.equal((await fetch(`${hub.url}user/alice/api`, { redirect: 'manual' })).status, 200);
});

test('stopping the server deletes the pod and keeps the volume', { timeout: 60_000 }, async () => {
  const r = await api.call('DELETE', '/users/alice/server');
  assert.ok(r.status === 204 || r.status === 202, String(r.status));
  await api.until('alice stopped', async () => (await api.get('/users/alice')).body.servers?.[''] === undefined);
  await api.until('pod gone', async () => !(await world.core.listNamespacedPod({ namespace: NS })).items.some((p) => p.metadata?.name === 'jupyter-alice'));
  await world.core.readNamespacedPersistentVolumeClaim({ name: 'claim-alice', namespace: NS });
});
