// `!group=` grants on servers: a TA holding access:servers!group=class (hub.loadRoles) passes the
// hub's OAuth authorize for a class member's server, and the OAuth token the server gets keeps
// access:servers!server=<member>/ in /hub/api/user (what jupyterhub-singleuser checks); a server
// of someone outside the group stays refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, login, get, type TestHub } from './support.ts';

let t: TestHub;

before(async () => {
  t = await startTestHub({
    config: { hub: { loadRoles: { tas: { scopes: ['access:servers!group=class'], users: ['ta'] } } } },
  });
  await t.createUsers('ta', 'student', 'outsider');
  assert.equal((await t.api.call('POST', '/groups/class', { users: ['student'] })).status, 201);
  for (const u of ['student', 'outsider']) assert.equal((await t.api.call('POST', `/users/${u}/server`)).status, 201);
});

after(async () => {
  await t?.close();
});

test("a TA's group grant reaches the member's server through OAuth, not an outsider's", async () => {
  const env = (await (await get(`${t.url}user/student/env`)).json()) as Record<string, string>;
  const jar = await login(t.url, 'ta');
  const q = new URLSearchParams({ client_id: env.JUPYTERHUB_CLIENT_ID, redirect_uri: env.JUPYTERHUB_OAUTH_CALLBACK_URL, response_type: 'code', state: 'S' });
  const page = await jar.fetch(`${t.url}hub/api/oauth2/authorize?${q}`);
  const html = await page.text();
  assert.equal(page.status, 200, html.slice(0, 300));
  const action = /<form method="post" action="([^"]*)"/.exec(html)![1].replace(/&amp;/g, '&');
  const xsrf = /name="_xsrf" value="([^"]*)"/.exec(html)![1];
  const res = await jar.fetch(new URL(action, t.url).toString(), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _xsrf: xsrf }).toString(),
  });
  await res.arrayBuffer();
  assert.equal(res.status, 302);
  const code = new URL(res.headers.get('location')!, t.url).searchParams.get('code')!;
  const tok = await fetch(`${env.JUPYTERHUB_API_URL}/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: env.JUPYTERHUB_CLIENT_ID,
      client_secret: env.JUPYTERHUB_API_TOKEN,
      grant_type: 'authorization_code',
      code,
      redirect_uri: env.JUPYTERHUB_OAUTH_CALLBACK_URL,
    }).toString(),
  });
  const { access_token } = (await tok.json()) as { access_token: string };
  const me = (await (await get(`${t.url}hub/api/user`, { authorization: `token ${access_token}` })).json()) as { name: string; scopes: string[] };
  assert.equal(me.name, 'ta');
  assert.ok(me.scopes.includes('access:servers!server=student/'), JSON.stringify(me.scopes));

  const outsider = (await (await get(`${t.url}user/outsider/env`)).json()) as Record<string, string>;
  const q2 = new URLSearchParams({ client_id: outsider.JUPYTERHUB_CLIENT_ID, redirect_uri: outsider.JUPYTERHUB_OAUTH_CALLBACK_URL, response_type: 'code', state: 'S' });
  const refused = await jar.fetch(`${t.url}hub/api/oauth2/authorize?${q2}`);
  await refused.arrayBuffer();
  assert.equal(refused.status, 403);
});
