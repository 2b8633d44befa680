// `helm install` of chart/ with test/z2jh/all-keys.yaml (every key of z2jh 4's values schema) into
// the real test API server (kube-apiserver + KWOK, test/support/k8sCluster.ts): the API server
// accepts every object the file makes the chart render (Gateway API's HTTPRoute aside: the test
// cluster has no Gateway CRDs, so httpRoute stays disabled here; test/chart/z2jhValues.test.ts
// renders it).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/index.ts';
import { startTestCluster, type TestCluster } from '../support/k8sCluster.ts';
import { CHART, REPO, helm, helmBinary, valuesArgs } from './helm.ts';

const NS = `nbhub-z2jh-${randomBytes(3).toString('hex')}`;
const ALL_KEYS = join(REPO, 'test/z2jh/all-keys.yaml');

let cluster: TestCluster | undefined;
let core: k8s.CoreV1Api;
let apps: k8s.AppsV1Api;
let net: k8s.NetworkingV1Api;

before(async () => {
  await helmBinary();
  cluster = await startTestCluster();
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  core = kc.makeApiClient(k8s.CoreV1Api);
  apps = kc.makeApiClient(k8s.AppsV1Api);
  net = kc.makeApiClient(k8s.NetworkingV1Api);
}, { timeout: 75 * 60_000 });

after(async () => {
  await cluster?.stop();
});

test('helm install with every z2jh 4 key: the API server takes every object, with the fields the file asked for', async () => {
  const r = await helm(['install', 'z2jh', CHART, '--namespace', NS, '--create-namespace', '--timeout', '5m', ...valuesArgs([ALL_KEYS])], { KUBECONFIG: cluster!.kubeconfigPath });
  assert.equal(r.code, 0, `helm install failed:\n${r.stdout}\n${r.stderr}`);

  const hub = await apps.readNamespacedDeployment({ name: 'hub', namespace: NS });
  const pod = hub.spec!.template.spec!;
  assert.equal(hub.spec?.revisionHistoryLimit, 3);
  assert.deepEqual(pod.initContainers?.map((c) => c.name), ['wait-for-db']);
  assert.equal(pod.securityContext?.runAsNonRoot, true);
  assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault');
  assert.equal(pod.terminationGracePeriodSeconds, 20);
  assert.equal(pod.serviceAccountName, 'hub-sa');
  const container = pod.containers.find((c) => c.name === 'hub')!;
  assert.deepEqual(container.securityContext?.capabilities?.drop, ['ALL']);
  assert.equal(container.livenessProbe?.initialDelaySeconds, 120);
  assert.equal(container.readinessProbe?.periodSeconds, 3);
  assert.ok(container.volumeMounts?.some((m) => m.mountPath === '/etc/nbhub/extra/motd.txt' && m.subPath === 'motd'));

  const files = await core.readNamespacedSecret({ name: 'hub-files', namespace: NS });
  assert.equal(Buffer.from(files.data!.motd, 'base64').toString(), 'welcome');
  assert.ok(await core.readNamespacedSecret({ name: 'singleuser-files', namespace: NS }));
  assert.ok(await core.readNamespacedSecret({ name: 'image-pull-secret', namespace: NS }));
  assert.ok(await core.readNamespacedServiceAccount({ name: 'hub-sa', namespace: NS }));

  const hubSvc = await core.readNamespacedService({ name: 'hub', namespace: NS });
  assert.equal(hubSvc.spec?.type, 'NodePort');
  assert.equal(hubSvc.spec?.ports?.[0].nodePort, 31081);
  const pub = await core.readNamespacedService({ name: 'proxy-public', namespace: NS });
  assert.deepEqual(pub.spec?.externalIPs, ['192.0.2.10']);

  const proxy = await apps.readNamespacedDeployment({ name: 'proxy', namespace: NS });
  assert.equal(proxy.spec?.template.spec?.containers[0].livenessProbe?.periodSeconds, 11);
  assert.ok(await net.readNamespacedIngress({ name: 'nbhub', namespace: NS }));
  assert.equal((await apps.readNamespacedDeployment({ name: 'user-scheduler', namespace: NS })).spec?.template.metadata?.annotations?.['sched.example.org/pod'], 'yes');

  // The hub's config as installed loads (with the secrets the chart moved to the environment).
  const configSecret = await core.readNamespacedSecret({ name: 'hub-config', namespace: NS });
  const text = Buffer.from(configSecret.data!['config.yaml'], 'base64').toString();
  const hubSecret = await core.readNamespacedSecret({ name: 'hub', namespace: NS });
  const env = { NBHUB_DB_URL: Buffer.from(hubSecret.data!['db-url'], 'base64').toString(), CONFIGPROXY_AUTH_TOKEN: Buffer.from(hubSecret.data!['proxy-token'], 'base64').toString() };
  const { config } = loadConfig({ text, file: 'config.yaml (Secret hub-config)', env });
  assert.equal(config.hub.db.type, 'postgres');
  assert.equal(config.singleuser.httpTimeout, 60);
  assert.ok(parse(text));
});
