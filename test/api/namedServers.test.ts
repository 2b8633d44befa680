// Named servers (hub.allowNamedServers): start/stop/remove, URLs and progress, the per-user
// limit, and bodies sent without a JSON content type (protocol.md §6.3, §6.4, §8).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, get, login, readEvents, type TestHub } from './support.ts';

let t: TestHub;

before(async () => {
  t = await startTestHub({ config: { hub: { allowNamedServers: true, namedServerLimitPerUser: 2 } } });
  await t.createUsers('alice', 'bob', 'carol');
});

after(async () => {
  await t?.close();
});

/** DELETE with a raw body and no Content-Type, as the idle culler sends it. */
function deleteRaw(path: string, body: string): Promise<Response> {
  return fetch(`${t.url}hub/api${path}`, { method: 'DELETE', headers: { Authorization: `token ${t.token}` }, body, redirect: 'manual' });
}

test('a named server starts, is routed at /user/<name>/<server>/ and has its own model and progress', async () => {
  const r = await t.api.call('POST', '/users/alice/servers/lab1', { size: 'small' });
  assert.equal(r.status, 201);
  const u = (await t.api.get('/users/alice')).body;
  assert.equal(u.server, null, 'the default server is not running');
  const s = u.servers.lab1;
  assert.equal(s.name, 'lab1');
  assert.equal(s.full_name, 'alice/lab1');
  assert.equal(s.ready, true);
  assert.equal(s.url, '/user/alice/lab1/');
  assert.equal(s.progress_url, '/hub/api/users/alice/servers/lab1/progress');
  assert.deepEqual(s.user_options, { size: 'small' });
  const env = (await (await get(`${t.url}user/alice/lab1/env`)).json()) as Record<string, string>;
  assert.equal(env.JUPYTERHUB_SERVER_NAME, 'lab1');
  assert.equal(env.JUPYTERHUB_SERVICE_PREFIX, '/user/alice/lab1/');
  assert.equal(env.JUPYTERHUB_CLIENT_ID, 'jupyterhub-user-alice-lab1');
  const events = await readEvents(await get(`${t.url}${s.progress_url.slice(1)}`, { authorization: `token ${t.token}` }));
  assert.equal(events.at(-1)?.url, '/user/alice/lab1/');
  assert.equal((await t.api.call('POST', '/users/alice/servers/lab1')).status, 400, 'already running');
});

test('the named server token may post activity for its own server name', async () => {
  const env = (await (await get(`${t.url}user/alice/lab1/env`)).json()) as Record<string, string>;
  const at = new Date().toISOString();
  const server = t.as(env.JUPYTERHUB_API_TOKEN);
  assert.equal((await server.call('POST', '/users/alice/activity', { servers: { lab1: { last_activity: at } }, last_activity: at })).status, 200);
  assert.equal((await server.call('POST', '/users/alice/activity', { servers: { nope: { last_activity: at } } })).status, 400);
});

test('/hub/user/<name>/<server>/… resolves the named server', async () => {
  const jar = await login(t.url, 'alice');
  const res = await jar.fetch(`${t.url}hub/user/alice/lab1/tree`, { headers: { Accept: 'text/html' } });
  await res.arrayBuffer();
  assert.equal(res.status, 302);
  assert.equal(new URL(res.headers.get('location')!, t.url).pathname, '/user/alice/lab1/tree');
  // a second segment that is not a server name means the default server (stopped: 424)
  const def = await jar.fetch(`${t.url}hub/user/alice/notaserver/api/x`);
  assert.equal(def.status, 424);
  await def.arrayBuffer();
});

test('stop keeps the record; {"remove": true} deletes it, also without a JSON content type', async () => {
  assert.equal((await t.api.call('POST', '/users/bob/servers/a')).status, 201);
  assert.equal((await t.api.call('POST', '/users/bob/servers/b')).status, 201);
  assert.equal((await t.api.call('DELETE', '/users/bob/servers/a')).status, 204);
  let all = (await t.api.get('/users/bob?include_stopped_servers=1')).body.servers;
  assert.deepEqual(Object.keys(all).sort(), ['a', 'b']);
  assert.equal(all.a.stopped, true);
  assert.deepEqual(Object.keys((await t.api.get('/users/bob')).body.servers), ['b']);
  // the culler's request: DELETE, body {"remove": true}, no Content-Type
  const culler = await deleteRaw('/users/bob/servers/b', JSON.stringify({ remove: true }));
  assert.equal(culler.status, 204);
  await culler.arrayBuffer();
  assert.equal(await t.hub.store.getServer('bob', 'b'), null);
  assert.equal((await t.api.call('DELETE', '/users/bob/servers/a', { remove: true })).status, 204, 'remove a stopped one');
  all = (await t.api.get('/users/bob?include_stopped_servers=1')).body.servers;
  assert.deepEqual(all, {});
});

test('unknown named server → 404; remove on the default server → 400; bad JSON → 400', async () => {
  assert.equal((await t.api.call('DELETE', '/users/bob/servers/never')).status, 404);
  assert.equal((await t.api.get('/users/bob/servers/never/progress')).status, 404);
  assert.equal((await t.api.call('DELETE', '/users/bob/server', { remove: true })).status, 400);
  const bad = await deleteRaw('/users/alice/servers/lab1', '{not json');
  assert.equal(bad.status, 400);
  await bad.arrayBuffer();
  assert.equal(t.hub.servers.isReady('alice', 'lab1'), true, 'a bad request stops nothing');
  for (const name of ['a%2Fb', '%20']) {
    const r = await t.api.call('POST', `/users/bob/servers/${name}`);
    assert.equal(r.status, 400, name);
  }
});

test('the per-user limit counts every named server until removed; restarting one is allowed', async () => {
  assert.equal((await t.api.call('POST', '/users/carol/servers/one')).status, 201);
  assert.equal((await t.api.call('POST', '/users/carol/servers/two')).status, 201);
  const third = await t.api.call('POST', '/users/carol/servers/three');
  assert.equal(third.status, 400);
  assert.match(third.body.message, /maximum of 2 named servers/);
  // stopping does not free a slot…
  assert.equal((await t.api.call('DELETE', '/users/carol/servers/one')).status, 204);
  assert.equal((await t.api.call('POST', '/users/carol/servers/three')).status, 400);
  // …but restarting an existing one is fine, and the default server does not count
  assert.equal((await t.api.call('POST', '/users/carol/servers/one')).status, 201);
  assert.equal((await t.api.call('POST', '/users/carol/server')).status, 201);
  // removing one frees a slot
  assert.equal((await t.api.call('DELETE', '/users/carol/servers/two', { remove: true })).status, 204);
  assert.equal((await t.api.call('POST', '/users/carol/servers/three')).status, 201);
});

test('a user token starts and stops its own named servers, not others\'', async () => {
  const alice = t.as(await t.tokenFor('alice'));
  assert.equal((await alice.call('POST', '/users/alice/servers/mine')).status, 201);
  assert.equal((await alice.call('DELETE', '/users/alice/servers/mine', { remove: true })).status, 204);
  assert.equal((await alice.call('POST', '/users/bob/servers/theirs')).status, 404);
});
