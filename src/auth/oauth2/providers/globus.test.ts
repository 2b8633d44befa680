import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createOAuthAuthenticator } from '../engine.ts';
import { oauthSettings } from '../settings.ts';
import { globusProvider, type GlobusSettings } from './globus.ts';
import { FakeGlobus } from '../../../../test/support/fakeProviders/globus.ts';
import { loginAs, testPolicy, verdict } from '../../../../test/support/fakeProviders/login.ts';

const logger = pino({ level: 'silent' });
const CLIENT = { clientId: 'globus-client', clientSecret: 'globus-secret-0123456789' };
const open = testPolicy({ allowAll: true });

describe('Globus provider against a Globus Auth fake', () => {
  const fake = new FakeGlobus(CLIENT.clientId, CLIENT.clientSecret, [
    { sub: 'g-jane', preferred_username: 'jane@uchicago.edu', email: 'jane.doe@gmail.com' },
    { sub: 'g-joe', preferred_username: 'joe@globusid.org', email: 'joe@uchicago.edu', groups: ['0c3f-lab'] },
  ]);
  const auth = (over: Partial<GlobusSettings> = {}) =>
    createOAuthAuthenticator(globusProvider({ globusUrl: fake.url, identityProvider: null, usernameFromEmail: false, allowedGlobusGroups: [], groupsUrl: fake.url, ...over }), oauthSettings(CLIENT), { logger });

  before(() => fake.start());
  after(() => fake.stop());

  it('names users by the part of their identity before “@”, and keeps the other services’ tokens by resource server', async () => {
    const run = await loginAs(auth(), fake, 'g-jane', open);
    assert.equal(verdict(run), 'ok:jane');
    assert.ok(run.outcome.ok);
    const tokens = run.outcome.authState?.tokens as Record<string, { access_token: string }>;
    assert.deepEqual(Object.keys(tokens).sort(), ['auth.globus.org', 'transfer.api.globus.org']);
    assert.equal(tokens['transfer.api.globus.org'].access_token, 'transfer-token');
    assert.match(run.authorize.searchParams.get('scope') ?? '', /transfer\.api\.globus\.org/);
  });

  it('identityProvider admits identities of that domain and refuses others with a hint to link one', async () => {
    const a = auth({ identityProvider: 'uchicago.edu' });
    assert.equal(verdict(await loginAs(a, fake, 'g-jane', open)), 'ok:jane');
    const joe = await loginAs(a, fake, 'g-joe', open);
    assert.equal(verdict(joe), 'refused:denied');
    assert.match(joe.outcome.ok ? '' : joe.outcome.userMessage, /Link your uchicago\.edu identity/);
  });

  it('usernameFromEmail takes the email instead (and the domain check follows it)', async () => {
    const a = auth({ usernameFromEmail: true, identityProvider: 'uchicago.edu' });
    assert.equal(verdict(await loginAs(a, fake, 'g-joe', open)), 'ok:joe');
    assert.equal(verdict(await loginAs(a, fake, 'g-jane', open)), 'refused:denied');
  });

  it('allowedGlobusGroups admits members of a group (asked of the Groups API with the groups token) and keeps the groups in auth state', async () => {
    const a = auth({ allowedGlobusGroups: ['0c3f-lab'] });
    const joe = await loginAs(a, fake, 'g-joe');
    assert.equal(verdict(joe), 'ok:joe');
    assert.match(joe.authorize.searchParams.get('scope') ?? '', /groups\.api\.globus\.org:view_my_groups_and_memberships/);
    assert.ok(joe.outcome.ok);
    assert.deepEqual(joe.outcome.authState?.globus_groups, ['0c3f-lab']);
    assert.equal(verdict(await loginAs(a, fake, 'g-jane')), 'refused:not-allowed');
  });

  it('restricts only: without an allow rule nobody is let in', async () => {
    assert.equal(verdict(await loginAs(auth({ identityProvider: 'uchicago.edu' }), fake, 'g-jane')), 'refused:not-allowed');
  });
});
