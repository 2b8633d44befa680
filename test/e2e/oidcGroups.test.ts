// Groups from a real OpenID Connect provider's `groups` claim (auth.manageGroups): they become
// hub groups at each login; auth.allowed.groups admits, auth.admin.groups grants admin and
// revokes it once the user has left the group; a blocked user and a user outside every allow
// rule get the 403 page (the latter with the provider section's custom403Message).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, startNbhub, type NbhubProcess } from '../support/nbhubProcess.ts';
import { startOidcProvider, type TestOidcProvider } from '../support/oidcProvider.ts';
import { oidcHubConfig } from '../support/oidcHubConfig.ts';
import { hubOidcLogin, type HubAnswer } from '../support/hubOidcLogin.ts';
import { HubApi } from '../support/hubApi.ts';

const CUSTOM_403 = 'Ask the physics office for an account on this hub.';
let idp: TestOidcProvider;
let hub: NbhubProcess;
let api: HubApi;

before(async () => {
  const port = await freePort();
  idp = await startOidcProvider({ redirectUris: [`http://127.0.0.1:${port}/hub/oauth_callback`] });
  const { yaml, serviceToken } = oidcHubConfig(idp, {
    auth: ['manageGroups: true', 'allowed:', '  groups: [physics]', 'admin:', '  groups: [staff]', 'blocked:', '  users: [mallory]'],
    oidc: [`custom403Message: ${CUSTOM_403}`],
  });
  hub = await startNbhub({ name: 'oidc-groups', port, configYaml: yaml });
  api = new HubApi(hub.url, serviceToken);
});

after(async () => {
  await hub?.stop();
  await idp?.stop();
});

async function loginAs(user: string, groups: string[]): Promise<HubAnswer> {
  idp.accounts.set(user, { groups });
  return hubOidcLogin(hub.url, user);
}

async function hubUser(name: string): Promise<{ admin: boolean; groups: string[] } | null> {
  const r = await api.get(`/users/${name}`);
  return r.status === 200 ? { admin: r.body.admin, groups: [...r.body.groups].sort() } : null;
}

function errorMessage(a: HubAnswer): string {
  return /<p id="error-message">([^<]*)<\/p>/.exec(a.body)?.[1] ?? '';
}

test('the groups claim becomes hub groups; admin.groups grants admin, and leaving the group revokes it', async () => {
  assert.equal((await loginAs('alice', ['physics', 'staff'])).status, 302);
  assert.deepEqual(await hubUser('alice'), { admin: true, groups: ['physics', 'staff'] });

  assert.equal((await loginAs('alice', ['physics'])).status, 302);
  assert.deepEqual(await hubUser('alice'), { admin: false, groups: ['physics'] });
});

test('a member of an admin group is allowed without being in an allowed group', async () => {
  assert.equal((await loginAs('carol', ['staff'])).status, 302);
  assert.deepEqual(await hubUser('carol'), { admin: true, groups: ['staff'] });
});

test('a user outside every allow rule gets the 403 page with the custom message, and no hub account', async () => {
  const r = await loginAs('bob', ['chemistry']);
  assert.equal(r.status, 403);
  assert.equal(errorMessage(r), CUSTOM_403);
  assert.equal(await hubUser('bob'), null);
});

test('a blocked user gets the 403 page even in an allowed group', async () => {
  const r = await loginAs('mallory', ['physics']);
  assert.equal(r.status, 403);
  assert.match(errorMessage(r), /not allowed to log in/);
  assert.equal(await hubUser('mallory'), null);
});
