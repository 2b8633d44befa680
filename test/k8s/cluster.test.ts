// The throwaway Kubernetes test cluster itself (test/support/k8sCluster.ts): builds the binaries
// if they are not cached (scripts/k8s/build.sh; the first, cold build takes tens of minutes),
// starts etcd + kube-apiserver + KCM + scheduler + KWOK on 127.0.0.1, and checks what the
// KubeSpawner-like spawner will rely on, then that stop() leaves no process behind.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { buildK8sBinaries, FAILING_IMAGE_PREFIX, startTestCluster, type TestCluster } from '../support/k8sCluster.ts';

const run = promisify(execFile);
const NS = 'nbhub-cluster-test';
let cluster: TestCluster | undefined;
let core: k8s.CoreV1Api;

/** Polls `probe` until it returns a value (not undefined); fails after `ms` with the last state seen. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, describe: () => Promise<string>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${ms / 1000} s; last seen: ${await describe()}`);
    await new Promise((ok) => setTimeout(ok, 250));
  }
}

before(async () => {
  // kubectl and helm too: this test is also what builds them on a fresh machine.
  await buildK8sBinaries(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'kubectl', 'helm'], (l) =>
    console.log(l),
  );
  cluster = await startTestCluster({ build: false });
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  core = kc.makeApiClient(k8s.CoreV1Api);
}, { timeout: 75 * 60_000 });

after(async () => {
  await cluster?.stop(); // no-op when the last test already stopped it
});

test('the fake node is Ready and schedulable, with a loopback InternalIP', async () => {
  const nodes = await core.listNode();
  assert.deepEqual(nodes.items.map((n) => n.metadata?.name), cluster!.nodeNames);
  const node = nodes.items[0];
  assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  assert.deepEqual(node.spec?.taints ?? [], []);
  assert.match(node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '', /^127\./);
});

test('namespace, PVC (bound by the hostpath provisioner) and a pod that KWOK runs on a 127.x IP', async () => {
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await core.createNamespacedPersistentVolumeClaim({
    namespace: NS,
    body: {
      metadata: { name: 'claim-alice' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    },
  });
  await core.createNamespacedPod({
    namespace: NS,
    body: {
      metadata: { name: 'jupyter-alice', labels: { app: 'jupyterhub', component: 'singleuser-server' } },
      spec: {
        containers: [{
          name: 'notebook', image: 'quay.io/jupyter/base-notebook:latest',
          ports: [{ name: 'notebook-port', containerPort: 8888 }],
          volumeMounts: [{ name: 'home', mountPath: '/home/jovyan' }],
        }],
        volumes: [{ name: 'home', persistentVolumeClaim: { claimName: 'claim-alice' } }],
      },
    },
  });
  await eventually(
    'PVC Bound',
    async () => ((await core.readNamespacedPersistentVolumeClaim({ name: 'claim-alice', namespace: NS })).status?.phase === 'Bound' ? true : undefined),
    async () => JSON.stringify((await core.readNamespacedPersistentVolumeClaim({ name: 'claim-alice', namespace: NS })).status),
  );
  const pod = await eventually(
    'pod Running',
    async () => {
      const p = await core.readNamespacedPod({ name: 'jupyter-alice', namespace: NS });
      return p.status?.phase === 'Running' && p.status.podIP ? p : undefined;
    },
    async () => JSON.stringify((await core.readNamespacedPod({ name: 'jupyter-alice', namespace: NS })).status),
  );
  assert.equal(pod.spec?.nodeName, cluster!.nodeNames[0]);
  assert.match(pod.status!.podIP!, /^127\.\d+\.\d+\.\d+$/);
  assert.equal(pod.status!.podIP!.split('.').slice(0, 3).join('.'), cluster!.podCidr.split('.').slice(0, 3).join('.'));
  assert.equal(pod.status?.containerStatuses?.[0]?.ready, true);
  assert.equal(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
});

test('a pod whose image cannot be pulled shows ErrImagePull/ImagePullBackOff and a matching Event', async () => {
  const image = `${FAILING_IMAGE_PREFIX}:v1`;
  await core.createNamespacedPod({
    namespace: NS,
    body: { metadata: { name: 'jupyter-bob' }, spec: { containers: [{ name: 'notebook', image }] } },
  });
  const waiting = await eventually(
    'image pull failure in container status',
    async () => {
      const p = await core.readNamespacedPod({ name: 'jupyter-bob', namespace: NS });
      const w = p.status?.containerStatuses?.[0]?.state?.waiting;
      return w && ['ErrImagePull', 'ImagePullBackOff'].includes(w.reason ?? '') ? { phase: p.status?.phase, ...w } : undefined;
    },
    async () => JSON.stringify((await core.readNamespacedPod({ name: 'jupyter-bob', namespace: NS })).status),
  );
  assert.equal(waiting.phase, 'Pending');
  assert.ok(waiting.message?.includes(image), waiting.message);
  // KWOK then moves it on to ImagePullBackOff, where it stays.
  await eventually(
    'ImagePullBackOff',
    async () => ((await core.readNamespacedPod({ name: 'jupyter-bob', namespace: NS })).status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff' ? true : undefined),
    async () => JSON.stringify((await core.readNamespacedPod({ name: 'jupyter-bob', namespace: NS })).status),
  );
  const events = await eventually(
    'Failed and BackOff Events',
    async () => {
      const list = await core.listNamespacedEvent({ namespace: NS, fieldSelector: 'involvedObject.kind=Pod,involvedObject.name=jupyter-bob' });
      const reasons = list.items.map((e) => e.reason);
      return reasons.includes('Failed') && reasons.includes('BackOff') ? list.items : undefined;
    },
    async () => JSON.stringify((await core.listNamespacedEvent({ namespace: NS })).items.map((e) => [e.involvedObject.name, e.type, e.reason, e.message])),
  );
  const failed = events.find((e) => e.reason === 'Failed')!;
  assert.equal(failed.type, 'Warning');
  assert.match(failed.message ?? '', /ErrImagePull/);
  assert.match(events.find((e) => e.reason === 'BackOff')!.message ?? '', /ImagePullBackOff/);
});

test('deleting pods removes them (KWOK plays the kubelet)', async () => {
  for (const name of ['jupyter-alice', 'jupyter-bob']) {
    await core.deleteNamespacedPod({ name, namespace: NS });
  }
  await eventually(
    'pods gone',
    async () => ((await core.listNamespacedPod({ namespace: NS })).items.length === 0 ? true : undefined),
    async () => JSON.stringify((await core.listNamespacedPod({ namespace: NS })).items.map((p) => [p.metadata?.name, p.metadata?.deletionTimestamp])),
  );
});

test('kubectl and helm run against the cluster', async () => {
  const env = { ...process.env, KUBECONFIG: cluster!.kubeconfigPath, HELM_CACHE_HOME: join(cluster!.runDir, 'helm-cache'), HELM_CONFIG_HOME: join(cluster!.runDir, 'helm-config'), HELM_DATA_HOME: join(cluster!.runDir, 'helm-data') };
  const helm = await run(join(cluster!.binDir, 'helm'), ['version', '--short'], { env });
  assert.match(helm.stdout, /^v3\.\d+\.\d+/);
  const releases = await run(join(cluster!.binDir, 'helm'), ['list', '--all-namespaces', '--output', 'json'], { env });
  assert.deepEqual(JSON.parse(releases.stdout), []);
  const kubectl = await run(join(cluster!.binDir, 'kubectl'), ['get', 'nodes', '-o', 'name'], { env });
  assert.equal(kubectl.stdout.trim(), `node/${cluster!.nodeNames[0]}`);
});

test('deleting the namespace completes (KCM namespace controller)', async () => {
  await core.deleteNamespace({ name: NS });
  await eventually(
    'namespace gone',
    async () => ((await core.listNamespace()).items.some((n) => n.metadata?.name === NS) ? undefined : true),
    async () => JSON.stringify((await core.readNamespace({ name: NS })).status),
  );
});

test('stop() ends exactly the processes it started and removes its temp dir', async () => {
  const { pids, runDir } = cluster!;
  assert.equal(pids.length, 5);
  for (const pid of pids) assert.ok(alive(pid, runDir), `pid ${pid} should be running before stop()`);
  await cluster!.stop();
  for (const pid of pids) assert.ok(!alive(pid, runDir), `pid ${pid} still running after stop()`);
  assert.ok(!existsSync(runDir), `${runDir} still exists`);
});

function alive(pid: number, runDir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(runDir);
  } catch {
    return false;
  }
}
