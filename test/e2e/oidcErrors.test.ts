// Everything that can go wrong in an OpenID Connect login, through a running hub and a real
// provider: state mismatch, a replayed code, a callback from another browser, consent refused,
// the provider down, a wrong client secret, user info without the username claim. Each gives a
// clear page with its own status (never a 500, never a stack trace) and a log line naming the
// cause; no log line holds the client secret or a token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFile } from 'node:fs/promises';
import { freePort, startNbhub, type NbhubProcess } from '../support/nbhubProcess.ts';
import { startOidcProvider, type TestOidcProvider } from '../support/oidcProvider.ts';
import { oidcHubConfig, type OidcHubConfigOptions } from '../support/oidcHubConfig.ts';
import { finishHubLogin, hubOidcLogin, isCallback, startHubLogin, type HubAnswer } from '../support/hubOidcLogin.ts';

let idp: TestOidcProvider;
const hubs: NbhubProcess[] = [];
const ports: number[] = [];

before(async () => {
  for (let i = 0; i < 4; i++) ports.push(await freePort());
  idp = await startOidcProvider({ redirectUris: ports.map((p) => `http://127.0.0.1:${p}/hub/oauth_callback`) });
});

after(async () => {
  for (const h of hubs) await h.stop();
  await idp?.stop();
});

async function hub(i: number, o: OidcHubConfigOptions): Promise<NbhubProcess> {
  const h = await startNbhub({ name: `oidc-errors-${i}`, port: ports[i], configYaml: oidcHubConfig(idp, { auth: ['allowed:', '  all: true'], ...o }).yaml });
  hubs.push(h);
  return h;
}

function assertErrorPage(a: HubAnswer, status: number, text: RegExp): void {
  assert.equal(a.status, status, a.body.slice(0, 500));
  const message = /<p id="error-message">([^<]*)<\/p>/.exec(a.body)?.[1] ?? '';
  assert.match(message, text);
  assert.doesNotMatch(a.body, /\bat .*\.ts:\d+|Error:|stack/i, 'no stack trace on the page');
  assert.match(a.body, /id="sign_in_again"/);
}

async function logOf(h: NbhubProcess): Promise<string> {
  return readFile(h.logFile, 'utf8');
}

test('a good login works; a tampered state, a replayed code and a callback without the login cookie are refused with 400', async () => {
  const h = await hub(0, {});
  const ok = await hubOidcLogin(h.url, 'alice', { next: '/hub/home' });
  assert.equal(ok.status, 302, ok.body.slice(0, 300));
  assert.equal(ok.location, '/hub/home');
  assert.ok(ok.cookies.some((c) => c.startsWith('jupyterhub-hub-login=')));

  const started = await startHubLogin(h.url, 'bob');
  assert.ok(isCallback(started));
  const tampered = new URL(started.callbackUrl);
  tampered.searchParams.set('state', 'forged');
  assertErrorPage(await finishHubLogin({ ...started, callbackUrl: tampered.href }), 400, /state mismatch/);

  const fresh = await startHubLogin(h.url, 'bob');
  assert.ok(isCallback(fresh));
  assertErrorPage(await finishHubLogin(fresh, ''), 400, /not started in this browser/);
  const first = await finishHubLogin(fresh);
  assert.equal(first.status, 302);
  // the same callback again, with the same cookie a browser could have kept: the code is spent
  assertErrorPage(await finishHubLogin(fresh), 400, /expired or was already used/);

  const refused = await hubOidcLogin(h.url, 'carol', { consent: false });
  assertErrorPage(refused, 403, /did not sign you in/);

  const log = await logOf(h);
  assert.match(log, /OAuth state mismatch/);
  assert.match(log, /invalid_grant/);
  assert.match(log, /OAuth state cookie missing/);
  assert.match(log, /error=access_denied/);
});

test('a wrong client secret: 502 page, the log names the client credentials', async () => {
  const h = await hub(1, { clientSecret: 'wrong-secret-value' });
  assertErrorPage(await hubOidcLogin(h.url, 'alice'), 502, /client credentials/);
  assert.match(await logOf(h), /invalid_client/);
  assert.equal((await logOf(h)).includes('wrong-secret-value'), false);
});

test('user info without the username claim: 502 page naming the missing user name', async () => {
  const h = await hub(2, { oidc: ['usernameClaim: nickname'] });
  assertErrorPage(await hubOidcLogin(h.url, 'alice'), 502, /user name/);
  assert.match(await logOf(h), /no usable \\"nickname\\" claim/);
});

test('the provider down: 502 page at /hub/oauth_login, the log names the address and the cause', async () => {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const deadPort = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  const h = await hub(3, { issuer: `http://127.0.0.1:${deadPort}` });
  const started = await startHubLogin(h.url, 'alice');
  assert.ok(!isCallback(started));
  assertErrorPage(started, 502, /could not be reached/);
  assert.match(await logOf(h), new RegExp(`unreachable: http://127.0.0.1:${deadPort}/.well-known/openid-configuration: ECONNREFUSED`));
});

test('no hub log holds the client secret or any token the provider issued', async () => {
  const secrets = [idp.clientSecret, ...idp.issuedTokens()];
  assert.ok(secrets.length > 3);
  for (const h of hubs) {
    const log = await logOf(h);
    assert.doesNotMatch(log, /"level":50/, `an error-level line in ${h.logFile}`);
    for (const s of secrets) assert.equal(log.includes(s), false, `a secret or token in ${h.logFile}`);
  }
});
