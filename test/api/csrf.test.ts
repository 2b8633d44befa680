// CSRF and cookies (protocol.md §2.6, §6.1): forms and cookie-authenticated API calls must
// echo the `_xsrf` cookie; token-authenticated calls need not; cookie names and paths.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, login, CookieJar, type TestHub } from './support.ts';

let t: TestHub;

before(async () => {
  t = await startTestHub();
  await t.createUsers('alice');
});

after(async () => {
  await t?.close();
});

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

test('login POST without _xsrf (or with a wrong one) → 403 and no session', async () => {
  // no cookie, no field
  const bare = await fetch(`${t.url}hub/login`, {
    method: 'POST',
    headers: FORM,
    body: 'username=alice&password=x',
    redirect: 'manual',
  });
  assert.equal(bare.status, 403);
  assert.ok(!bare.headers.getSetCookie().some((c) => c.startsWith('jupyterhub-hub-login=')));
  await bare.arrayBuffer();
  // cookie but no field, and a field that does not match the cookie
  const jar = new CookieJar();
  await (await jar.fetch(`${t.url}hub/login`)).arrayBuffer();
  for (const extra of [{}, { _xsrf: 'A'.repeat(32) }] as Record<string, string>[]) {
    const res = await jar.fetch(`${t.url}hub/login`, {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({ username: 'alice', password: 'x', ...extra }).toString(),
    });
    assert.equal(res.status, 403, JSON.stringify(extra));
    await res.arrayBuffer();
    assert.equal(jar.get('jupyterhub-hub-login'), undefined);
  }
});

test('login cookies: hub-login and _xsrf at /hub/, session-id at /', async () => {
  const jar = new CookieJar();
  const page = await jar.fetch(`${t.url}hub/login`);
  await page.arrayBuffer();
  const xsrfCookie = page.headers.getSetCookie().find((c) => c.startsWith('_xsrf='))!;
  assert.match(xsrfCookie, /Path=\/hub\//);
  const res = await jar.fetch(`${t.url}hub/login`, {
    method: 'POST',
    headers: FORM,
    body: new URLSearchParams({ username: 'alice', password: 'x', _xsrf: jar.get('_xsrf')! }).toString(),
  });
  await res.arrayBuffer();
  assert.equal(res.status, 302);
  const cookies = res.headers.getSetCookie();
  const loginCookie = cookies.find((c) => c.startsWith('jupyterhub-hub-login='))!;
  assert.match(loginCookie, /Path=\/hub\//);
  assert.match(loginCookie, /HttpOnly/i);
  const sid = cookies.find((c) => c.startsWith('jupyterhub-session-id='))!;
  assert.match(sid, /^jupyterhub-session-id=[0-9a-f]{32};/);
  assert.match(sid, /Path=\/(;|$)/);
  assert.ok(!cookies.some((c) => c.startsWith('_xsrf=') && /Path=\/(;|$)/.test(c)), 'never an _xsrf cookie at /');
});

test('cookie-authenticated API calls need X-XSRFToken (or ?_xsrf); with it they work', async () => {
  const jar = await login(t.url, 'alice');
  const xsrf = jar.get('_xsrf')!;
  const api = (path: string, init: RequestInit = {}) => jar.fetch(`${t.url}hub/api${path}`, init);

  const noHeader = await api('/users/alice/server', { method: 'POST' });
  assert.equal(noHeader.status, 403);
  assert.equal(((await noHeader.json()) as { message: string }).message, 'Missing or invalid credentials.');
  const wrong = await api('/users/alice/server', { method: 'POST', headers: { 'X-XSRFToken': 'B'.repeat(32) } });
  assert.equal(wrong.status, 403);
  await wrong.arrayBuffer();
  assert.equal(t.hub.servers.phase('alice', ''), 'stopped', 'nothing was started');

  const ok = await api('/users/alice/server', { method: 'POST', headers: { 'X-XSRFToken': xsrf } });
  assert.equal(ok.status, 201);
  await ok.arrayBuffer();
  // GETs too (4.1+), via header or the _xsrf query parameter (EventSource)
  const getNo = await api('/users/alice');
  assert.equal(getNo.status, 403);
  await getNo.arrayBuffer();
  const getYes = await api('/users/alice', { headers: { 'X-XSRFToken': xsrf } });
  assert.equal(getYes.status, 200);
  assert.equal(((await getYes.json()) as { server: string }).server, '/user/alice/');
  const stream = await api(`/users/alice/server/progress?_xsrf=${encodeURIComponent(xsrf)}`);
  assert.equal(stream.status, 200);
  assert.match(await stream.text(), /"ready":true/);

  const stop = await api('/users/alice/server', { method: 'DELETE', headers: { 'X-XSRFToken': xsrf } });
  assert.equal(stop.status, 204);
  await stop.arrayBuffer();
});

test('token-authenticated calls skip the xsrf check, even with a login cookie present', async () => {
  const jar = await login(t.url, 'alice');
  const token = await t.tokenFor('alice');
  const res = await jar.fetch(`${t.url}hub/api/users/alice`, { headers: { Authorization: `token ${token}` } });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
});

test('logout clears the hub cookies', async () => {
  const jar = await login(t.url, 'alice');
  const res = await jar.fetch(`${t.url}hub/logout`);
  await res.arrayBuffer();
  assert.equal(res.status, 302);
  assert.equal(jar.get('jupyterhub-hub-login'), undefined);
  assert.equal(jar.get('jupyterhub-session-id'), undefined);
  const home = await jar.fetch(`${t.url}hub/home`);
  await home.arrayBuffer();
  assert.equal(home.status, 302);
  assert.match(home.headers.get('location') ?? '', /^\/hub\/login\?next=/);
});
