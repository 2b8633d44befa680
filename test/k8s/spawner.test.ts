// The Kubernetes spawner against the real test apiserver (kube-apiserver, scheduler, KCM and
// KWOK; the fake kubelet of spawnerKubelet.ts runs the pod's process): pod and PVC specs, a
// real jupyterhub-singleuser in a pod, storage kept across spawns, fail-fast reasons, hub
// restart re-adoption and the API requests a spawn costs.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cacheDir } from '../../src/hub/spawnerSetup.ts';
import { buildServerEnv } from '../../src/hub/serverEnv.ts';
import { waitUntilReady } from '../../src/hub/readiness.ts';
import { SpawnFailedError, type ProgressEvent, type SpawnSpec, type StartResult } from '../../src/spawner/types.ts';
import type { KubernetesSpawner } from '../../src/spawner/kubernetes/index.ts';
import { httpGet, waitForHttp } from '../../src/spawner/spawner.case.ts';
import { FAILING_IMAGE_PREFIX } from '../support/k8sCluster.ts';
import { startCountingProxy, type CountingProxy } from './spawnerCountingProxy.ts';
import { readableFixture, startHubStub, startSpawnerWorld, type HubStub, type SpawnerWorld } from './spawnerSupport.ts';

const NS = 'nbhub-spawner';
const GRACE = { graceMs: 5000 };
const SINGLEUSER = join(cacheDir(), 'venv', 'bin', 'jupyterhub-singleuser');
const JUPYTERHUB_VERSION = '5.5.4';

let world: SpawnerWorld;
let hub: HubStub;
let proxy: CountingProxy;
let fixture: string;

before(async () => {
  world = await startSpawnerWorld(NS);
  hub = await startHubStub(JUPYTERHUB_VERSION);
  proxy = await startCountingProxy(world.cluster);
  fixture = readableFixture();
}, { timeout: 300_000 });

after(async () => {
  await proxy?.stop();
  await hub?.stop();
  await world?.stop();
});

function spec(userName: string, o: { serverName?: string; cmd?: string[]; userOptions?: Record<string, unknown>; env?: Record<string, string> } = {}): SpawnSpec {
  const serverName = o.serverName ?? '';
  const servicePrefix = `/user/${userName}/${serverName ? `${serverName}/` : ''}`;
  const env = buildServerEnv({
    userName,
    serverName,
    apiToken: `token-of-${userName}`,
    clientId: `jupyterhub-user-${userName}${serverName ? `-${serverName}` : ''}`,
    baseUrl: '/',
    servicePrefix,
    hubApiUrl: hub.apiUrl,
    defaultUrl: '/lab',
    notebookDir: null,
    extraEnv: o.env ?? {},
  });
  return { userName, serverName, servicePrefix, env, cmd: o.cmd ?? ['/usr/bin/python3', fixture], args: [], userOptions: o.userOptions ?? {} };
}

async function start(spawner: KubernetesSpawner, sp: SpawnSpec, events: ProgressEvent[] = [], signal = new AbortController().signal): Promise<StartResult> {
  return spawner.start(sp, { progress: (e) => events.push(e), signal });
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) assert.fail(`${what} did not happen within ${ms / 1000} s`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

const plain = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

const podGone = (name: string) =>
  eventually(`pod ${name} gone`, async () => ((await world.core.listNamespacedPod({ namespace: NS })).items.some((p) => p.metadata?.name === name) ? undefined : true));

describe('a spawn on the test cluster', { timeout: 180_000 }, () => {
  const config = {
    singleuser: {
      image: { name: 'quay.io/jupyter/base-notebook', tag: '2025-01-01' },
      memory: { limit: '2G', guarantee: '1G' },
      cpu: { limit: 2, guarantee: 0.5 },
      storage: { capacity: '10G', dynamic: { storageClass: 'standard' } },
      extraEnv: { EDITOR: 'vim', MY_POD_NAME: { valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } } },
      lifecycleHooks: { postStart: { exec: { command: ['true'] } } },
      nodeSelector: { type: 'kwok' },
      extraTolerations: [{ key: 'dedicated', operator: 'Equal', value: 'notebooks', effect: 'NoSchedule' }],
    },
  };

  it('creates the PVC and the pod as configured; the pod runs a real jupyterhub-singleuser on its 127.x IP', async (t) => {
    assert.ok(existsSync(SINGLEUSER), `${SINGLEUSER} missing: run scripts/setup-python.sh`);
    const spawner = world.spawner(config);
    const sp = spec('alice', { cmd: [SINGLEUSER] });
    const events: ProgressEvent[] = [];
    const t0 = Date.now();
    const { target, state } = await start(spawner, sp, events);
    const podRunningMs = Date.now() - t0;
    assert.match(target, /^http:\/\/127\.\d+\.\d+\.\d+:8888$/);
    assert.deepEqual(state, { namespace: NS, podName: 'jupyter-alice', podUid: state.podUid });

    const pvc = await world.core.readNamespacedPersistentVolumeClaim({ name: 'claim-alice', namespace: NS });
    assert.equal(pvc.spec?.storageClassName, 'standard');
    assert.equal(pvc.spec?.resources?.requests?.storage, '10G');
    assert.equal(pvc.metadata?.labels?.component, 'singleuser-storage');

    const pod = await world.core.readNamespacedPod({ name: 'jupyter-alice', namespace: NS });
    assert.equal(pod.metadata?.uid, state.podUid);
    assert.deepEqual(
      Object.fromEntries(['app', 'release', 'component', 'hub.jupyter.org/username', 'hub.jupyter.org/servername'].map((k) => [k, pod.metadata?.labels?.[k]])),
      { app: 'jupyterhub', release: 'nbhub', component: 'singleuser-server', 'hub.jupyter.org/username': 'alice', 'hub.jupyter.org/servername': '' },
    );
    const c = pod.spec!.containers[0];
    assert.equal(c.image, 'quay.io/jupyter/base-notebook:2025-01-01');
    assert.deepEqual(c.args, [SINGLEUSER]);
    assert.deepEqual(plain(c.resources), { limits: { cpu: '2', memory: '2G' }, requests: { cpu: '500m', memory: '1G' } });
    assert.deepEqual(c.ports?.map((p) => p.containerPort), [8888]);
    assert.deepEqual(c.lifecycle?.postStart?.exec?.command, ['true']);
    assert.equal(c.securityContext?.runAsUser, 1000);
    assert.equal(pod.spec?.securityContext?.fsGroup, 100);
    assert.equal(pod.spec?.automountServiceAccountToken, false);
    assert.deepEqual(pod.spec?.nodeSelector, { type: 'kwok' });
    assert.ok(pod.spec?.tolerations?.some((x) => x.key === 'dedicated'));
    assert.equal(pod.spec?.volumes?.[0]?.persistentVolumeClaim?.claimName, 'claim-alice');
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
    assert.equal(env.JUPYTERHUB_SERVICE_URL, 'http://0.0.0.0:8888/user/alice/');
    assert.equal(env.JUPYTERHUB_API_TOKEN, 'token-of-alice');
    assert.equal(env.EDITOR, 'vim');
    assert.deepEqual(plain(env.MY_POD_NAME), { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } });
    assert.equal(env.MEM_LIMIT, '2000000000');
    assert.equal(pod.status?.podIP, new URL(target).hostname);

    // The hub's readiness check (src/hub/servers.ts) against the real single-user server.
    await waitUntilReady(`${target}${sp.servicePrefix}api`, { timeoutMs: 60_000, signal: new AbortController().signal }).catch(async (e: unknown) => {
      throw new Error(`${String(e)}; server log:\n${(await spawner.logTail(state, 30)).join('\n')}`);
    });
    const readyMs = Date.now() - t0;
    const api = await httpGet(`${target}${sp.servicePrefix}api`);
    assert.equal(api.status, 200);
    assert.ok('version' in (JSON.parse(api.body) as object), api.body);
    assert.ok(hub.seen.some((r) => r === 'GET /hub/api'), `the server checked in with the hub: ${hub.seen.join(', ')}`);
    assert.deepEqual(await spawner.poll(state), { running: true });
    assert.ok(events.some((e) => e.message === 'Created volume claim-alice'), JSON.stringify(events));
    t.diagnostic(`KWOK: pod Running ${podRunningMs} ms after start(); jupyterhub-singleuser answering after ${readyMs} ms`);

    await spawner.stop(state, GRACE);
    await assert.rejects(httpGet(`${target}${sp.servicePrefix}api`), /ECONNREFUSED|ECONNRESET/);
    assert.equal((await spawner.poll(state)).running, false);
    await podGone('jupyter-alice');
    const kept = await world.core.readNamespacedPersistentVolumeClaim({ name: 'claim-alice', namespace: NS });
    assert.equal(kept.metadata?.uid, pvc.metadata?.uid, 'stopping keeps the volume');

    const again: ProgressEvent[] = [];
    const second = await start(spawner, sp, again);
    assert.notEqual(second.state.podUid, state.podUid);
    assert.ok(again.some((e) => e.message === 'Using existing volume claim-alice'), JSON.stringify(again));
    const pod2 = await world.core.readNamespacedPod({ name: 'jupyter-alice', namespace: NS });
    assert.equal(pod2.spec?.volumes?.[0]?.persistentVolumeClaim?.claimName, 'claim-alice');
    assert.equal((await world.core.readNamespacedPersistentVolumeClaim({ name: 'claim-alice', namespace: NS })).metadata?.uid, pvc.metadata?.uid);
    await waitUntilReady(`${second.target}${sp.servicePrefix}api`, { timeoutMs: 60_000, signal: new AbortController().signal });
    await spawner.stop(second.state, GRACE);
  });

  it('deleting the user deletes the volume only when singleuser.storage.deleteOnUserDelete is set', async () => {
    assert.deepEqual(await world.spawner(config).removeUserData('alice'), []);
    await world.core.readNamespacedPersistentVolumeClaim({ name: 'claim-alice', namespace: NS });
    const deleting = world.spawner({ singleuser: { ...config.singleuser, storage: { ...config.singleuser.storage, deleteOnUserDelete: true } } });
    assert.deepEqual(await deleting.removeUserData('alice'), ['claim-alice']);
    await eventually('claim-alice deleted', async () => {
      const left = (await world.core.listNamespacedPersistentVolumeClaim({ namespace: NS })).items.find((p) => p.metadata?.name === 'claim-alice');
      return left ? undefined : true;
    }, 10_000);
  });

  it('static storage mounts a subdirectory of one shared claim and creates no claim', async () => {
    await world.core.createNamespacedPersistentVolumeClaim({
      namespace: NS,
      body: { metadata: { name: 'shared-homes' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
    });
    const spawner = world.spawner({ singleuser: { storage: { type: 'static', static: { pvcName: 'shared-homes', subPath: 'homes/{username}' } } } });
    const sp = spec('erin');
    const { target, state } = await start(spawner, sp);
    const pod = await world.core.readNamespacedPod({ name: 'jupyter-erin', namespace: NS });
    assert.deepEqual(pod.spec?.volumes?.map((v) => [v.name, v.persistentVolumeClaim?.claimName]), [['home', 'shared-homes']]);
    assert.deepEqual(pod.spec?.containers[0].volumeMounts?.map((m) => [m.mountPath, m.subPath]), [['/home/jovyan', 'homes/erin']]);
    const claims = (await world.core.listNamespacedPersistentVolumeClaim({ namespace: NS })).items.map((p) => p.metadata?.name);
    assert.ok(!claims.includes('claim-erin'), String(claims));
    const env = JSON.parse((await waitForHttp(`${target}${sp.servicePrefix}env`)).body) as Record<string, string>;
    assert.equal(env.HOME, world.kubelet.volumeDir('shared-homes', 'homes/erin'), 'the server runs in its subdirectory of the shared volume');
    await spawner.stop(state, GRACE);
  });

  it('a profile chosen in the user options sets image and limits; an unknown one fails before any pod exists', async () => {
    const spawner = world.spawner({
      singleuser: {
        storage: { type: 'none' },
        profileList: [
          { display_name: 'Small', default: true },
          { display_name: 'Big', kubespawner_override: { image: 'quay.io/jupyter/datascience-notebook:2025-01-01', mem_limit: '8G', cpu_guarantee: 1, environment: { SIZE: 'big' } } },
        ],
      },
    });
    const sp = spec('frank', { userOptions: { profile: 'big' } });
    const { target, state } = await start(spawner, sp);
    const c = (await world.core.readNamespacedPod({ name: 'jupyter-frank', namespace: NS })).spec!.containers[0];
    assert.equal(c.image, 'quay.io/jupyter/datascience-notebook:2025-01-01');
    // Kubernetes defaults a request to its limit when only the limit is set.
    assert.deepEqual(plain(c.resources), { limits: { memory: '8G' }, requests: { cpu: '1', memory: '8G' } });
    const env = JSON.parse((await waitForHttp(`${target}${sp.servicePrefix}env`)).body) as Record<string, string>;
    assert.equal(env.SIZE, 'big');
    await spawner.stop(state, GRACE);

    const before = proxy.requests.length;
    const counted = world.spawner({ singleuser: { profileList: [{ display_name: 'Small' }] } }, proxy.kubeConfig);
    await assert.rejects(start(counted, spec('frank', { userOptions: { profile: 'huge' } })), (e) => {
      assert.ok(e instanceof SpawnFailedError);
      assert.match(e.message, /Unknown profile "huge".*"small"/);
      return true;
    });
    assert.deepEqual(proxy.since(before), [], 'no API call for a spawn that cannot happen');
  });
});

describe('fail fast, with the reason', { timeout: 120_000 }, () => {
  it(`an image that cannot be pulled (${FAILING_IMAGE_PREFIX}) fails the spawn within 5 s; the pod is removed, the volume kept`, async (t) => {
    const spawner = world.spawner({ singleuser: { image: { name: FAILING_IMAGE_PREFIX, tag: 'v1' } } });
    const events: ProgressEvent[] = [];
    const t0 = Date.now();
    const err = await start(spawner, spec('gina'), events).then(
      () => assert.fail('start should fail'),
      (e: unknown) => e,
    );
    const ms = Date.now() - t0;
    t.diagnostic(`ImagePullBackOff reported after ${ms} ms`);
    assert.ok(err instanceof SpawnFailedError, String(err));
    assert.match(err.message, /^ImagePullBackOff: Back-off pulling image "nbhub\.test\/does-not-exist:v1"/);
    assert.ok(ms < 5000, `took ${ms} ms`); // the issue's bound: KWOK backs off after ~1 s
    assert.ok(err.logTail.some((l) => l.startsWith('[Warning] Failed:') && l.includes('ErrImagePull')), JSON.stringify(err.logTail));
    assert.ok(events.some((e) => e.message.startsWith('ErrImagePull: failed to pull and unpack image')), JSON.stringify(events));
    await podGone('jupyter-gina');
    await world.core.readNamespacedPersistentVolumeClaim({ name: 'claim-gina', namespace: NS });
  });

  it('a pod no node can take fails with the scheduler’s reason, or waits when failOnUnschedulable is off', async () => {
    const huge = { singleuser: { storage: { type: 'none' as const }, memory: { guarantee: '1Ti' } } };
    await assert.rejects(start(world.spawner(huge), spec('hank')), (e) => {
      assert.ok(e instanceof SpawnFailedError);
      assert.match(e.message, /^Unschedulable: 0\/1 nodes are available: 1 Insufficient memory/);
      return true;
    });
    await podGone('jupyter-hank');

    const waiting = world.spawner({ ...huge, spawner: { kubernetes: { failOnUnschedulable: false } } });
    const events: ProgressEvent[] = [];
    const ac = new AbortController();
    const started = start(waiting, spec('hank'), events, ac.signal);
    await eventually('a waiting message', async () => (events.some((e) => e.message.includes('Insufficient memory')) ? true : undefined));
    ac.abort(new Error('user cancelled'));
    await assert.rejects(started, /user cancelled/);
    await podGone('jupyter-hank');
  });

  it('a command that does not exist ends the spawn through waitForExit with the StartError', async () => {
    // With a real kubelet the pod would never be Ready; KWOK marks it Ready first, so start()
    // resolves and the failure arrives where the hub races readiness against waitForExit.
    const spawner = world.spawner({ singleuser: { storage: { type: 'none' } } });
    const { state } = await start(spawner, spec('ivan', { cmd: ['/nonexistent/nbhub-no-such-command'] }));
    const r = await spawner.waitForExit(state, new AbortController().signal);
    assert.equal(r.exitCode, 128);
    assert.match(r.message, /^Server exited with code 128 \(StartError: .*nbhub-no-such-command.*no such file or directory/);
    await spawner.stop(state, GRACE);
  });
});

describe('hub restart, API cost, reconnection', { timeout: 120_000 }, () => {
  it('a new spawner instance re-adopts three running pods without restarting them, with one list and one watch per resource', async () => {
    const first = world.spawner({ singleuser: { storage: { type: 'none' } } });
    const users = ['judy', 'ken', 'lena'];
    const started = await Promise.all(users.map((u) => start(first, spec(u))));
    await Promise.all(started.map((s, i) => waitForHttp(`${s.target}/user/${users[i]}/`)));
    const identity = async () =>
      (await world.core.listNamespacedPod({ namespace: NS, labelSelector: 'component=singleuser-server' })).items
        .filter((p) => users.some((u) => p.metadata?.name === `jupyter-${u}`))
        .map((p) => `${p.metadata?.name} ${p.metadata?.uid} ${String(p.metadata?.creationTimestamp)} ${p.status?.phase}`)
        .sort();
    const beforeRestart = await identity();
    await first.close();

    const from = proxy.requests.length;
    const second = world.spawner({ singleuser: { storage: { type: 'none' } } }, proxy.kubeConfig);
    const persisted = started.map((s) => JSON.parse(JSON.stringify(s.state)) as Record<string, unknown>);
    for (const state of persisted) assert.deepEqual(await second.poll(state), { running: true });
    const watches = persisted.map((state) => {
      const ac = new AbortController();
      const w = second.waitForExit(state, ac.signal);
      w.catch(() => undefined);
      return { ac, w };
    });
    assert.deepEqual(await identity(), beforeRestart, 'same pods (uid, creation time), still running');
    for (const [i, s] of started.entries()) assert.equal((await httpGet(`${s.target}/user/${users[i]}/`)).body, 'ok');
    assert.deepEqual(proxy.since(from).sort(), [
      `GET /api/v1/namespaces/${NS}/events`,
      `GET /api/v1/namespaces/${NS}/events (watch)`,
      `GET /api/v1/namespaces/${NS}/pods`,
      `GET /api/v1/namespaces/${NS}/pods (watch)`,
    ]);

    await Promise.all(persisted.map((state) => second.stop(state, GRACE)));
    for (const { w } of watches) assert.equal((await w).running, false);
    for (const { ac } of watches) ac.abort();
  });

  it('a spawn costs two API calls (claim, pod) and a stop one; polling costs none', async (t) => {
    const spawner = world.spawner({}, proxy.kubeConfig);
    const users = ['mia', 'noah', 'olga'];
    const t0 = proxy.requests.length;
    const started = await Promise.all(users.map((u) => start(spawner, spec(u))));
    const spawnCalls = proxy.since(t0).filter((r) => !r.endsWith('(watch)') && !r.startsWith(`GET /api/v1/namespaces/${NS}/pods`) && !r.startsWith(`GET /api/v1/namespaces/${NS}/events`));
    assert.deepEqual(spawnCalls.sort(), [
      ...users.map(() => `POST /api/v1/namespaces/${NS}/persistentvolumeclaims`),
      ...users.map(() => `POST /api/v1/namespaces/${NS}/pods`),
    ]);
    const setup = proxy.since(t0).length - spawnCalls.length;
    assert.equal(setup, 4, 'the informers: one list and one watch each for pods and events');

    const t1 = proxy.requests.length;
    for (let round = 0; round < 20; round++) {
      for (const s of started) assert.deepEqual(await spawner.poll(s.state), { running: true });
    }
    assert.deepEqual(proxy.since(t1), [], '60 polls, no API call');

    await Promise.all(started.map((s) => spawner.stop(s.state, GRACE)));
    assert.deepEqual(proxy.since(t1).sort(), users.map((u) => `DELETE /api/v1/namespaces/${NS}/pods/jupyter-${u}`).sort());
    // These pods were deleted the moment they were Running, often before the fake kubelet had
    // started their process: no process may outlive its pod (it would keep the pod's IP).
    await eventually('no process left', async () => {
      const { live, settingUp } = world.kubelet.processes();
      return live.length === 0 && settingUp === 0 ? true : undefined;
    }, 15_000);
    t.diagnostic(`API requests: ${spawnCalls.length / users.length} per spawn, 1 per stop, 0 per poll; 4 per spawner (list+watch of pods and events)`);
  });

  it('the shared informer reconnects when its connections drop, and keeps serving', async () => {
    const spawner = world.spawner({ singleuser: { storage: { type: 'none' } } }, proxy.kubeConfig);
    const first = await start(spawner, spec('pia'));
    const from = proxy.requests.length;
    proxy.refuseWatches(2);
    proxy.dropConnections();
    // Each informer: a refused watch (503, back-off), then a watch that holds.
    await eventually('both watches re-established', async () => (proxy.since(from).filter((r) => r.endsWith('(watch)')).length >= 4 ? true : undefined));
    assert.deepEqual(await spawner.poll(first.state), { running: true });
    const second = await start(spawner, spec('quinn'));
    await waitForHttp(`${second.target}/user/quinn/`);
    await spawner.stop(first.state, GRACE);
    await spawner.stop(second.state, GRACE);
    assert.equal((await spawner.poll(second.state)).running, false);
  });
});
