import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createOAuthAuthenticator } from '../engine.ts';
import { oauthSettings } from '../settings.ts';
import { azureadProvider, type AzureadSettings } from './azuread.ts';
import { FakeAzureAd } from '../../../../test/support/fakeProviders/azuread.ts';
import { loginAs, testPolicy, verdict } from '../../../../test/support/fakeProviders/login.ts';

const logger = pino({ level: 'silent' });
const CLIENT = { clientId: 'azure-client', clientSecret: 'azure-secret-0123456789' };
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER = '00000000-1111-2222-3333-444444444444';

describe('Azure AD provider against a one-tenant Entra ID fake (id_token as user info)', () => {
  const fake = new FakeAzureAd(CLIENT.clientId, CLIENT.clientSecret, TENANT, [
    { oid: 'o-1', name: 'ada', preferredUsername: 'ada@contoso.example', groups: ['g-teachers', 'g-staff'] },
    { oid: 'o-2', name: 'bob', preferredUsername: 'bob@contoso.example', groups: ['g-students'] },
    { oid: 'o-3', name: 'guest', preferredUsername: 'guest@fabrikam.example', tid: OTHER },
  ]);
  const auth = (over: Partial<AzureadSettings> = {}, manageGroups = true) =>
    createOAuthAuthenticator(
      azureadProvider({ tenantId: TENANT, usernameClaim: null, loginUrl: fake.url, ...over }),
      oauthSettings({ ...CLIENT, userdataFromIdToken: true, manageGroups }),
      { logger },
    );
  const groupsPolicy = testPolicy({ manageGroups: true, allowedGroups: new Set(['g-teachers', 'g-students']), adminGroups: new Set(['g-teachers']) });

  before(() => fake.start());
  after(() => fake.stop());

  it('uses the tenant’s endpoints and names users by the name claim; groups come from the id_token', async () => {
    const ada = await loginAs(auth(), fake, 'o-1', groupsPolicy);
    assert.equal(verdict(ada), 'ok:ada');
    assert.equal(ada.authorize.pathname, `/${TENANT}/oauth2/v2.0/authorize`);
    assert.ok(ada.outcome.ok);
    assert.deepEqual(ada.outcome.groups, ['g-teachers', 'g-staff']);
    assert.equal(ada.outcome.admin, true, 'admin through admin groups');
    const bob = await loginAs(auth(), fake, 'o-2', groupsPolicy);
    assert.equal(verdict(bob), 'ok:bob');
    assert.ok(bob.outcome.ok);
    assert.equal(bob.outcome.admin, false, 'not in an admin group: admin revoked');
  });

  it('refuses an account of another tenant', async () => {
    assert.equal(verdict(await loginAs(auth(), fake, 'o-3', testPolicy({ allowAll: true }))), 'refused:denied');
  });

  it('a user in no allowed group is refused; usernameClaim picks another claim', async () => {
    const strict = testPolicy({ manageGroups: true, allowedGroups: new Set(['g-teachers']) });
    assert.equal(verdict(await loginAs(auth(), fake, 'o-2', strict)), 'refused:not-allowed');
    assert.equal(verdict(await loginAs(auth({ usernameClaim: 'preferred_username' }), fake, 'o-1', strict)), 'ok:ada@contoso.example');
  });
});
