// /hub/api/users: bulk create, get, patch, delete, and the listing with pagination, state,
// name_filter and sort (protocol.md §6.2–6.4).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startTestHub, type TestHub } from './support.ts';

let t: TestHub;
const PAGINATION = { Accept: 'application/jupyterhub-pagination+json' };

before(async () => {
  t = await startTestHub();
});

after(async () => {
  await t?.close();
});

const names = (list: { name: string }[]) => list.map((u) => u.name);

test('POST /users creates 2,000 users at once (201), then 409 when all exist', async () => {
  const many = Array.from({ length: 2000 }, (_, i) => `bulk${String(i).padStart(4, '0')}`);
  const r = await t.api.call('POST', '/users', { usernames: many });
  assert.equal(r.status, 201);
  assert.equal(r.body.length, 2000);
  assert.deepEqual(new Set(names(r.body)), new Set(many));
  assert.equal(r.body[0].kind, 'user');
  assert.equal(r.body[0].admin, false);
  const again = await t.api.call('POST', '/users', { usernames: many.slice(0, 10) });
  assert.equal(again.status, 409);
  assert.equal(again.body.status, 409);
  // some new, some existing: only the new ones are created
  const mixed = await t.api.call('POST', '/users', { usernames: ['bulk0000', 'fresh1'] });
  assert.equal(mixed.status, 201);
  assert.deepEqual(names(mixed.body), ['fresh1']);
});

test('POST /users with an invalid name: 400 naming the field; nothing is created', async () => {
  const r = await t.api.call('POST', '/users', { usernames: ['okname', 'bad/name'] });
  assert.equal(r.status, 400);
  assert.match(r.body.message, /usernames\[1\]/);
  assert.equal((await t.api.get('/users/okname')).status, 404);
  for (const body of [{}, { usernames: [] }, { usernames: 'alice' }, { usernames: [''] }, { usernames: ['a'], admin: 'yes' }]) {
    const bad = await t.api.call('POST', '/users', body);
    assert.equal(bad.status, 400, JSON.stringify(body));
  }
});

test('user names are normalized (lowercased, trimmed) on creation', async () => {
  const r = await t.api.call('POST', '/users', { usernames: ['  MixedCase  '] });
  assert.equal(r.status, 201);
  assert.deepEqual(names(r.body), ['mixedcase']);
});

test('GET /users/{name}: 200 with the full model, 404 for an unknown user', async () => {
  await t.createUsers('getme');
  const r = await t.api.get('/users/getme');
  assert.equal(r.status, 200);
  for (const k of ['kind', 'name', 'admin', 'roles', 'groups', 'server', 'pending', 'created', 'last_activity', 'servers']) assert.ok(k in r.body, k);
  assert.equal(r.body.server, null);
  assert.deepEqual(r.body.servers, {});
  assert.match(r.body.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$/);
  assert.equal((await t.api.get('/users/nobody-here')).status, 404);
});

test('POST /users/{name}: 201, then 409', async () => {
  const r = await t.api.call('POST', '/users/single1', {});
  assert.equal(r.status, 201);
  assert.equal(r.body.name, 'single1');
  assert.equal((await t.api.call('POST', '/users/single1', {})).status, 409);
});

test('PATCH /users/{name}: admin flag and rename', async () => {
  await t.createUsers('patchme', 'taken');
  const a = await t.api.call('PATCH', '/users/patchme', { admin: true });
  assert.equal(a.status, 200);
  assert.equal(a.body.admin, true);
  assert.equal((await t.api.get('/users/patchme')).body.admin, true);
  const taken = await t.api.call('PATCH', '/users/patchme', { name: 'taken' });
  assert.equal(taken.status, 400);
  const bad = await t.api.call('PATCH', '/users/patchme', { name: 'a/b' });
  assert.equal(bad.status, 400);
  assert.match(bad.body.message, /name/);
  const renamed = await t.api.call('PATCH', '/users/patchme', { name: 'patched' });
  assert.equal(renamed.status, 200);
  assert.equal(renamed.body.name, 'patched');
  assert.equal((await t.api.get('/users/patchme')).status, 404);
  assert.equal((await t.api.get('/users/patched')).body.admin, true);
  assert.equal((await t.api.call('PATCH', '/users/nobody-here', { admin: true })).status, 404);
  assert.equal((await t.api.call('PATCH', '/users/patched', { bogus: 1 })).status, 400);
});

test('DELETE /users/{name}: 204, then 404; deleting yourself is 400', async () => {
  await t.createUsers('deleteme', 'selfish');
  assert.equal((await t.api.call('DELETE', '/users/deleteme')).status, 204);
  assert.equal((await t.api.get('/users/deleteme')).status, 404);
  assert.equal((await t.api.call('DELETE', '/users/deleteme')).status, 404);
  await t.api.call('PATCH', '/users/selfish', { admin: true });
  const own = t.as(await t.tokenFor('selfish'));
  const r = await own.call('DELETE', '/users/selfish');
  assert.equal(r.status, 400);
  assert.equal((await t.api.get('/users/selfish')).status, 200);
});

test('GET /users: the pagination envelope when asked for, next.url from the request Host', async () => {
  const first = await t.api.call('GET', '/users?limit=7', undefined, PAGINATION);
  assert.equal(first.status, 200);
  const p = first.body._pagination;
  assert.equal(first.body.items.length, 7);
  assert.equal(p.offset, 0);
  assert.equal(p.limit, 7);
  assert.ok(p.total >= 2000);
  assert.equal(p.next.offset, 7);
  assert.equal(p.next.limit, 7);
  const next = new URL(p.next.url);
  assert.equal(next.origin, new URL(t.url).origin);
  assert.equal(next.pathname, '/hub/api/users');
  // following next.url verbatim walks the whole listing, each user once
  const seen = new Set<string>();
  let url: string | null = `${t.url}hub/api/users?limit=200`;
  while (url) {
    const res = await fetch(url, { headers: { Authorization: `token ${t.token}`, ...PAGINATION } });
    const body = (await res.json()) as { items: { name: string }[]; _pagination: { next: { url: string } | null; total: number } };
    for (const u of body.items) {
      assert.ok(!seen.has(u.name), `${u.name} listed twice`);
      seen.add(u.name);
    }
    url = body._pagination.next?.url ?? null;
    if (!url) assert.equal(seen.size, body._pagination.total);
  }
});

test('GET /users: next.url keeps other query parameters and uses the Host the client used', async () => {
  const body = await new Promise<{ _pagination: { next: { url: string } } }>((resolve, reject) => {
    const u = new URL(`${t.url}hub/api/users?state=&name_filter=bulk&offset=0&limit=5`);
    const req = http.get(u, { headers: { Authorization: `token ${t.token}`, ...PAGINATION, Host: 'hub.example.test:8123' } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve(JSON.parse(text)));
    });
    req.on('error', reject);
  });
  const next = new URL(body._pagination.next.url);
  assert.equal(next.host, 'hub.example.test:8123');
  assert.equal(next.pathname, '/hub/api/users');
  assert.equal(next.searchParams.get('name_filter'), 'bulk');
  assert.equal(next.searchParams.get('state'), '');
  assert.equal(next.searchParams.get('offset'), '5');
  assert.equal(next.searchParams.get('limit'), '5');
});

test('GET /users without the Accept header: a bare list (default limit 200)', async () => {
  const r = await t.api.get('/users');
  assert.equal(r.status, 200);
  assert.ok(Array.isArray(r.body));
  assert.equal(r.body.length, 200);
  const small = await t.api.get('/users?limit=3&offset=1');
  assert.equal(small.body.length, 3);
  assert.equal(small.body[0].name, r.body[1].name);
  // limit is clamped to [1, 200]
  assert.equal((await t.api.get('/users?limit=5000')).body.length, 200);
  assert.equal((await t.api.get('/users?limit=0')).body.length, 1);
});

test('GET /users: non-integer offset or limit → 400', async () => {
  for (const q of ['offset=abc', 'offset=1.5', 'limit=ten']) {
    const r = await t.api.get(`/users?${q}`);
    assert.equal(r.status, 400, q);
    assert.match(r.body.message, /offset|limit/);
  }
});

test('GET /users: name_filter (case-insensitive substring) and sort', async () => {
  await t.createUsers('zeta-x', 'alpha-x', 'mid-x');
  const r = await t.api.call('GET', '/users?name_filter=-X&sort=name', undefined, PAGINATION);
  assert.deepEqual(names(r.body.items), ['alpha-x', 'mid-x', 'zeta-x']);
  assert.equal(r.body._pagination.total, 3);
  const desc = await t.api.get('/users?name_filter=-x&sort=-name');
  assert.deepEqual(names(desc.body), ['zeta-x', 'mid-x', 'alpha-x']);
  const byId = await t.api.get('/users?name_filter=-x&sort=id');
  assert.deepEqual(names(byId.body), ['zeta-x', 'alpha-x', 'mid-x']);
  const bad = await t.api.get('/users?sort=age');
  assert.equal(bad.status, 400);
});

test('GET /users: state=active|ready|inactive, unknown state → 400', async () => {
  await t.createUsers('runner', 'idler');
  const start = await t.api.call('POST', '/users/runner/server');
  assert.equal(start.status, 201);
  const q = async (state: string) => names((await t.api.call('GET', `/users?state=${state}&name_filter=er&limit=200`, undefined, PAGINATION)).body.items);
  assert.deepEqual(await q('ready'), ['runner']);
  assert.deepEqual(await q('active'), ['runner']);
  const inactive = await q('inactive');
  assert.ok(inactive.includes('idler') && !inactive.includes('runner'));
  const ready = (await t.api.get('/users?state=ready')).body;
  assert.equal(ready.length, 1);
  assert.equal(ready[0].servers[''].ready, true);
  const bad = await t.api.get('/users?state=sleeping');
  assert.equal(bad.status, 400);
  assert.match(bad.body.message, /state/);
  assert.equal((await t.api.call('DELETE', '/users/runner/server')).status, 204);
  assert.deepEqual(await q('ready'), []);
  // a stopped server only shows with include_stopped_servers
  assert.deepEqual((await t.api.get('/users/runner')).body.servers, {});
  const withStopped = (await t.api.get('/users/runner?include_stopped_servers=1')).body.servers;
  assert.equal(withStopped[''].stopped, true);
  assert.equal(withStopped[''].ready, false);
});

test('DELETE /users/{name} stops a running server first', async () => {
  await t.createUsers('goner');
  assert.equal((await t.api.call('POST', '/users/goner/server')).status, 201);
  assert.equal(t.hub.servers.isReady('goner', ''), true);
  assert.equal((await t.api.call('DELETE', '/users/goner')).status, 204);
  assert.equal(t.hub.servers.phase('goner', ''), 'stopped');
  assert.equal((await t.api.get('/users/goner')).status, 404);
});
