// /hub/user/<name>/… (protocol.md §4.3), the catch-all redirect into /hub/ (§4.2), and `next`
// handling on /hub/login that never leaves this host.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, get, login, CookieJar, type TestHub } from './support.ts';

let t: TestHub;
let alice: CookieJar;

before(async () => {
  t = await startTestHub();
  await t.createUsers('alice', 'bob', 'runner');
  alice = await login(t.url, 'alice');
});

after(async () => {
  await t?.close();
});

const BROWSER = { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

test('paths outside /hub/ that reach the hub are redirected into /hub/ (slash added for /user/<name>)', async () => {
  for (const [from, to] of [
    ['user/alice/tree?x=1', '/hub/user/alice/tree?x=1'],
    ['user/alice', '/hub/user/alice/'],
    ['user/alice?a=b', '/hub/user/alice/?a=b'],
    ['', '/hub/'],
  ]) {
    const res = await get(`${t.url}${from}`);
    await res.arrayBuffer();
    assert.equal(res.status, 302, from);
    assert.equal(res.headers.get('location'), to, from);
  }
});

test('not logged in → login redirect with next', async () => {
  const res = await get(`${t.url}hub/user/alice/tree`, BROWSER);
  await res.arrayBuffer();
  assert.equal(res.status, 302);
  const loc = new URL(res.headers.get('location')!, t.url);
  assert.equal(loc.pathname, '/hub/login');
  assert.equal(loc.searchParams.get('next'), '/hub/user/alice/tree');
});

test('stopped server, browser: 424 HTML "not running" page with a launch link', async () => {
  const res = await alice.fetch(`${t.url}hub/user/alice/lab/tree/x.ipynb`, { headers: BROWSER });
  assert.equal(res.status, 424);
  assert.match(res.headers.get('content-type') ?? '', /text\/html/);
  const body = await res.text();
  assert.match(body, /not running/);
  assert.ok(body.includes(`/hub/spawn/alice?next=${encodeURIComponent('/hub/user/alice/lab/tree/x.ipynb')}`));
});

test('stopped server, API-looking request: 424 JSON (Accept: application/json, an api segment, or POST)', async () => {
  const cases: [string, RequestInit][] = [
    ['hub/user/alice/lab', { headers: { Accept: 'application/json' } }],
    ['hub/user/alice/api/contents', { headers: BROWSER }],
    ['hub/user/alice/api/kernels', {}],
    ['hub/user/alice/anything', { method: 'POST', headers: BROWSER }],
  ];
  for (const [path, init] of cases) {
    const res = await alice.fetch(`${t.url}${path}`, init);
    assert.equal(res.status, 424, path);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/, path);
    const body = (await res.json()) as { status: number; message: string };
    assert.equal(body.status, 424);
    assert.match(body.message, /no longer running at \/user\/alice\//);
    assert.match(body.message, /\/hub\/spawn\/alice/);
  }
});

test('token auth works on /hub/user/… too, and someone else\'s server is 404', async () => {
  const token = await t.tokenFor('alice');
  const own = await get(`${t.url}hub/user/alice/api/status`, { authorization: `token ${token}` });
  assert.equal(own.status, 424);
  await own.arrayBuffer();
  const other = await get(`${t.url}hub/user/bob/api/status`, { authorization: `token ${token}` });
  assert.equal(other.status, 404);
  await other.arrayBuffer();
  const cookie = await alice.fetch(`${t.url}hub/user/bob/tree`, { headers: BROWSER });
  assert.equal(cookie.status, 404);
  await cookie.arrayBuffer();
});

test('running server: 302 back to /user/<name>/… with a redirects counter; a loop is cut off', async () => {
  assert.equal((await t.api.call('POST', '/users/runner/server')).status, 201);
  const jar = await login(t.url, 'runner');
  const res = await jar.fetch(`${t.url}hub/user/runner/lab/tree?path=a%20b`, { headers: BROWSER });
  await res.arrayBuffer();
  assert.equal(res.status, 302);
  const loc = new URL(res.headers.get('location')!, t.url);
  assert.equal(loc.pathname, '/user/runner/lab/tree');
  assert.equal(loc.searchParams.get('path'), 'a b');
  assert.equal(loc.searchParams.get('redirects'), '1');
  const loop = await jar.fetch(`${t.url}hub/user/runner/lab?redirects=4`, { headers: BROWSER });
  assert.equal(loop.status, 500);
  assert.match(await loop.text(), /Redirect loop/);
  // the proxy routes the public path straight to the server
  const direct = await get(`${t.url}user/runner/`);
  assert.equal(direct.status, 200);
  assert.equal(await direct.text(), 'ok');
});

const EVIL_NEXT = [
  '//evil.example',
  '//evil.example/path',
  '///evil.example',
  'https://evil.example/',
  'http://evil.example',
  '/\\evil.example',
  '\\\\evil.example',
  '/\t/evil.example',
  'javascript:alert(1)',
  'https:evil.example',
  '//@evil.example',
  'evil.example',
];

function assertLocal(location: string | null, what: string): void {
  assert.ok(location, `${what}: no Location`);
  assert.ok(location.startsWith('/'), `${what}: ${location}`);
  assert.ok(!location.startsWith('//') && !location.startsWith('/\\'), `${what}: ${location}`);
  assert.ok(!/[\t\r\n]/.test(location), `${what}: ${JSON.stringify(location)}`);
  const resolved = new URL(location, t.url);
  assert.equal(resolved.origin, new URL(t.url).origin, `${what}: ${location}`);
}

test('/hub/login?next=… never redirects off-host (already logged in: GET redirects at once)', async () => {
  for (const next of EVIL_NEXT) {
    const res = await alice.fetch(`${t.url}hub/login?next=${encodeURIComponent(next)}`);
    await res.arrayBuffer();
    assert.equal(res.status, 302, next);
    assertLocal(res.headers.get('location'), next);
  }
  // a same-host absolute URL is reduced to its path
  const own = await alice.fetch(`${t.url}hub/login?next=${encodeURIComponent(`${t.url}hub/home?x=1`)}`);
  await own.arrayBuffer();
  assert.equal(own.headers.get('location'), '/hub/home?x=1');
  const plain = await alice.fetch(`${t.url}hub/login?next=${encodeURIComponent('/hub/home')}`);
  await plain.arrayBuffer();
  assert.equal(plain.headers.get('location'), '/hub/home');
});

test('/hub/login?next=… never redirects off-host after the login form either', async () => {
  for (const next of EVIL_NEXT) {
    const jar = new CookieJar();
    const form = await jar.fetch(`${t.url}hub/login?next=${encodeURIComponent(next)}`);
    const html = await form.text();
    assert.equal(form.status, 200);
    const action = /<form method="post" action="([^"]*)"/.exec(html)?.[1] ?? '';
    assert.ok(action.startsWith('/hub/login?') || action === '/hub/login', `form action ${action}`);
    const kept = new URL(action.replace(/&amp;/g, '&'), t.url).searchParams.get('next');
    if (kept !== null) assertLocal(kept, `form next for ${next}`);
    const res = await jar.fetch(`${t.url}hub/login?next=${encodeURIComponent(next)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'bob', password: 'x', _xsrf: jar.get('_xsrf')! }).toString(),
    });
    await res.arrayBuffer();
    assert.equal(res.status, 302, next);
    assertLocal(res.headers.get('location'), next);
  }
});
