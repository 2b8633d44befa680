// The hub's pages around an identity-provider login: auth.autoLogin sends /hub/login straight to
// the provider (keeping next), and /hub/logout ends the session and sends the browser to the
// provider section's logoutRedirectUrl.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, startNbhub, type NbhubProcess } from '../support/nbhubProcess.ts';
import { startOidcProvider, type TestOidcProvider } from '../support/oidcProvider.ts';
import { oidcHubConfig } from '../support/oidcHubConfig.ts';
import { hubOidcLogin } from '../support/hubOidcLogin.ts';

let idp: TestOidcProvider;
let hub: NbhubProcess;
const BYE = 'http://127.0.0.1:1/signed-out';

before(async () => {
  const port = await freePort();
  idp = await startOidcProvider({ redirectUris: [`http://127.0.0.1:${port}/hub/oauth_callback`] });
  const { yaml } = oidcHubConfig(idp, { auth: ['autoLogin: true', 'allowed:', '  all: true'], oidc: [`logoutRedirectUrl: ${BYE}`] });
  hub = await startNbhub({ name: 'oidc-pages', port, configYaml: yaml });
});

after(async () => {
  await hub?.stop();
  await idp?.stop();
});

test('autoLogin: /hub/login goes straight to the provider, keeping next', async () => {
  const login = await fetch(`${hub.url}hub/login?next=${encodeURIComponent('/hub/home')}`, { redirect: 'manual' });
  assert.equal(login.status, 302);
  assert.equal(login.headers.get('location'), `/hub/oauth_login?next=${encodeURIComponent('/hub/home')}`);
  const start = await fetch(new URL(login.headers.get('location')!, hub.url), { redirect: 'manual' });
  assert.equal(start.status, 302);
  const to = new URL(start.headers.get('location')!);
  assert.equal(to.origin, idp.issuer);
  assert.equal(to.searchParams.get('code_challenge_method'), 'S256');
  // the pending login travels in a signed, HttpOnly, SameSite=Lax cookie with a lifetime
  const cookie = start.headers.getSetCookie().find((c) => c.startsWith('nbhub-oauth-state='));
  assert.ok(cookie);
  assert.match(cookie, /HttpOnly/i);
  assert.match(cookie, /SameSite=Lax/i);
  assert.match(cookie, /Max-Age=600/i);
});

test('logout ends the hub session and goes to logoutRedirectUrl', async () => {
  const r = await hubOidcLogin(hub.url, 'alice', { next: '/hub/home' });
  assert.equal(r.status, 302);
  const cookie = r.cookies.join('; ');
  assert.equal((await fetch(`${hub.url}hub/home`, { headers: { cookie }, redirect: 'manual' })).status, 200);
  const out = await fetch(`${hub.url}hub/logout`, { headers: { cookie }, redirect: 'manual' });
  assert.equal(out.status, 302);
  assert.equal(out.headers.get('location'), BYE);
  const after = await fetch(`${hub.url}hub/home`, { headers: { cookie }, redirect: 'manual' });
  assert.equal(after.status, 302, 'the old session cookie no longer works');
});
