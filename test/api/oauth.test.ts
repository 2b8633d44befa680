// The OAuth 2 flow exactly as a single-user server drives it (protocol.md §2.1–2.4, §2.7),
// done by hand with fetch: authorize (cookie login) → code → token exchange → /hub/api/user.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, get, login, CookieJar, type TestHub } from './support.ts';

let t: TestHub;
let env: Record<string, string>;

before(async () => {
  t = await startTestHub();
  await t.createUsers('alice', 'bob', 'admin1');
  await t.api.call('PATCH', '/users/admin1', { admin: true });
  const r = await t.api.call('POST', '/users/alice/server');
  assert.equal(r.status, 201);
  // the server's environment, as the fixture reports it through the proxy
  env = (await (await get(`${t.url}user/alice/env`)).json()) as Record<string, string>;
});

after(async () => {
  await t?.close();
});

function authorizeUrl(o: { clientId?: string; redirectUri?: string; state?: string; scope?: string } = {}): string {
  const q = new URLSearchParams({
    client_id: o.clientId ?? env.JUPYTERHUB_CLIENT_ID,
    redirect_uri: o.redirectUri ?? env.JUPYTERHUB_OAUTH_CALLBACK_URL,
    response_type: 'code',
    state: o.state ?? 'A2frRbmgh5OLtmDgQmHoHw',
  });
  if (o.scope !== undefined) q.set('scope', o.scope);
  return `${t.url}hub/api/oauth2/authorize?${q}`;
}

/** The token request as jupyterhub-singleuser sends it: form body + an unrelated Authorization header. */
function exchange(code: string, o: { secret?: string; redirectUri?: string } = {}): Promise<Response> {
  return fetch(`${env.JUPYTERHUB_API_URL}/oauth2/token`, {
    method: 'POST',
    headers: { Authorization: `token ${env.JUPYTERHUB_API_TOKEN}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: env.JUPYTERHUB_CLIENT_ID,
      client_secret: o.secret ?? env.JUPYTERHUB_API_TOKEN,
      grant_type: 'authorization_code',
      code,
      redirect_uri: o.redirectUri ?? env.JUPYTERHUB_OAUTH_CALLBACK_URL,
    }).toString(),
  });
}

/** Logs `user` in and authorizes alice's server client; returns the code. */
async function codeFor(jar: CookieJar, state = 'S1'): Promise<string> {
  const res = await jar.fetch(authorizeUrl({ state }));
  await res.arrayBuffer();
  assert.equal(res.status, 302);
  const loc = new URL(res.headers.get('location')!, t.url);
  assert.equal(loc.pathname, '/user/alice/oauth_callback');
  assert.equal(loc.searchParams.get('state'), state);
  return loc.searchParams.get('code')!;
}

test('the server environment names its OAuth client', () => {
  assert.equal(env.JUPYTERHUB_CLIENT_ID, 'jupyterhub-user-alice');
  assert.equal(env.JUPYTERHUB_OAUTH_CALLBACK_URL, '/user/alice/oauth_callback');
  assert.equal(env.JUPYTERHUB_API_URL, `${t.hub.hubUrl}/hub/api`);
  assert.deepEqual(JSON.parse(env.JUPYTERHUB_OAUTH_ACCESS_SCOPES), ['access:servers!server=alice/', 'access:servers!user=alice']);
});

test('not logged in: authorize redirects to the login page with the full authorize URI as next', async () => {
  const url = authorizeUrl();
  const res = await get(url);
  await res.arrayBuffer();
  assert.equal(res.status, 302);
  const loc = new URL(res.headers.get('location')!, t.url);
  assert.equal(loc.pathname, '/hub/login');
  const u = new URL(url);
  assert.equal(loc.searchParams.get('next'), `${u.pathname}${u.search}`);
});

test('the whole flow: login form → authorize → code + state → token → /hub/api/user', async () => {
  const jar = new CookieJar();
  // 1. authorize bounces to login; 2. the login form sends us back to authorize
  const first = await jar.fetch(authorizeUrl({ state: 'x'.repeat(400) }));
  await first.arrayBuffer();
  const loginUrl = new URL(first.headers.get('location')!, t.url);
  const form = await jar.fetch(loginUrl.toString());
  await form.text();
  const posted = await jar.fetch(loginUrl.toString(), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: 'alice', password: 'pw', _xsrf: jar.get('_xsrf')! }).toString(),
  });
  await posted.arrayBuffer();
  assert.equal(posted.status, 302);
  const back = new URL(posted.headers.get('location')!, t.url);
  assert.equal(back.pathname, '/hub/api/oauth2/authorize');
  // 3. authorize, now logged in: no consent for her own server, 302 with code + state
  const auth = await jar.fetch(back.toString());
  await auth.arrayBuffer();
  assert.equal(auth.status, 302);
  const cb = new URL(auth.headers.get('location')!, t.url);
  assert.equal(cb.pathname, '/user/alice/oauth_callback');
  assert.equal(cb.searchParams.get('state'), 'x'.repeat(400), 'state echoed untouched');
  const code = cb.searchParams.get('code')!;
  assert.ok(code);
  // 4. the server exchanges the code (form-body client credentials)
  const tok = await exchange(code);
  assert.equal(tok.status, 200);
  assert.equal(tok.headers.get('cache-control'), 'no-store');
  assert.equal(tok.headers.get('pragma'), 'no-cache');
  const body = (await tok.json()) as Record<string, unknown>;
  assert.equal(typeof body.access_token, 'string');
  assert.equal(body.token_type, 'Bearer');
  assert.equal(typeof body.expires_in, 'number');
  assert.ok(!('refresh_token' in body));
  // 5. who is this token?
  const me = await get(`${env.JUPYTERHUB_API_URL}/user`, { authorization: `token ${body.access_token}` });
  assert.equal(me.status, 200);
  const model = (await me.json()) as Record<string, unknown>;
  assert.equal(model.kind, 'user');
  assert.equal(model.name, 'alice');
  assert.equal(model.admin, false);
  assert.deepEqual(model.groups, []);
  assert.deepEqual(model.scopes, ['access:servers!server=alice/', 'read:users:groups!user=alice', 'read:users:name!user=alice']);
  assert.equal(model.session_id, jar.get('jupyterhub-session-id'));
  assert.match(String(model.token_id), /^a\d+$/);
  // the token is listed as alice's, tagged with the client and the session
  const listed = ((await t.api.get('/users/alice/tokens')).body.api_tokens as Record<string, unknown>[]).find((x) => x.id === model.token_id)!;
  assert.equal(listed.oauth_client, 'jupyterhub-user-alice');
  assert.equal(listed.session_id, model.session_id);
});

test('reusing a code → 400 invalid_grant', async () => {
  const jar = await login(t.url, 'alice');
  const code = await codeFor(jar);
  const ok = await exchange(code);
  assert.equal(ok.status, 200);
  await ok.arrayBuffer();
  const again = await exchange(code);
  assert.equal(again.status, 400);
  assert.equal(((await again.json()) as { error: string }).error, 'invalid_grant');
  const bogus = await exchange('not-a-code');
  assert.equal(bogus.status, 400);
  assert.equal(((await bogus.json()) as { error: string }).error, 'invalid_grant');
});

test('token endpoint: wrong client secret or redirect_uri is refused with an RFC 6749 error', async () => {
  const jar = await login(t.url, 'alice');
  const wrongSecret = await exchange(await codeFor(jar), { secret: 'f'.repeat(32) });
  assert.ok(wrongSecret.status === 400 || wrongSecret.status === 401, String(wrongSecret.status));
  assert.equal(((await wrongSecret.json()) as { error: string }).error, 'invalid_client');
  const wrongRedirect = await exchange(await codeFor(jar), { redirectUri: '/user/alice/elsewhere' });
  assert.equal(wrongRedirect.status, 400);
  assert.ok(((await wrongRedirect.json()) as { error: string }).error);
});

test('authorize with a wrong redirect_uri or unknown client → 400 page at the hub, no redirect', async () => {
  const jar = await login(t.url, 'alice');
  for (const url of [
    authorizeUrl({ redirectUri: 'https://evil.example/cb' }),
    authorizeUrl({ redirectUri: '/user/alice/oauth_callback/' }),
    authorizeUrl({ clientId: 'jupyterhub-user-nobody' }),
  ]) {
    const res = await jar.fetch(url);
    assert.equal(res.status, 400, url);
    assert.equal(res.headers.get('location'), null);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    await res.arrayBuffer();
  }
});

test("authorize with another user's server client → 403", async () => {
  const jar = await login(t.url, 'bob');
  const res = await jar.fetch(authorizeUrl());
  assert.equal(res.status, 403);
  assert.equal(res.headers.get('location'), null);
  assert.match(await res.text(), /do not have permission/);
});

test('a scope beyond what the client may get → redirect back with error=invalid_scope and the state', async () => {
  const jar = await login(t.url, 'alice');
  const res = await jar.fetch(authorizeUrl({ scope: 'admin:users', state: 'S-scope' }));
  await res.arrayBuffer();
  assert.equal(res.status, 302);
  const loc = new URL(res.headers.get('location')!, t.url);
  assert.equal(loc.pathname, '/user/alice/oauth_callback');
  assert.equal(loc.searchParams.get('error'), 'invalid_scope');
  assert.equal(loc.searchParams.get('state'), 'S-scope');
  assert.equal(loc.searchParams.get('code'), null);
  // the deprecated `identify` is ignored: a normal code
  const ok = await jar.fetch(authorizeUrl({ scope: 'identify' }));
  await ok.arrayBuffer();
  assert.ok(new URL(ok.headers.get('location')!, t.url).searchParams.get('code'));
});

test("an admin opening someone else's server gets a consent page; its form (with _xsrf) yields the code", async () => {
  const jar = await login(t.url, 'admin1');
  const page = await jar.fetch(authorizeUrl({ state: 'S-admin' }));
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /Authorize access/);
  assert.match(html, /access:servers!server=alice\//);
  const action = /<form method="post" action="([^"]*)"/.exec(html)![1].replace(/&amp;/g, '&');
  const xsrf = /name="_xsrf" value="([^"]*)"/.exec(html)![1];
  const noXsrf = await jar.fetch(new URL(action, t.url).toString(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
  assert.equal(noXsrf.status, 403);
  await noXsrf.arrayBuffer();
  const res = await jar.fetch(new URL(action, t.url).toString(), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _xsrf: xsrf }).toString(),
  });
  await res.arrayBuffer();
  assert.equal(res.status, 302);
  const cb = new URL(res.headers.get('location')!, t.url);
  assert.equal(cb.pathname, '/user/alice/oauth_callback');
  assert.equal(cb.searchParams.get('state'), 'S-admin');
  const tok = (await (await exchange(cb.searchParams.get('code')!)).json()) as { access_token: string };
  const me = (await (await get(`${t.url}hub/api/user`, { authorization: `token ${tok.access_token}` })).json()) as { name: string; scopes: string[] };
  assert.equal(me.name, 'admin1');
  assert.deepEqual(me.scopes, ['access:servers!server=alice/', 'read:users:groups!user=admin1', 'read:users:name!user=admin1']);
});

test('authorize sets jupyterhub-session-id when the browser has none', async () => {
  const jar = await login(t.url, 'alice');
  const loginSession = jar.get('jupyterhub-session-id');
  assert.match(String(loginSession), /^[0-9a-f]{32}$/);
  // a browser that dropped the session-id cookie
  const bare = new CookieJar();
  const res = await fetch(authorizeUrl(), { headers: { cookie: `jupyterhub-hub-login=${jar.get('jupyterhub-hub-login')}` }, redirect: 'manual' });
  bare.take(res);
  await res.arrayBuffer();
  assert.equal(res.status, 302);
  assert.match(String(bare.get('jupyterhub-session-id')), /^[0-9a-f]{32}$/);
});

test('logout deletes the tokens of that session (and only those)', async () => {
  const jar1 = await login(t.url, 'alice');
  const jar2 = await login(t.url, 'alice');
  assert.notEqual(jar1.get('jupyterhub-session-id'), jar2.get('jupyterhub-session-id'));
  const tokenOf = async (jar: CookieJar) => ((await (await exchange(await codeFor(jar))).json()) as { access_token: string }).access_token;
  const t1 = await tokenOf(jar1);
  const t2 = await tokenOf(jar2);
  const status = async (tok: string) => {
    const r = await get(`${t.url}hub/api/user`, { authorization: `token ${tok}` });
    await r.arrayBuffer();
    return r.status;
  };
  assert.equal(await status(t1), 200);
  const out = await jar1.fetch(`${t.url}hub/logout`);
  await out.arrayBuffer();
  assert.equal(out.status, 302);
  assert.equal(new URL(out.headers.get('location')!, t.url).pathname, '/hub/login');
  assert.equal(jar1.get('jupyterhub-hub-login'), undefined, 'login cookie cleared');
  assert.equal(await status(t1), 403);
  assert.equal(await status(t2), 200, 'the other session keeps its token');
  // the logged-out browser must log in again to authorize
  const again = await jar1.fetch(authorizeUrl());
  await again.arrayBuffer();
  assert.equal(new URL(again.headers.get('location')!, t.url).pathname, '/hub/login');
});

test("stopping the server revokes its client and the OAuth tokens it was given", async () => {
  const jar = await login(t.url, 'alice');
  const token = ((await (await exchange(await codeFor(jar))).json()) as { access_token: string }).access_token;
  assert.equal((await t.api.call('DELETE', '/users/alice/server')).status, 204);
  const me = await get(`${t.url}hub/api/user`, { authorization: `token ${token}` });
  assert.equal(me.status, 403);
  await me.arrayBuffer();
  const res = await jar.fetch(authorizeUrl());
  assert.equal(res.status, 400, 'the client is gone');
  await res.arrayBuffer();
});
