// Start/stop, the progress stream, named servers when disabled, a failing start, and the
// activity endpoint as a single-user server calls it (protocol.md §3, §6.4, §6.5).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, get, readEvents, waitFor, type TestHub } from './support.ts';
import { HubApi } from '../support/hubApi.ts';

let t: TestHub;
let failing: TestHub;

before(async () => {
  t = await startTestHub();
  failing = await startTestHub({
    config: { singleuser: { extraEnv: { FIXTURE_PRINT: 'starting up...\nfatal: no such notebook directory', FIXTURE_EXIT_CODE: '3' } } },
  });
  await t.createUsers('alice', 'bob', 'queued', 'blocker');
  await failing.createUsers('carol');
});

after(async () => {
  await t?.close();
  await failing?.close();
});

const progress = (hub: TestHub, user: string, token = hub.token) =>
  get(`${hub.url}hub/api/users/${user}/server/progress`, { authorization: `token ${token}` });

test('POST /users/{name}/server: 201 when ready, then 400 while running; the server is routed', async () => {
  const r = await t.api.call('POST', '/users/alice/server');
  assert.equal(r.status, 201);
  assert.match(r.headers.get('content-type') ?? '', /text\/plain/);
  const again = await t.api.call('POST', '/users/alice/server');
  assert.equal(again.status, 400);
  assert.match(again.body.message, /already running/);
  const u = (await t.api.get('/users/alice')).body;
  assert.equal(u.server, '/user/alice/');
  assert.equal(u.pending, null);
  const s = u.servers[''];
  assert.equal(s.name, '');
  assert.equal(s.full_name, 'alice/');
  assert.equal(s.ready, true);
  assert.equal(s.stopped, false);
  assert.equal(s.pending, null);
  assert.equal(s.url, '/user/alice/');
  assert.equal(s.progress_url, '/hub/api/users/alice/server/progress');
  assert.match(s.started, /Z$/);
  assert.ok('state' in s, 'admin sees spawner state');
  // through the proxy to the fixture
  const res = await get(`${t.url}user/alice/`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'ok');
});

test('the progress stream of a ready server: one ready event with the url', async () => {
  const res = await progress(t, 'alice');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  assert.ok(res.headers.get('x-jupyterhub-version'));
  const events = await readEvents(res);
  assert.equal(events.length, 1);
  assert.equal(events[0].ready, true);
  assert.equal(events[0].progress, 100);
  assert.equal(events[0].url, '/user/alice/');
});

test('the progress stream follows a queued spawn to its ready event', async () => {
  const queue = t.hub.servers.queue;
  queue.setLimit(1);
  const held = queue.enter(); // take the only slot
  await held.granted;
  try {
    const spawn = t.api.call('POST', '/users/queued/server');
    await waitFor('the spawn to wait in the queue', () => t.hub.servers.phase('queued', '') === 'spawn-queued');
    const res = await progress(t, 'queued');
    assert.equal(res.status, 200);
    const eventsP = readEvents(res);
    held.release();
    const events = await eventsP;
    assert.deepEqual(events[0], { progress: 0, message: 'Server requested' });
    assert.ok(events.some((e) => e.queue_position === 1), 'told its place in the queue');
    const last = events[events.length - 1];
    assert.equal(last.ready, true);
    assert.equal(last.url, '/user/queued/');
    assert.equal(last.message, 'Server ready at /user/queued/');
    assert.equal(last.html_message, 'Server ready at <a href="/user/queued/">/user/queued/</a>');
    assert.equal((await spawn).status, 201);
  } finally {
    held.release();
    queue.setLimit(64); // the configured default (hub.concurrentSpawnLimit)
  }
});

test('the progress stream of a server never started → 400; of an unknown user → 404', async () => {
  const res = await progress(t, 'bob');
  assert.equal(res.status, 400);
  await res.arrayBuffer();
  const unknown = await progress(t, 'nobody');
  assert.equal(unknown.status, 404);
  await unknown.arrayBuffer();
});

test('DELETE /users/{name}/server: 204, again 204 when stopped; the route is gone', async () => {
  await t.createUsers('stopper');
  assert.equal((await t.api.call('POST', '/users/stopper/server')).status, 201);
  const r = await t.api.call('DELETE', '/users/stopper/server');
  assert.equal(r.status, 204);
  assert.equal((await t.api.call('DELETE', '/users/stopper/server')).status, 204);
  assert.equal((await t.api.call('DELETE', '/users/bob/server')).status, 204, 'never started');
  const u = (await t.api.get('/users/stopper')).body;
  assert.equal(u.server, null);
  assert.deepEqual(u.servers, {});
  // the proxy no longer routes /user/stopper/ to a server: the hub answers (302 to /hub/user/…)
  const res = await get(`${t.url}user/stopper/`);
  await res.arrayBuffer();
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('location'), '/hub/user/stopper/');
  // and can start again
  assert.equal((await t.api.call('POST', '/users/stopper/server')).status, 201);
  assert.equal((await t.api.call('DELETE', '/users/stopper/server')).status, 204);
});

test('named servers when disabled → 400', async () => {
  for (const [method, path] of [
    ['POST', '/users/alice/servers/foo'],
    ['DELETE', '/users/alice/servers/foo'],
    ['GET', '/users/alice/servers/foo/progress'],
  ]) {
    const r = await t.api.call(method, path);
    assert.equal(r.status, 400, `${method} ${path}`);
    assert.match(r.body.message, /[Nn]amed servers/);
  }
});

test('POST /users/{name}/server with a non-object body → 400', async () => {
  const r = await t.api.call('POST', '/users/bob/server', [1, 2]);
  assert.equal(r.status, 400);
  assert.equal((await t.api.call('POST', '/users/nobody/server')).status, 404);
});

test('a server that exits at start-up: 500 JSON with exit_code and log_tail; the stream yields a failed event', async () => {
  const r = await failing.api.call('POST', '/users/carol/server');
  assert.equal(r.status, 500);
  assert.equal(r.body.status, 500);
  assert.match(r.body.message, /exited with code 3/);
  assert.equal(r.body.exit_code, 3);
  assert.ok(Array.isArray(r.body.log_tail));
  assert.ok(r.body.log_tail.some((l: string) => l.includes('fatal: no such notebook directory')), r.body.log_tail.join('\n'));
  const res = await progress(failing, 'carol');
  assert.equal(res.status, 200);
  const events = await readEvents(res);
  assert.equal(events.length, 1);
  assert.equal(events[0].failed, true);
  assert.equal(events[0].progress, 100);
  assert.match(String(events[0].message), /^Spawn failed: .*exited with code 3/);
  assert.equal(events[0].exit_code, 3);
  const u = (await failing.api.get('/users/carol')).body;
  assert.equal(u.pending, null);
  assert.equal(u.server, null);
  assert.deepEqual(u.servers, {});
  const stopped = (await failing.api.get('/users/carol?include_stopped_servers=1')).body.servers[''];
  assert.equal(stopped.ready, false);
  // a retry fails the same way (not "already running")
  assert.equal((await failing.api.call('POST', '/users/carol/server')).status, 500);
});

/** The server's own API token, read from the fixture's environment through the proxy. */
async function serverEnv(user: string): Promise<Record<string, string>> {
  const res = await get(`${t.url}user/${user}/env`);
  assert.equal(res.status, 200);
  return (await res.json()) as Record<string, string>;
}

test('activity POSTs from the server: both keys, forward only, unknown server and far future → 400', async () => {
  const env = await serverEnv('alice');
  assert.equal(env.JUPYTERHUB_ACTIVITY_URL, `${t.hub.hubUrl}/hub/api/users/alice/activity`);
  const server = new HubApi(t.url, env.JUPYTERHUB_API_TOKEN);
  const post = (body: unknown) => server.call('POST', '/users/alice/activity', body);
  const at = (min: number) => new Date(Date.now() + min * 60_000).toISOString();
  const later = at(20);
  const earlier = at(10);

  const r = await post({ servers: { '': { last_activity: later } }, last_activity: later });
  assert.equal(r.status, 200);
  assert.equal(r.body, null, 'empty body');
  const read = async () => {
    const u = (await t.api.get('/users/alice')).body;
    return { user: Date.parse(u.last_activity), server: Date.parse(u.servers[''].last_activity) };
  };
  assert.deepEqual(await read(), { user: Date.parse(later), server: Date.parse(later) });
  // older values never move it back, whichever key carries them
  assert.equal((await post({ last_activity: earlier })).status, 200);
  assert.equal((await post({ servers: { '': { last_activity: earlier } } })).status, 200);
  assert.deepEqual(await read(), { user: Date.parse(later), server: Date.parse(later) });
  // naive timestamps are UTC; offsets are honoured
  const naive = at(30).replace('Z', '');
  assert.equal((await post({ last_activity: naive })).status, 200);
  assert.equal((await read()).user, Date.parse(`${naive}Z`));

  const unknown = await post({ servers: { nope: { last_activity: at(0) } } });
  assert.equal(unknown.status, 400);
  assert.match(unknown.body.message, /nope/);
  const future = await post({ last_activity: at(61) });
  assert.equal(future.status, 400);
  assert.match(future.body.message, /future/);
  for (const body of [{}, { last_activity: 'yesterday' }, { last_activity: 12 }, { servers: { '': {} } }, { servers: [] }]) {
    assert.equal((await post(body)).status, 400, JSON.stringify(body));
  }
  // the server's token may report activity but not read other things
  assert.equal((await server.get('/users')).status, 403);
  assert.equal((await server.call('POST', '/users/bob/activity', { last_activity: at(0) })).status, 404);
});

test("the server's API token is revoked when it stops", async () => {
  await t.createUsers('revoked');
  assert.equal((await t.api.call('POST', '/users/revoked/server')).status, 201);
  const env = await serverEnv('revoked');
  const me = await get(`${t.url}hub/api/user`, { authorization: `token ${env.JUPYTERHUB_API_TOKEN}` });
  assert.equal(me.status, 200);
  const body = (await me.json()) as { scopes: string[] };
  assert.deepEqual(body.scopes, [
    'access:servers!server=revoked/',
    'read:users:activity!user=revoked',
    'read:users:groups!user=revoked',
    'read:users:name!user=revoked',
    'users:activity!user=revoked',
  ]);
  assert.equal((await t.api.call('DELETE', '/users/revoked/server')).status, 204);
  const after = await get(`${t.url}hub/api/user`, { authorization: `token ${env.JUPYTERHUB_API_TOKEN}` });
  assert.equal(after.status, 403);
});
