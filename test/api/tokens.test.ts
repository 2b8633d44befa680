// /hub/api/users/{name}/tokens: list, create (shown once), get, delete; ids `a<n>`; expiry
// (protocol.md §6.3 token model, §6.4).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, get, type TestHub } from './support.ts';

let t: TestHub;
let skewMs = 0;

before(async () => {
  t = await startTestHub({ now: () => new Date(Date.now() + skewMs) });
  await t.createUsers('alice', 'bob');
});

after(async () => {
  await t?.close();
});

type TokenModel = Record<string, unknown> & { id: string; note: string };

const list = async (user: string) => (await t.api.get(`/users/${user}/tokens`)).body.api_tokens as TokenModel[];
const whoami = async (token: string) => {
  const r = await get(`${t.url}hub/api/user`, { authorization: `token ${token}` });
  await r.arrayBuffer();
  return r.status;
};

test('POST creates a token (201, shown once) with the JupyterHub token model', async () => {
  const r = await t.api.call('POST', '/users/alice/tokens', { note: 'my laptop', expires_in: 3600 });
  assert.equal(r.status, 201);
  const m = r.body;
  assert.match(m.token, /^[0-9a-f]{32}$/);
  assert.match(m.id, /^a\d+$/);
  assert.equal(m.kind, 'api_token');
  assert.equal(m.user, 'alice');
  assert.equal(m.note, 'my laptop');
  assert.deepEqual(m.scopes, ['inherit']);
  assert.equal(m.session_id, null);
  assert.equal(m.oauth_client, null);
  assert.match(m.created, /Z$/);
  const expires = Date.parse(m.expires_at) - Date.parse(m.created);
  assert.ok(Math.abs(expires - 3600_000) < 2000, `expires in ${expires} ms`);
  assert.equal(await whoami(m.token), 200);
  // listed and readable by id, never with the token string again
  const listed = (await list('alice')).find((x) => x.id === m.id)!;
  assert.equal(listed.note, 'my laptop');
  assert.ok(!('token' in listed));
  const one = await t.api.get(`/users/alice/tokens/${m.id}`);
  assert.equal(one.status, 200);
  assert.equal(one.body.id, m.id);
  assert.ok(!('token' in one.body));
});

test('defaults: note "Requested via api", no expiry; bad types → 400', async () => {
  const r = await t.api.call('POST', '/users/alice/tokens', {});
  assert.equal(r.status, 201);
  assert.equal(r.body.note, 'Requested via api');
  assert.equal(r.body.expires_at, null);
  for (const body of [{ note: 5 }, { expires_in: 'soon' }, { expires_in: -1 }, { scopes: 'read:users' }, { scopes: [1] }]) {
    assert.equal((await t.api.call('POST', '/users/alice/tokens', body)).status, 400, JSON.stringify(body));
  }
  assert.equal((await t.api.call('POST', '/users/nobody/tokens', {})).status, 404);
});

test('token ids are a<n>; unknown, malformed or other users\' ids → 404', async () => {
  const bobs = await t.api.call('POST', '/users/bob/tokens', { note: 'bob' });
  const id: string = bobs.body.id;
  assert.equal((await t.api.get(`/users/alice/tokens/${id}`)).status, 404, "bob's token under alice");
  assert.equal((await t.api.call('DELETE', `/users/alice/tokens/${id}`)).status, 404);
  assert.equal((await t.api.get('/users/bob/tokens/a999999')).status, 404);
  assert.equal((await t.api.get('/users/bob/tokens/xyz')).status, 404);
  assert.equal((await t.api.get(`/users/bob/tokens/${id}`)).status, 200);
});

test('DELETE revokes: 204, then 404, and the token is rejected', async () => {
  const r = await t.api.call('POST', '/users/bob/tokens', { note: 'short-lived' });
  assert.equal(await whoami(r.body.token), 200);
  assert.equal((await t.api.call('DELETE', `/users/bob/tokens/${r.body.id}`)).status, 204);
  assert.equal((await t.api.get(`/users/bob/tokens/${r.body.id}`)).status, 404);
  assert.equal(await whoami(r.body.token), 403);
  assert.ok(!(await list('bob')).some((x) => x.id === r.body.id));
});

test('a user manages their own tokens with a token of their own', async () => {
  const alice = t.as(await t.tokenFor('alice'));
  const made = await alice.call('POST', '/users/alice/tokens', { note: 'self-made', scopes: ['read:users!user=alice'] });
  assert.equal(made.status, 201);
  assert.equal((await alice.get('/users/alice/tokens')).status, 200);
  assert.equal((await alice.call('DELETE', `/users/alice/tokens/${made.body.id}`)).status, 204);
  // the narrowed token cannot manage tokens
  const narrow = t.as((await t.api.call('POST', '/users/alice/tokens', { scopes: ['read:users!user=alice'] })).body.token);
  assert.equal((await narrow.get('/users/alice/tokens')).status, 403);
  assert.equal((await narrow.call('POST', '/users/alice/tokens', {})).status, 403);
});

test('expired tokens are not listed, not found by id, and are rejected', async () => {
  const r = await t.api.call('POST', '/users/alice/tokens', { note: 'expiring', expires_in: 60 });
  const token: string = r.body.token;
  assert.equal(await whoami(token), 200);
  assert.ok((await list('alice')).some((x) => x.id === r.body.id));
  skewMs = 120_000; // the hub's clock moves two minutes on
  try {
    assert.equal(await whoami(token), 403);
    assert.ok(!(await list('alice')).some((x) => x.id === r.body.id));
    assert.equal((await t.api.get(`/users/alice/tokens/${r.body.id}`)).status, 404);
    const bearer = await get(`${t.url}hub/api/users/alice`, { authorization: `bearer ${token}` });
    assert.equal(bearer.status, 403);
    await bearer.arrayBuffer();
  } finally {
    skewMs = 0;
  }
});
