import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createOAuthAuthenticator } from '../engine.ts';
import { oauthSettings } from '../settings.ts';
import { AuthSourceError } from '../../types.ts';
import { cilogonBaseUrl, cilogonProvider, type CilogonSettings } from './cilogon.ts';
import { FakeCilogon } from '../../../../test/support/fakeProviders/cilogon.ts';
import { loginAs, testPolicy, verdict } from '../../../../test/support/fakeProviders/login.ts';

const logger = pino({ level: 'silent' });
const CLIENT = { clientId: 'cilogon:/client_id/1234', clientSecret: 'cilogon-secret-0123456789' };
const UCHICAGO = 'urn:mace:incommon:uchicago.edu';
const GITHUB = 'http://github.com/login/oauth/authorize';
const GOOGLE = 'http://google.com/accounts/o8/id';
type Idp = CilogonSettings['idps'][string];
const idp = (over: Partial<Idp> & { derivation?: Partial<Idp['usernameDerivation']> }): Idp => ({
  usernameDerivation: { usernameClaim: 'eppn', action: null, domain: null, prefix: null, ...over.derivation },
  allowAll: over.allowAll ?? false,
  allowedDomains: over.allowedDomains ?? [],
  allowedDomainsClaim: over.allowedDomainsClaim ?? null,
  default: over.default ?? false,
});

describe('CILogon provider against a CILogon fake (discovery, signed id_token, userinfo with idp)', () => {
  const fake = new FakeCilogon(CLIENT.clientId, CLIENT.clientSecret, [
    { sub: 'u-jane', idp: UCHICAGO, eppn: 'jane@uchicago.edu', email: 'jane@uchicago.edu' },
    { sub: 'u-mallory', idp: UCHICAGO, eppn: 'mallory@evil.example', email: 'mallory@evil.example' },
    { sub: 'u-octo', idp: GITHUB, preferred_username: 'octocat', email: 'octo@users.noreply.github.com' },
    { sub: 'u-lee', idp: GOOGLE, email: 'lee@lab.berkeley.edu' },
    { sub: 'u-kim', idp: GOOGLE, email: 'kim@gmail.com' },
    { sub: 'u-noidp', eppn: 'x@uchicago.edu' },
    { sub: 'u-noeppn', idp: UCHICAGO, email: 'y@uchicago.edu' },
  ]);
  const idps: CilogonSettings['idps'] = {
    [UCHICAGO]: idp({ derivation: { action: 'strip_idp_domain', domain: 'uchicago.edu' }, allowAll: true }),
    [GITHUB]: idp({ derivation: { usernameClaim: 'preferred_username', action: 'prefix', prefix: 'github' }, allowAll: true, default: true }),
    [GOOGLE]: idp({ derivation: { usernameClaim: 'email' }, allowedDomains: ['*.berkeley.edu'] }),
  };
  const auth = (over: Partial<CilogonSettings> = {}) =>
    createOAuthAuthenticator(
      cilogonProvider({ cilogonHost: fake.url, usernameClaim: null, idpHint: null, skin: null, idps, ...over }),
      oauthSettings({ ...CLIENT, scopes: ['email'] }),
      { logger },
    );

  before(() => fake.start());
  after(() => fake.stop());

  it('takes a host or a URL', () => {
    assert.equal(cilogonBaseUrl('cilogon.org'), 'https://cilogon.org');
    assert.equal(cilogonBaseUrl('http://127.0.0.1:9000/'), 'http://127.0.0.1:9000');
  });

  it('strip_idp_domain: jane@uchicago.edu logs in as jane; always asks for openid and org.cilogon.userinfo; preselects the default idp', async () => {
    const run = await loginAs(auth({ skin: 'xsede' }), fake, 'u-jane');
    assert.equal(verdict(run), 'ok:jane');
    assert.deepEqual(run.authorize.searchParams.get('scope')?.split(' ').sort(), ['email', 'openid', 'org.cilogon.userinfo']);
    assert.equal(run.authorize.searchParams.get('selected_idp'), `${GITHUB},${UCHICAGO},${GOOGLE}`);
    assert.equal(run.authorize.searchParams.get('skin'), 'xsede');
  });

  it('strip_idp_domain refuses a name outside the configured domain', async () => {
    assert.equal(verdict(await loginAs(auth(), fake, 'u-mallory')), 'refused:denied');
  });

  it('prefix: a GitHub identity becomes github:octocat', async () => {
    assert.equal(verdict(await loginAs(auth(), fake, 'u-octo')), 'ok:github:octocat');
  });

  it('allowedDomains with a wildcard admits lab.berkeley.edu and not gmail.com (who is not refused outright: other rules may admit)', async () => {
    assert.equal(verdict(await loginAs(auth(), fake, 'u-lee')), 'ok:lee@lab.berkeley.edu');
    assert.equal(verdict(await loginAs(auth(), fake, 'u-kim')), 'refused:not-allowed');
    assert.equal(verdict(await loginAs(auth(), fake, 'u-kim', testPolicy({ allowedUsers: new Set(['kim@gmail.com']) }))), 'ok:kim@gmail.com');
  });

  it('refuses an identity provider that is not configured', async () => {
    const only = { [GITHUB]: idps[GITHUB] };
    const run = await loginAs(auth({ idps: only }), fake, 'u-jane', testPolicy({ allowAll: true }));
    assert.equal(verdict(run), 'refused:denied');
  });

  it('a missing idp claim, or a missing username claim, is a clear error naming the claim', async () => {
    await assert.rejects(loginAs(auth(), fake, 'u-noidp'), (e: unknown) => e instanceof AuthSourceError && /"idp"/.test(e.logDetail));
    await assert.rejects(loginAs(auth(), fake, 'u-noeppn'), (e: unknown) => e instanceof AuthSourceError && /"eppn"/.test(e.logDetail) && /eppn/.test(e.userMessage));
  });

  it('without idps: any identity provider, the name from the username claim (eppn), idpHint preselected', async () => {
    const run = await loginAs(auth({ idps: {}, idpHint: UCHICAGO }), fake, 'u-mallory', testPolicy({ allowAll: true }));
    assert.equal(verdict(run), 'ok:mallory@evil.example');
    assert.equal(run.authorize.searchParams.get('selected_idp'), UCHICAGO);
  });
});
