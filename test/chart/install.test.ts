// `helm install` and `helm upgrade` of chart/ into the real test API server (kube-apiserver +
// KWOK, test/support/k8sCluster.ts). KWOK runs no containers: pods just go Running (and Job
// pods Succeeded, so the pre-pull hook completes), which is enough to check what Helm created
// and what an upgrade keeps: the generated Secret values and the hub's SQLite volume.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/index.ts';
import { startTestCluster, type TestCluster } from '../support/k8sCluster.ts';
import { CHART, helm, helmBinary, valuesArgs, type HelmResult } from './helm.ts';

const NS = `nbhub-chart-${randomBytes(3).toString('hex')}`;
const RELEASE = 'nbhub';
const HEX64 = /^[0-9a-f]{64}$/;

let cluster: TestCluster | undefined;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;
let rbac: k8s.RbacAuthorizationV1Api;
let net: k8s.NetworkingV1Api;
let sched: k8s.SchedulingV1Api;
let coord: k8s.CoordinationV1Api;

before(async () => {
  await helmBinary(); // builds helm on a fresh machine
  cluster = await startTestCluster();
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  core = kc.makeApiClient(k8s.CoreV1Api);
  apps = kc.makeApiClient(k8s.AppsV1Api);
  rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  net = kc.makeApiClient(k8s.NetworkingV1Api);
  sched = kc.makeApiClient(k8s.SchedulingV1Api);
  coord = kc.makeApiClient(k8s.CoordinationV1Api);
}, { timeout: 75 * 60_000 });

after(async () => {
  await cluster?.stop();
});

async function helmIn(args: string[], values: object[] = []): Promise<HelmResult> {
  const r = await helm([...args, '--namespace', NS, ...valuesArgs(values)], { KUBECONFIG: cluster!.kubeconfigPath });
  assert.equal(r.code, 0, `helm ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** Polls until `probe` gives a value; fails with the last state seen. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, describe: () => Promise<string>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${ms / 1000} s; last seen: ${await describe()}`);
    await new Promise((ok) => setTimeout(ok, 250));
  }
}

async function hubSecret(): Promise<Record<string, string>> {
  const s = await core.readNamespacedSecret({ name: 'hub', namespace: NS });
  return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}

async function hubConfigYaml(): Promise<string> {
  const s = await core.readNamespacedSecret({ name: 'hub-config', namespace: NS });
  return Buffer.from(s.data?.['config.yaml'] ?? '', 'base64').toString('utf8');
}

/** The hub's config as the pod would load it: the Secret hub-config plus the Secret hub's values in its environment. */
async function loadInstalledConfig() {
  const s = await hubSecret();
  const env = { NBHUB_COOKIE_SECRET: s['cookie-secret'], CONFIGPROXY_AUTH_TOKEN: s['proxy-token'], NBHUB_CRYPT_KEY: s['crypt-key'] };
  return loadConfig({ text: await hubConfigYaml(), file: 'config.yaml (installed Secret hub-config)', env }).config;
}

async function podsOf(component: string): Promise<k8s.V1Pod[]> {
  const list = await core.listNamespacedPod({ namespace: NS, labelSelector: `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component=${component}` });
  return list.items;
}

async function running(component: string): Promise<void> {
  await eventually(
    `${component} pod Running`,
    async () => ((await podsOf(component)).some((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp) ? true : undefined),
    async () => JSON.stringify((await podsOf(component)).map((p) => [p.metadata?.name, p.status?.phase])),
  );
}

async function pvcState(): Promise<{ uid?: string; phase?: string }> {
  const pvc = await core.readNamespacedPersistentVolumeClaim({ name: 'hub-db-dir', namespace: NS });
  return { uid: pvc.metadata?.uid, phase: pvc.status?.phase };
}

/** The scheduling objects: the user scheduler (on by default), priority classes and one placeholder. */
const SCHEDULING = { scheduling: { podPriority: { enabled: true }, userPlaceholder: { replicas: 1 } } };

let installed: { secret: Record<string, string>; pvcUid: string; configChecksum: string };

test('helm install: the release’s objects exist, its pods run, and the pre-pull hook ran and was removed', async () => {
  // No proxy.secretToken, no hub.cookieSecret: the chart generates them.
  const install = await helmIn(['install', RELEASE, CHART, '--create-namespace', '--timeout', '5m'], [{ prePuller: { continuous: { enabled: true } }, ...SCHEDULING }]);
  if (process.env.NBHUB_SHOW_NOTES) console.log(install.stdout);
  assert.match(install.stdout, /NOTES:[\s\S]*get service proxy-public[\s\S]*are generated at the\s+first install and kept in the Secret[\s\S]*auth\.type is dummy/);

  for (const name of ['hub', 'proxy']) assert.ok(await apps.readNamespacedDeployment({ name, namespace: NS }));
  const services = (await core.listNamespacedService({ namespace: NS })).items;
  assert.deepEqual(services.map((s) => [s.metadata?.name, s.spec?.type]).sort(), [['hub', 'ClusterIP'], ['proxy-api', 'ClusterIP'], ['proxy-public', 'LoadBalancer']]);
  const role = await rbac.readNamespacedRole({ name: 'hub', namespace: NS });
  assert.deepEqual(role.rules?.map((r) => r.resources), [['pods', 'persistentvolumeclaims', 'secrets'], ['events']]);
  assert.ok(await rbac.readNamespacedRoleBinding({ name: 'hub', namespace: NS }));
  assert.ok(await core.readNamespacedServiceAccount({ name: 'hub', namespace: NS }));
  const policies = (await net.listNamespacedNetworkPolicy({ namespace: NS })).items.map((p) => p.metadata?.name).sort();
  assert.deepEqual(policies, ['hub', 'proxy', 'singleuser']);
  assert.ok(await apps.readNamespacedDaemonSet({ name: 'continuous-image-puller', namespace: NS }));
  // Scheduling: the user scheduler, its RBAC, the priority classes and the placeholders.
  assert.ok(await apps.readNamespacedDeployment({ name: 'user-scheduler', namespace: NS }));
  assert.ok(await core.readNamespacedConfigMap({ name: 'user-scheduler', namespace: NS }));
  assert.ok(await rbac.readNamespacedRole({ name: 'user-scheduler', namespace: NS }));
  for (const role of ['kube-scheduler', 'volume-scheduler']) assert.ok(await rbac.readClusterRoleBinding({ name: `${RELEASE}-user-scheduler-${role}` }));
  const priorities = await Promise.all(['default-priority', 'user-placeholder-priority'].map((p) => sched.readPriorityClass({ name: `${RELEASE}-${p}` })));
  assert.deepEqual(priorities.map((p) => p.value), [0, -10]);
  assert.equal((await apps.readNamespacedStatefulSet({ name: 'user-placeholder', namespace: NS })).spec?.replicas, 1);

  // The hook's DaemonSet and awaiter Job ran (Helm waited for the Job to complete) and were deleted after.
  const daemonSets = (await apps.listNamespacedDaemonSet({ namespace: NS })).items.map((d) => d.metadata?.name);
  assert.deepEqual(daemonSets, ['continuous-image-puller']);
  const events = (await core.listNamespacedEvent({ namespace: NS })).items;
  const seen = (kind: string, name: string, reason: string) => events.some((e) => e.involvedObject.kind === kind && e.involvedObject.name === name && e.reason === reason);
  assert.ok(seen('DaemonSet', 'hook-image-puller', 'SuccessfulCreate'), 'the hook DaemonSet created its pods');
  assert.ok(seen('Job', 'hook-image-awaiter', 'Completed'), `the awaiter Job completed; events: ${JSON.stringify(events.map((e) => [e.involvedObject.kind, e.involvedObject.name, e.reason]))}`);

  const secret = await hubSecret();
  for (const key of ['cookie-secret', 'proxy-token', 'crypt-key']) assert.match(secret[key], HEX64, key);
  const config = await loadInstalledConfig();
  assert.equal(config.spawner.kind, 'kubernetes');
  assert.equal(config.proxy.secretToken, secret['proxy-token']);
  assert.equal(config.spawner.kubernetes.schedulerName, `${RELEASE}-user-scheduler`);
  assert.equal(config.spawner.kubernetes.priorityClassName, `${RELEASE}-default-priority`);

  await running('hub');
  await running('proxy');
  const pvc = await eventually('hub-db-dir Bound', async () => ((await pvcState()).phase === 'Bound' ? pvcState() : undefined), async () => JSON.stringify(await pvcState()));
  const hub = await apps.readNamespacedDeployment({ name: 'hub', namespace: NS });
  installed = { secret, pvcUid: pvc.uid!, configChecksum: hub.spec?.template.metadata?.annotations?.['checksum/config'] ?? '' };
});

test('the installed user scheduler, run as its ServiceAccount with its ConfigMap, takes the lead and binds the placeholder and a user pod', async () => {
  assert.ok(installed, 'the install test ran first');
  const schedulerName = `${RELEASE}-user-scheduler`;
  // The placeholder waits for the user scheduler (the cluster's own scheduler leaves it alone).
  const placeholder = await eventually('the placeholder pod exists', async () => (await podsOf('user-placeholder'))[0], async () => 'none');
  assert.equal(placeholder.spec?.schedulerName, schedulerName);
  assert.equal(placeholder.spec?.priority, -10);
  assert.equal(placeholder.spec?.nodeName, undefined, 'bound before the user scheduler ran');

  // kube-scheduler as the pod would run it: the ConfigMap's file, the ServiceAccount's identity.
  const token = await core.createNamespacedServiceAccountToken({ name: 'user-scheduler', namespace: NS, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const dir = cluster!.runDir;
  const kubeconfig = join(dir, 'user-scheduler.kubeconfig');
  writeFileSync(kubeconfig, JSON.stringify({
    apiVersion: 'v1', kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: cluster!.server, 'certificate-authority': cluster!.caFile } }],
    users: [{ name: 'user-scheduler', user: { token: token.status?.token } }],
    contexts: [{ name: 'c', context: { cluster: 'c', user: 'user-scheduler', namespace: NS } }],
    'current-context': 'c',
  }), { mode: 0o600 });
  const cm = await core.readNamespacedConfigMap({ name: 'user-scheduler', namespace: NS });
  const schedulerConfig = parse(cm.data?.['config.yaml'] ?? '') as Record<string, unknown>;
  const configFile = join(dir, 'user-scheduler.yaml');
  writeFileSync(configFile, JSON.stringify({ ...schedulerConfig, clientConnection: { kubeconfig } }));
  const proc = spawn(join(cluster!.binDir, 'kube-scheduler'), [
    `--config=${configFile}`, '--authentication-skip-lookup=true', `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`, '--secure-port=0', '--v=2',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d: Buffer) => { log = (log + d.toString()).slice(-20_000); });
  try {
    const lease = await eventually('the user scheduler holds its Lease', async () => {
      const l = await coord.readNamespacedLease({ name: 'user-scheduler', namespace: NS });
      return l.spec?.holderIdentity ? l : undefined;
    }, async () => `kube-scheduler log: ${log.slice(-3000)}`, 30_000);
    assert.ok(lease.spec?.holderIdentity);
    const bound = async (name: string) => {
      const p = await core.readNamespacedPod({ name, namespace: NS });
      return p.spec?.nodeName ? p : undefined;
    };
    const node = cluster!.nodeNames[0];
    const ph = await eventually('the placeholder is bound', () => bound(placeholder.metadata!.name!), async () => `kube-scheduler log: ${log.slice(-3000)}`, 30_000);
    assert.equal(ph.spec?.nodeName, node);
    // A pod like the hub's user pods: the hub config's scheduler and priority class.
    await core.createNamespacedPod({ namespace: NS, body: {
      metadata: { name: 'jupyter-alice' },
      spec: { schedulerName, priorityClassName: `${RELEASE}-default-priority`, containers: [{ name: 'notebook', image: 'example.org/notebook' }] },
    } });
    const user = await eventually('the user pod is bound', () => bound('jupyter-alice'), async () => `kube-scheduler log: ${log.slice(-3000)}`, 30_000);
    assert.equal(user.spec?.nodeName, node);
    assert.equal(user.spec?.priority, 0);
    assert.doesNotMatch(log, /is forbidden/, 'the ServiceAccount lacks a permission');
  } finally {
    proc.kill('SIGTERM');
    await core.deleteNamespacedPod({ name: 'jupyter-alice', namespace: NS, gracePeriodSeconds: 0 }).catch(() => undefined);
  }
});

test('helm upgrade with changed values keeps the generated cookie secret, proxy token and crypt key, and the hub’s PVC', async () => {
  assert.ok(installed, 'the install test ran first');
  const changed = { cull: { timeout: 1800 }, singleuser: { memory: { limit: '2G' } }, proxy: { service: { annotations: { 'example.org/lb': 'internal' } } } };
  await helmIn(['upgrade', RELEASE, CHART, '--timeout', '5m'], [changed]);

  assert.deepEqual(await hubSecret(), installed.secret);
  const pvc = await pvcState();
  assert.equal(pvc.uid, installed.pvcUid, 'the hub-db-dir PVC was replaced');
  assert.equal(pvc.phase, 'Bound');

  const config = await loadInstalledConfig();
  assert.equal(config.cull.timeout, 1800);
  assert.equal(config.singleuser.memory.limit, '2G');
  const pub = await core.readNamespacedService({ name: 'proxy-public', namespace: NS });
  assert.equal(pub.metadata?.annotations?.['example.org/lb'], 'internal');
  const hub = await apps.readNamespacedDeployment({ name: 'hub', namespace: NS });
  assert.notEqual(hub.spec?.template.metadata?.annotations?.['checksum/config'], installed.configChecksum, 'a config change restarts the hub');
  await running('hub');

  // A token given later replaces the generated one; the cookie secret stays.
  const token = 'f'.repeat(64);
  await helmIn(['upgrade', RELEASE, CHART, '--timeout', '5m'], [changed, { proxy: { secretToken: token } }]);
  const secret = await hubSecret();
  assert.equal(secret['proxy-token'], token);
  assert.equal(secret['cookie-secret'], installed.secret['cookie-secret']);
  assert.equal((await pvcState()).uid, installed.pvcUid);

  const history = JSON.parse((await helmIn(['history', RELEASE, '--output', 'json'])).stdout) as { revision: number; status: string }[];
  assert.deepEqual(history.map((h) => [h.revision, h.status]), [[1, 'superseded'], [2, 'superseded'], [3, 'deployed']]);
});
