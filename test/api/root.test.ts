// GET /hub/api without credentials, the version header on every response, and who-am-i
// (protocol.md §1.4, §1.6, §2.4, §9.1–9.3).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, get, login, type TestHub } from './support.ts';

let t: TestHub;

before(async () => {
  t = await startTestHub();
  await t.createUsers('alice', 'root-admin');
  await t.api.call('PATCH', '/users/root-admin', { admin: true });
});

after(async () => {
  await t?.close();
});

/** PEP 440 public version with an optional local segment (what packaging.Version accepts, simplified). */
const PEP440 = /^v?(\d+!)?\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?(\+[a-z0-9]+([._-][a-z0-9]+)*)?$/i;

for (const path of ['hub/api', 'hub/api/']) {
  test(`GET /${path} without credentials: 200, PEP 440 version, CORS header`, async () => {
    const res = await get(`${t.url}${path}`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { version: string };
    assert.match(body.version, PEP440);
    assert.equal(res.headers.get('x-jupyterhub-version'), body.version);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  });
}

test('X-JupyterHub-Version is on errors, redirects and pages too', async () => {
  const version = ((await (await get(`${t.url}hub/api/`)).json()) as { version: string }).version;
  const cases: [string, Record<string, string>, number][] = [
    ['hub/api/users', {}, 403], // no credentials
    ['hub/api/users/nobody', {}, 403],
    ['hub/api/users', { authorization: 'token wrong' }, 403],
    ['user/alice/tree', {}, 302], // catch-all redirect to /hub/
    ['hub/', {}, 302], // not logged in → login
    ['hub/login', {}, 200],
    ['hub/health', {}, 200],
    ['hub/api/users/nobody', { authorization: `token ${t.token}` }, 404],
  ];
  for (const [path, headers, status] of cases) {
    const res = await get(`${t.url}${path}`, headers);
    await res.arrayBuffer();
    assert.equal(res.status, status, path);
    assert.equal(res.headers.get('x-jupyterhub-version'), version, path);
  }
});

test('API errors are JSON {status, message}', async () => {
  const res = await get(`${t.url}hub/api/users/nobody`, { authorization: `token ${t.token}` });
  assert.equal(res.status, 404);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const body = (await res.json()) as { status: number; message: string };
  assert.equal(body.status, 404);
  assert.equal(typeof body.message, 'string');
});

// Known bug (src/http/app.ts catch-all, reported): unknown paths under /hub/ are redirected to
// /hub/hub/…, an endless chain, instead of a 404 (JSON under /hub/api/).
test('unknown /hub/api/… is a JSON 404 and unknown /hub/… an HTML 404', async () => {
  const api = await get(`${t.url}hub/api/nope`);
  assert.equal(api.status, 404);
  assert.match(api.headers.get('content-type') ?? '', /application\/json/);
  const page = await get(`${t.url}hub/nope`);
  assert.equal(page.status, 404);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
});

test('GET /hub/api/user: 403 (never 401) without or with an invalid token', async () => {
  for (const headers of [{}, { authorization: 'token not-a-token' }, { authorization: 'bearer nope' }, { authorization: 'Basic YTpi' }] as Record<string, string>[]) {
    const res = await get(`${t.url}hub/api/user`, headers);
    assert.equal(res.status, 403, JSON.stringify(headers));
    const body = (await res.json()) as { message: string };
    assert.equal(body.message, 'Missing or invalid credentials.');
  }
});

test('GET /hub/api/user with a user token: kind, name, admin, groups, scopes, session_id, token_id', async () => {
  const token = await t.tokenFor('alice');
  const tokens = (await t.api.get('/users/alice/tokens')).body.api_tokens as { id: string }[];
  for (const scheme of ['token', 'bearer', 'Bearer', 'TOKEN']) {
    const res = await get(`${t.url}hub/api/user`, { authorization: `${scheme} ${token}` });
    assert.equal(res.status, 200, scheme);
    const me = (await res.json()) as Record<string, unknown>;
    assert.equal(me.kind, 'user');
    assert.equal(me.name, 'alice');
    assert.equal(me.admin, false);
    assert.deepEqual(me.groups, []);
    assert.equal(me.session_id, null);
    assert.match(String(me.token_id), /^a\d+$/);
    assert.ok(tokens.some((x) => x.id === me.token_id));
    const scopes = me.scopes as string[];
    assert.deepEqual(scopes, [...scopes].sort());
    for (const s of ['access:servers!user=alice', 'read:users:name!user=alice', 'read:users:groups!user=alice', 'servers!user=alice', 'tokens!user=alice']) {
      assert.ok(scopes.includes(s), `${s} in ${scopes.join(' ')}`);
    }
    assert.ok(!scopes.some((s) => s.includes('!user=') && !s.endsWith('!user=alice')), 'only alice');
    // inherit gives the full user model
    assert.ok('servers' in me && 'last_activity' in me && 'created' in me);
  }
});

test('GET /hub/api/user with an admin service token describes the service', async () => {
  const res = await get(`${t.url}hub/api/user`, { authorization: `token ${t.token}` });
  assert.equal(res.status, 200);
  const me = (await res.json()) as Record<string, unknown>;
  assert.equal(me.kind, 'service');
  assert.equal(me.name, 'tester');
  assert.equal(me.admin, true);
  assert.deepEqual(me.roles, ['admin']);
  assert.ok((me.scopes as string[]).includes('admin:users'));
});

test('GET /hub/api/user with the login cookie needs the xsrf header and reports no token_id', async () => {
  const jar = await login(t.url, 'root-admin');
  const without = await jar.fetch(`${t.url}hub/api/user`);
  assert.equal(without.status, 403);
  await without.arrayBuffer();
  const res = await jar.fetch(`${t.url}hub/api/user`, { headers: { 'X-XSRFToken': jar.get('_xsrf')! } });
  assert.equal(res.status, 200);
  const me = (await res.json()) as Record<string, unknown>;
  assert.equal(me.name, 'root-admin');
  assert.equal(me.admin, true);
  assert.equal(me.token_id, null);
  assert.match(String(me.session_id), /^[0-9a-f]{32}$/);
  assert.equal(me.session_id, jar.get('jupyterhub-session-id'));
});

test('GET /hub/api/health and /hub/health answer 200 without credentials', async () => {
  for (const p of ['hub/health', 'hub/api/health']) {
    const res = await get(`${t.url}${p}`);
    await res.arrayBuffer();
    assert.equal(res.status, 200, p);
  }
});
