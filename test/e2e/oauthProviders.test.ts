// Named OAuth providers through a real nbhub process, with plain HTTP requests that follow
// redirects as a browser would: a GitHub Enterprise fake (organization membership, teams as
// hub groups), an Azure AD fake (the tenant's signed id_token, groups claim, another
// tenant refused) and a CILogon fake configured in z2jh's spelling (CILogonOAuthenticator
// with oauthenticator's allowed_idps: username derivation per identity provider). Users outside the rules get the 403 page; the client secret and the access
// tokens the fakes issued never reach the hub's log.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { startNbhub, type NbhubProcess } from '../support/nbhubProcess.ts';
import { HubApi } from '../support/hubApi.ts';
import { FakeGithub } from '../support/fakeProviders/github.ts';
import { FakeAzureAd } from '../support/fakeProviders/azuread.ts';
import { FakeCilogon } from '../support/fakeProviders/cilogon.ts';
import { CookieClient } from '../support/fakeProviders/browserlessClient.ts';
import type { OAuthFake } from '../support/fakeProviders/oauthFake.ts';

const secret = () => `cs-${randomBytes(18).toString('hex')}`;

function hubYaml(serviceToken: string, auth: string): string {
  return `${auth}
hub:
  services:
    e2e:
      apiToken: ${serviceToken}
      admin: true
`;
}

/** Logs `user` in at the hub through the fake; returns the last answer and the client (with its session cookie). */
async function login(hub: NbhubProcess, fake: OAuthFake, user: string) {
  fake.currentUser = user;
  const client = new CookieClient();
  const run = await client.follow(`${hub.url}hub/oauth_login`, { stop: (u) => u.pathname === '/hub/' || u.pathname.startsWith('/hub/spawn') });
  return { client, ...run };
}

async function assertNoSecretsInLog(hub: NbhubProcess, fake: OAuthFake, clientSecret: string): Promise<void> {
  const log = await readFile(hub.logFile, 'utf8');
  assert.ok(log.length > 0);
  assert.ok(!log.includes(clientSecret), 'the client secret is not in the hub log');
  assert.ok(fake.tokens.size > 0);
  for (const token of fake.tokens.keys()) assert.ok(!log.includes(token), 'no access token in the hub log');
}

describe('GitHub Enterprise login through a running hub', () => {
  const clientSecret = secret();
  const serviceToken = randomBytes(16).toString('hex');
  const fake = new FakeGithub('gh-e2e', clientSecret, [
    { login: 'ada', id: 1, email: 'ada@example.org', orgs: ['jupyterhub'], teams: ['jupyterhub:operators'] },
    { login: 'eve', id: 2, email: null, orgs: ['elsewhere'] },
  ]);
  let hub: NbhubProcess;

  before(async () => {
    await fake.start();
    hub = await startNbhub({
      name: 'oauth-github',
      configYaml: hubYaml(
        serviceToken,
        `auth:
  type: github
  manageGroups: true
  admin:
    groups: ["jupyterhub:operators"]
  github:
    clientId: gh-e2e
    clientSecret: ${clientSecret}
    githubUrl: ${fake.url}
    allowedOrganizations: [jupyterhub]
    populateTeamsInAuthState: true
    custom403Message: Ask to join the jupyterhub organization.`,
      ),
    });
  });
  after(async () => {
    await hub?.stop();
    await fake.stop();
  });

  it('a member of the allowed organization logs in; their team becomes a hub group that makes them admin', async () => {
    const run = await login(hub, fake, 'ada');
    const callback = run.hops.find((h) => h.url.includes('/hub/oauth_callback'));
    assert.ok(callback, `went through the callback: ${run.hops.map((h) => `${h.status} ${h.url}`).join(' → ')}`);
    assert.equal(callback.status, 302);
    assert.ok(run.hops.some((h) => h.url.startsWith(`${fake.url}/login/oauth/authorize`)), 'the browser was sent to the GitHub fake');
    const home = await run.client.get(`${hub.url}hub/home`);
    assert.equal(home.status, 200);
    assert.match(await home.text(), /ada/);
    const api = new HubApi(hub.url, serviceToken);
    const ada = await api.get('/users/ada');
    assert.equal(ada.status, 200);
    assert.deepEqual(ada.body.groups, ['jupyterhub:operators']);
    assert.equal(ada.body.admin, true);
  });

  it('a user outside the organization gets the 403 page with the custom message, and no account', async () => {
    const run = await login(hub, fake, 'eve');
    assert.equal(run.final.status, 403);
    assert.match(run.body, /Ask to join the jupyterhub organization\./);
    assert.equal((await new HubApi(hub.url, serviceToken).get('/users/eve')).status, 404);
  });

  it('no secret or token in the hub log', () => assertNoSecretsInLog(hub, fake, clientSecret));
});

describe('Azure AD login through a running hub', () => {
  const clientSecret = secret();
  const serviceToken = randomBytes(16).toString('hex');
  const TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
  const fake = new FakeAzureAd('azure-e2e', clientSecret, TENANT, [
    { oid: 'o-1', name: 'grace', preferredUsername: 'grace@contoso.example', groups: ['students'] },
    { oid: 'o-2', name: 'mallory', preferredUsername: 'mallory@fabrikam.example', tid: '11111111-2222-3333-4444-555555555555', groups: ['students'] },
    { oid: 'o-3', name: 'oscar', preferredUsername: 'oscar@contoso.example', groups: ['staff'] },
  ]);
  let hub: NbhubProcess;

  before(async () => {
    await fake.start();
    hub = await startNbhub({
      name: 'oauth-azuread',
      configYaml: hubYaml(
        serviceToken,
        `auth:
  type: azuread
  manageGroups: true
  allowed:
    groups: [students]
  azuread:
    clientId: azure-e2e
    clientSecret: ${clientSecret}
    tenantId: ${TENANT}
    loginUrl: ${fake.url}`,
      ),
    });
  });
  after(async () => {
    await hub?.stop();
    await fake.stop();
  });

  it('a member of an allowed group of the tenant logs in, with the groups of the id_token', async () => {
    const run = await login(hub, fake, 'o-1');
    assert.ok(run.hops.some((h) => h.url.startsWith(`${fake.url}/${TENANT}/oauth2/v2.0/authorize`)));
    assert.equal(run.hops.find((h) => h.url.includes('/hub/oauth_callback'))?.status, 302);
    const grace = await new HubApi(hub.url, serviceToken).get('/users/grace');
    assert.equal(grace.status, 200);
    assert.deepEqual(grace.body.groups, ['students']);
  });

  it('an account of another tenant and a user in no allowed group get the 403 page', async () => {
    const other = await login(hub, fake, 'o-2');
    assert.equal(other.final.status, 403);
    assert.match(other.body, /another organization/);
    const oscar = await login(hub, fake, 'o-3');
    assert.equal(oscar.final.status, 403);
    const api = new HubApi(hub.url, serviceToken);
    assert.equal((await api.get('/users/mallory')).status, 404);
    assert.equal((await api.get('/users/oscar')).status, 404);
  });

  it('no secret or token in the hub log', () => assertNoSecretsInLog(hub, fake, clientSecret));
});

describe('CILogon login through a running hub, configured with z2jh’s CILogonOAuthenticator traits', () => {
  const clientSecret = secret();
  const serviceToken = randomBytes(16).toString('hex');
  const UCHICAGO = 'urn:mace:incommon:uchicago.edu';
  const fake = new FakeCilogon('cilogon:/client_id/e2e', clientSecret, [
    { sub: 'c-jane', idp: UCHICAGO, eppn: 'jane@uchicago.edu', email: 'jane@uchicago.edu' },
    { sub: 'c-orcid', idp: 'http://orcid.org/oauth/authorize', eppn: 'x@orcid.org', email: 'x@example.org' },
  ]);
  let hub: NbhubProcess;

  before(async () => {
    await fake.start();
    hub = await startNbhub({
      name: 'oauth-cilogon',
      configYaml: hubYaml(
        serviceToken,
        `auth:
  type: custom
  custom:
    className: oauthenticator.cilogon.CILogonOAuthenticator
    config:
      client_id: "cilogon:/client_id/e2e"
      client_secret: ${clientSecret}
      cilogon_host: ${fake.url}
      allowed_idps:
        "${UCHICAGO}":
          username_derivation:
            username_claim: eppn
            action: strip_idp_domain
            domain: uchicago.edu
          allow_all: true`,
      ),
    });
  });
  after(async () => {
    await hub?.stop();
    await fake.stop();
  });

  it('a University of Chicago identity logs in as the eppn without its domain', async () => {
    const run = await login(hub, fake, 'c-jane');
    assert.equal(run.hops.find((h) => h.url.includes('/hub/oauth_callback'))?.status, 302);
    assert.equal((await new HubApi(hub.url, serviceToken).get('/users/jane')).status, 200);
    const authorize = fake.authorizeRequests.at(-1)?.params;
    assert.equal(authorize?.get('selected_idp'), UCHICAGO);
    assert.ok(authorize?.get('scope')?.split(' ').includes('org.cilogon.userinfo'));
  });

  it('an identity provider outside allowed_idps gets the 403 page', async () => {
    const run = await login(hub, fake, 'c-orcid');
    assert.equal(run.final.status, 403);
  });

  it('no secret or token in the hub log', () => assertNoSecretsInLog(hub, fake, clientSecret));
});
