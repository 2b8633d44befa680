// PAWS on Kubernetes, end to end: the real `nbhub start` with PAWS's settings (MediaWiki login
// against the OAuth 1.0a fake, auth state, ACCESS_KEY/ACCESS_SECRET/USER from it, CLIENT_SECRET
// from the Secret "hub", homes on one shared claim keyed on the wiki's central id) and
// `spawner.kind: kubernetes` on the test cluster, whose fake kubelet runs the user's pod as a real
// jupyterhub-singleuser. "Jane Doe (WMF)" logs in, her pod gets a valid name and labels, her
// environment and her home at userhomes/<central id>; locking her account deletes the pod.
// And chart/examples/paws.yaml, pointed at the fake, installs with helm on the same cluster.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import { AppsV1Api } from '@kubernetes/client-node';
import { cacheDir } from '../../src/hub/spawnerSetup.ts';
import { loadConfig } from '../../src/config/index.ts';
import { CHART, EXAMPLES, helm, valuesArgs } from '../chart/helm.ts';
import { labelValue } from '../../src/spawner/kubernetes/names.ts';
import { FakeMediawiki } from '../support/fakeMediawiki.ts';
import { HubApi } from '../support/hubApi.ts';
import { runInKernel } from '../support/jupyterKernel.ts';
import { freePort, startNbhub, tempDir, type NbhubProcess } from '../support/nbhubProcess.ts';
import { startSpawnerWorld, type SpawnerWorld } from './spawnerSupport.ts';

const NS = 'paws-prod';
const JANE = 'Jane Doe (WMF)';
const POD = 'jupyter--4aane-20-44oe-20-28-57-4d-46-29';
const KEY = randomBytes(16).toString('hex');
const SECRET = randomBytes(20).toString('hex');
const token = randomBytes(16).toString('hex');

let world: SpawnerWorld;
let wiki: FakeMediawiki;
let hub: NbhubProcess;
let api: HubApi;
let access: { ACCESS_TOKEN_KEY: string; ACCESS_TOKEN_SECRET: string } | null = null;

before(async () => {
  world = await startSpawnerWorld(NS);
  // what the chart keeps in the Secret "hub", which PAWS's CLIENT_SECRET points at
  await world.core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'hub' }, stringData: { 'oauth-client-secret': SECRET } } });
  await world.core.createNamespacedPersistentVolumeClaim({
    namespace: NS,
    body: { metadata: { name: 'paws-homes' }, spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } } } },
  });
  const port = await freePort();
  wiki = await new FakeMediawiki({ consumerKey: KEY, consumerSecret: SECRET, callbackUrl: `http://127.0.0.1:${port}/hub/oauth_callback`, users: { [JANE]: 4242 } }).start();
  const configYaml = `
auth:
  type: mediawiki
  mediawiki: {clientId: ${KEY}, mwIndexUrl: "${wiki.indexUrl}"}
  allowed: {all: true}
  admin: {users: ["Jane_Doe_(WMF)"]}
  state: {enabled: true}
  refresh: {maxAgeSeconds: 1}
hub:
  services:
    e2e: {apiToken: ${token}, admin: true}
singleuser:
  cmd: ${join(cacheDir(), 'venv', 'bin', 'jupyterhub-singleuser')}
  startTimeout: 60
  httpTimeout: 60
  authStateEnv:
    ACCESS_KEY: ACCESS_TOKEN_KEY
    ACCESS_SECRET: ACCESS_TOKEN_SECRET
    USER: MEDIAWIKI_USER_IDENTITY.username
  extraEnv:
    CLIENT_ID: ${KEY}
    CLIENT_SECRET: {valueFrom: {secretKeyRef: {name: hub, key: oauth-client-secret}}}
  storage:
    type: static
    static: {pvcName: paws-homes, subPath: "userhomes/{userid}"}
  cloudMetadata: {blockWithIptables: false}
scheduling:
  userScheduler: {enabled: false}
  userPods: {nodeAffinity: {matchNodePurpose: ignore}}
spawner:
  kind: kubernetes
  kubernetes:
    kubeconfig: ${world.cluster.kubeconfigPath}
    namespace: ${NS}
`;
  hub = await startNbhub({
    name: 'k8s-paws',
    port,
    configYaml,
    dataDir: await tempDir('nbhub-k8s-paws-'),
    env: { OAUTH_CLIENT_SECRET: SECRET, NBHUB_CRYPT_KEY: randomBytes(32).toString('hex') },
  });
  api = new HubApi(hub.url, token);
}, { timeout: 300_000 });

after(async () => {
  await hub?.stop();
  await wiki?.stop();
  await world?.stop();
});

/** The browser's part of the login, with fetch: hub → wiki (approve as `user`) → hub callback. */
async function loginAtWiki(user: string): Promise<string> {
  const start = await fetch(`${hub.url}hub/oauth_login`, { redirect: 'manual' });
  assert.equal(start.status, 302);
  const stateCookie = start.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const back = await wiki.approveAs(start.headers.get('location')!, user);
  const done = await fetch(back, { redirect: 'manual', headers: { Cookie: stateCookie } });
  assert.equal(done.status, 302, await done.text());
  return done.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

test('"Jane Doe (WMF)" logs in at the wiki and her pod runs with PAWS’s environment and a home keyed on her central id', { timeout: 180_000 }, async () => {
  await loginAtWiki(JANE);
  const me = (await api.get(`/users/${encodeURIComponent(JANE)}`)).body;
  assert.equal(me.name, JANE);
  assert.equal(me.admin, true, 'Jane_Doe_(WMF) in the admin list is the wiki’s Jane Doe (WMF)');
  access = me.auth_state as { ACCESS_TOKEN_KEY: string; ACCESS_TOKEN_SECRET: string };

  await api.startServer(JANE);
  const pod = await world.core.readNamespacedPod({ name: POD, namespace: NS });
  assert.equal(pod.metadata?.labels?.['hub.jupyter.org/username'], labelValue(JANE));
  assert.equal(pod.metadata?.annotations?.['hub.jupyter.org/username'], JANE);
  const mount = pod.spec?.containers[0].volumeMounts?.find((m) => m.mountPath === '/home/jovyan');
  assert.equal(mount?.subPath, 'userhomes/4242');

  const userToken = (await api.call('POST', `/users/${encodeURIComponent(JANE)}/tokens`, { note: 'paws k8s' })).body.token as string;
  const code = [
    'import os',
    'e = os.environ',
    'print(e["USER"])',
    `print(e["ACCESS_KEY"] == "${access.ACCESS_TOKEN_KEY}", e["ACCESS_SECRET"] == "${access.ACCESS_TOKEN_SECRET}", e["CLIENT_ID"] == "${KEY}", e["CLIENT_SECRET"] == "${SECRET}")`,
    'open(os.path.join(os.environ["HOME"], "notebook-of-jane.txt"), "w").write("kept")',
  ].join('\n');
  const out = await runInKernel(hub.url, JANE, userToken, code);
  assert.equal(out.error, null);
  assert.deepEqual(out.stdout.trim().split('\n'), [JANE, 'True True True True']);
  const file = join(world.kubelet.volumeDir('paws-homes', 'userhomes/4242'), 'notebook-of-jane.txt');
  assert.ok(existsSync(file), 'her home is the claim’s userhomes/4242');
  assert.equal(readFileSync(file, 'utf8'), 'kept');
});

test('locking her global account deletes her pod at her next request, and she must log in again', { timeout: 120_000 }, async () => {
  const userToken = (await api.call('POST', `/users/${encodeURIComponent(JANE)}/tokens`, { note: 'paws lock' })).body.token as string;
  wiki.lock(JANE);
  // her auth is older than auth.refresh.maxAgeSeconds (1 s) once this request comes
  await new Promise((r) => setTimeout(r, 1500));
  const r = await fetch(`${hub.url}hub/api/user`, { headers: { Authorization: `token ${userToken}` } });
  assert.equal(r.status, 403, 'refused until she logs in again');
  await api.until('her pod to be gone', async () => !(await world.core.listNamespacedPod({ namespace: NS })).items.some((p) => p.metadata?.name === POD), 90_000);
  assert.equal((await api.get(`/users/${encodeURIComponent(JANE)}`)).body.server, null);
  assert.ok(wiki.lockChecks.includes(JANE));
  assert.deepEqual(wiki.rejected, []);
  const log = readFileSync(hub.logFile, 'utf8');
  assert.ok(access);
  for (const s of [SECRET, access.ACCESS_TOKEN_KEY, access.ACCESS_TOKEN_SECRET]) assert.equal(log.includes(s), false, 'the consumer secret or an access token reached the hub log');
});

test('helm install of chart/examples/paws.yaml pointed at the fake: the release installs, the consumer secret is only in the Secret, and the installed config is the MediaWiki login', { timeout: 420_000 }, async () => {
  const ns = 'paws-chart';
  const values = { auth: { mediawiki: { clientId: KEY, clientSecret: SECRET, mwIndexUrl: wiki.indexUrl } }, hub: { db: { type: 'sqlite-memory' } } };
  const r = await helm(['install', 'paws', CHART, '--namespace', ns, '--create-namespace', '--timeout', '5m', ...valuesArgs([EXAMPLES.paws, values])], {
    KUBECONFIG: world.cluster.kubeconfigPath,
  });
  assert.equal(r.code, 0, `helm install failed:\n${r.stdout}\n${r.stderr}`);
  const secret = async (name: string) => {
    const s = await world.core.readNamespacedSecret({ name, namespace: ns });
    return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  };
  const hubSecret = await secret('hub');
  assert.equal(hubSecret['oauth-client-secret'], SECRET);
  const configYaml = (await secret('hub-config'))['config.yaml'];
  assert.equal(configYaml.includes(SECRET), false, 'the consumer secret is in the installed config file');
  const env = { NBHUB_COOKIE_SECRET: hubSecret['cookie-secret'], CONFIGPROXY_AUTH_TOKEN: hubSecret['proxy-token'], NBHUB_CRYPT_KEY: hubSecret['crypt-key'], OAUTH_CLIENT_SECRET: hubSecret['oauth-client-secret'] };
  const { config } = loadConfig({ text: configYaml, file: 'config.yaml (installed Secret hub-config)', env });
  assert.equal(config.auth.type, 'mediawiki');
  assert.equal(config.auth.mediawiki.clientSecret, SECRET);
  assert.equal(config.auth.mediawiki.mwIndexUrl, wiki.indexUrl);
  assert.equal(config.singleuser.storage.static.subPath, 'userhomes/{userid}');
  const hubDeployment = await world.kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'hub', namespace: ns });
  const hubEnv = hubDeployment.spec?.template.spec?.containers[0].env ?? [];
  const ref = hubEnv.find((e) => e.name === 'OAUTH_CLIENT_SECRET')?.valueFrom?.secretKeyRef;
  assert.deepEqual([ref?.name, ref?.key], ['hub', 'oauth-client-secret']);
});
