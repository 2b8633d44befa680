// Refresh with a real OpenID Connect provider and auth state on: before a spawn the hub re-checks
// the stored access token; when the provider no longer accepts it the refresh token gets a new
// one, which is what reaches the server (singleuser.authStateEnv). Once the refresh token is
// revoked too, the spawn is refused until the user logs in again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { freePort, startNbhub, type NbhubProcess } from '../support/nbhubProcess.ts';
import { startOidcProvider, type TestOidcProvider } from '../support/oidcProvider.ts';
import { oidcHubConfig } from '../support/oidcHubConfig.ts';
import { hubOidcLogin } from '../support/hubOidcLogin.ts';
import { HubApi } from '../support/hubApi.ts';
import { runInKernel } from '../support/jupyterKernel.ts';

let idp: TestOidcProvider;
let hub: NbhubProcess;
let api: HubApi;

before(async () => {
  const port = await freePort();
  idp = await startOidcProvider({ redirectUris: [`http://127.0.0.1:${port}/hub/oauth_callback`] });
  const { yaml, serviceToken } = oidcHubConfig(idp, {
    auth: ['allowed:', '  users: [alice]', 'state:', '  enabled: true'],
    singleuser: ['startTimeout: 120', 'httpTimeout: 120', 'authStateEnv:', '  ACCESS_TOKEN: access_token'],
  });
  hub = await startNbhub({ name: 'oidc-refresh', port, configYaml: yaml, env: { NBHUB_CRYPT_KEY: randomBytes(32).toString('hex') } });
  api = new HubApi(hub.url, serviceToken);
});

after(async () => {
  await api?.call('DELETE', '/users/alice/server').catch(() => undefined);
  await hub?.stop();
  await idp?.stop();
});

test('an access token the provider refuses is replaced through the refresh token before a spawn, and the server gets the new one', async () => {
  assert.equal((await hubOidcLogin(hub.url, 'alice')).status, 302);
  const [loginToken] = idp.accessTokensOf('alice');
  assert.ok(loginToken);
  const refreshesBefore = idp.counts.refreshToken;
  assert.ok((await idp.revokeAccessTokens('alice')) >= 1);

  await api.startServer('alice');
  assert.equal(idp.counts.refreshToken, refreshesBefore + 1, 'one refresh_token grant before the spawn');
  const [renewed] = idp.accessTokensOf('alice');
  assert.ok(renewed && renewed !== loginToken);

  const token = (await api.call('POST', '/users/alice/tokens', { note: 'refresh e2e' })).body.token as string;
  const out = await runInKernel(hub.url, 'alice', token, 'import os; print(os.environ.get("ACCESS_TOKEN", "-"))');
  assert.equal(out.error, null);
  assert.equal(out.stdout.trim() === renewed, true, 'the server has the refreshed access token');
  const stop = await api.call('DELETE', '/users/alice/server');
  assert.ok(stop.status === 202 || stop.status === 204);
  await api.until('alice’s server to stop', async () => (await api.get('/users/alice')).body.server === null);
});

test('with the refresh token revoked as well, the spawn is refused until alice logs in again', async () => {
  await idp.revokeAccessTokens('alice');
  await idp.revokeRefreshTokens('alice');
  const refused = await api.call('POST', '/users/alice/server');
  assert.equal(refused.status, 403, JSON.stringify(refused.body));
  assert.match(String(refused.body.message), /log in again|sign in again/i);

  assert.equal((await hubOidcLogin(hub.url, 'alice')).status, 302);
  await api.startServer('alice');
  await api.call('DELETE', '/users/alice/server');
});
