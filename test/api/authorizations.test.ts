// The deprecated /hub/api/authorizations endpoints JupyterHub 5.5 still serves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, login, type TestHub } from './support.ts';

let t: TestHub;

before(async () => {
  t = await startTestHub();
  await t.createUsers('alice');
});

after(async () => {
  await t?.close();
});

test('GET /authorizations/token/{token} identifies the owner of a user or service token; 404 for unknown', async () => {
  const aliceToken = await t.tokenFor('alice');
  const r = await t.api.call('GET', `/authorizations/token/${aliceToken}`);
  assert.equal(r.status, 200);
  assert.equal(r.body.kind, 'user');
  assert.equal(r.body.name, 'alice');
  assert.deepEqual(r.body.groups, []);
  // a caller with no read scopes still learns who owns the token (identify)
  await t.createUsers('bob');
  const bob = t.as(await t.tokenFor('bob'));
  const seen = await bob.call('GET', `/authorizations/token/${aliceToken}`);
  assert.equal(seen.status, 200);
  assert.equal(seen.body.name, 'alice');
  assert.equal('servers' in seen.body, false, 'no more than identify');
  const svc = await t.api.call('GET', `/authorizations/token/${t.token}`);
  assert.equal(svc.status, 200);
  assert.deepEqual([svc.body.kind, svc.body.name], ['service', 'tester']);
  assert.equal((await t.api.call('GET', '/authorizations/token/0123456789abcdef0123456789abcdef')).status, 404);
  // a token is required, not the login cookie
  assert.equal((await fetch(`${t.url}hub/api/authorizations/token/${aliceToken}`)).status, 403);
});

test('POST /authorizations/token is gone, as in JupyterHub 2+', async () => {
  const r = await t.api.call('POST', '/authorizations/token', { username: 'alice', password: 'x' });
  assert.equal(r.status, 404);
  assert.match(r.body.message, /use \/hub\/api\/users\/:user\/tokens/i);
});

test('GET /authorizations/cookie/{name}/{value} identifies the user of a login cookie', async () => {
  const jar = await login(t.url, 'alice');
  const value = jar.get('jupyterhub-hub-login')!;
  const r = await t.api.call('GET', `/authorizations/cookie/jupyterhub-hub-login/${encodeURIComponent(value)}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.name, 'alice');
  assert.equal((await t.api.call('GET', `/authorizations/cookie/jupyterhub-hub-login/${encodeURIComponent(value + 'x')}`)).status, 404);
  assert.equal((await t.api.call('GET', `/authorizations/cookie/other/${encodeURIComponent(value)}`)).status, 404);
});
