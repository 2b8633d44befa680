// The real jupyterhub-idle-culler (from the virtualenv) against the in-process hub, with a
// service token holding only the scopes its README asks for (protocol.md §8, §10 b): it pages
// through state=inactive and state=ready listings, stops idle servers (removing named ones),
// and with --cull-users deletes idle users; busy servers and, with --cull-admin-users=false,
// admin accounts stay.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { cacheDir } from '../../src/hub/spawnerSetup.ts';
import { startTestHub, get, type TestHub } from './support.ts';
import { HubApi } from '../support/hubApi.ts';

const CULLER = path.join(cacheDir(), 'venv', 'bin', 'jupyterhub-idle-culler');
const cullerToken = randomBytes(32).toString('hex');
let t: TestHub;

before(async () => {
  t = await startTestHub({
    config: {
      hub: {
        allowNamedServers: true,
        services: { culler: { apiToken: cullerToken } },
        loadRoles: {
          'idle-culler': {
            scopes: ['list:users', 'read:users:activity', 'read:servers', 'delete:servers', 'admin:users'],
            services: ['culler'],
          },
        },
      },
    },
  });
});

after(async () => {
  await t?.close();
});

/** Runs the culler until `done()` holds, then stops it (by its PID) and returns its output. */
async function runCuller(args: string[], done: () => Promise<boolean>): Promise<string> {
  let out = '';
  const child: ChildProcess = spawn(CULLER, [`--url=${t.hub.hubUrl}/hub/api`, ...args], {
    env: { ...process.env, JUPYTERHUB_API_TOKEN: cullerToken },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (b) => (out += b));
  child.stderr!.on('data', (b) => (out += b));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let early: number | null | undefined;
  void exited.then((c) => (early = c));
  try {
    const deadline = Date.now() + 60_000;
    while (!(await done())) {
      if (early !== undefined) throw new Error(`the culler exited early (${early}):\n${out}`);
      if (Date.now() > deadline) throw new Error(`the culler did not finish its work; its output:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  }
  return out;
}

async function serverToken(user: string): Promise<string> {
  const res = await get(`${t.url}user/${user}/env`);
  assert.equal(res.status, 200);
  return ((await res.json()) as Record<string, string>).JUPYTERHUB_API_TOKEN;
}

test('the culler token has exactly what the culler needs', async () => {
  const me = (await t.as(cullerToken).get('/user')).body;
  assert.equal(me.kind, 'service');
  assert.equal(me.name, 'culler');
  assert.deepEqual(me.roles, ['idle-culler']);
  assert.ok(me.scopes.includes('list:users') && me.scopes.includes('delete:servers'));
  assert.ok(!me.scopes.includes('admin:servers'));
});

test('jupyterhub-idle-culler --cull-users stops idle servers and deletes idle users', { skip: !existsSync(CULLER) && `no culler at ${CULLER}` }, async () => {
  const api = t.api;
  await t.createUsers('idle1', 'idle2', 'idle3', 'busy', 'boss', 'named', 'never');
  await api.call('PATCH', '/users/boss', { admin: true });
  for (const u of ['idle1', 'idle2', 'idle3', 'busy', 'boss']) assert.equal((await api.call('POST', `/users/${u}/server`)).status, 201, u);
  assert.equal((await api.call('POST', '/users/named/servers/foo')).status, 201);
  // busy reports activity 30 minutes ahead (as its server would after a long computation):
  // never idle for the culler, whatever the clock says while this test runs
  const busy = new HubApi(t.url, await serverToken('busy'));
  const ahead = new Date(Date.now() + 30 * 60_000).toISOString();
  assert.equal((await busy.call('POST', '/users/busy/activity', { last_activity: ahead, servers: { '': { last_activity: ahead } } })).status, 200);

  const gone = async (u: string) => (await api.get(`/users/${u}`)).status === 404;
  const out = await runCuller(
    ['--timeout=1', '--cull-every=1', '--cull-users=True', '--cull-admin-users=False', '--remove-named-servers=True', '--api-page-size=2'],
    async () => {
      for (const u of ['idle1', 'idle2', 'idle3', 'named', 'never']) if (!(await gone(u))) return false;
      return !t.hub.servers.isReady('boss', '') && t.hub.servers.phase('boss', '') === 'stopped';
    },
  );
  assert.doesNotMatch(out, /Traceback|Error processing|HTTP 4\d\d|HTTP 5\d\d/, out);
  assert.match(out, /Culling server/);
  // busy keeps its server; the admin keeps the account but not the idle server
  assert.equal(t.hub.servers.isReady('busy', ''), true);
  assert.equal((await api.get('/users/busy')).body.servers[''].ready, true);
  const boss = await api.get('/users/boss');
  assert.equal(boss.status, 200);
  assert.deepEqual(boss.body.servers, {});
  // the named server was stopped and removed with its user; nothing of it is left running
  assert.equal(t.hub.servers.phase('named', 'foo'), 'stopped');
  assert.equal(await t.hub.store.getServer('named', 'foo'), null);
  const ready = (await api.get('/users?state=ready')).body as { name: string }[];
  assert.deepEqual(ready.map((u) => u.name), ['busy']);
});

test('--remove-named-servers removes the stopped named server (its owner is kept)', { skip: !existsSync(CULLER) && `no culler at ${CULLER}` }, async () => {
  const api = t.api;
  await t.createUsers('lab-owner');
  await api.call('PATCH', '/users/lab-owner', { admin: true });
  assert.equal((await api.call('POST', '/users/lab-owner/servers/lab')).status, 201);
  await runCuller(['--timeout=1', '--cull-every=1', '--cull-users=True', '--cull-admin-users=False', '--remove-named-servers=True'], async () =>
    t.hub.servers.phase('lab-owner', 'lab') === 'stopped' && (await t.hub.store.getServer('lab-owner', 'lab')) === null,
  );
  assert.equal((await api.get('/users/lab-owner')).status, 200);
  const all = (await api.get('/users/lab-owner?include_stopped_servers=1')).body.servers;
  assert.deepEqual(all, {}, 'removed, not just stopped');
});

test('without --cull-users the culler only stops servers', { skip: !existsSync(CULLER) && `no culler at ${CULLER}` }, async () => {
  const api = t.api;
  await t.createUsers('keepme');
  assert.equal((await api.call('POST', '/users/keepme/server')).status, 201);
  await runCuller(['--timeout=1', '--cull-every=1'], async () => t.hub.servers.phase('keepme', '') === 'stopped');
  assert.equal((await api.get('/users/keepme')).status, 200);
  assert.equal(t.hub.servers.isReady('busy', ''), true);
});
