import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createOAuthAuthenticator } from '../engine.ts';
import { oauthSettings } from '../settings.ts';
import { googleProvider, stripListedDomain, type GoogleSettings } from './google.ts';
import { FakeGoogle } from '../../../../test/support/fakeProviders/google.ts';
import { loginAs, testPolicy, verdict } from '../../../../test/support/fakeProviders/login.ts';

const logger = pino({ level: 'silent' });
const CLIENT = { clientId: 'google-client', clientSecret: 'google-secret-0123456789' };
const open = testPolicy({ allowAll: true });

describe('Google provider against a Google fake (discovery, signed id_token, userinfo)', () => {
  const fake = new FakeGoogle(CLIENT.clientId, CLIENT.clientSecret, [
    { sub: '1', email: 'jane@example.edu', hd: 'example.edu' },
    { sub: '2', email: 'joe@other.org', hd: 'other.org' },
    { sub: '3', email: 'pat@gmail.com' },
    { sub: '4', email: 'sam@example.edu', hd: 'example.edu', emailVerified: false },
  ]);
  const auth = (over: Partial<GoogleSettings>) =>
    createOAuthAuthenticator(googleProvider({ issuer: fake.url, hostedDomain: [], stripDomain: null, ...over }), oauthSettings(CLIENT), { logger });

  before(() => fake.start());
  after(() => fake.stop());

  it('with one hosted domain: admits its accounts without “@domain”, asks Google for hd, refuses other domains and personal accounts', async () => {
    const a = auth({ hostedDomain: ['example.edu'] });
    const jane = await loginAs(a, fake, 'jane@example.edu', open);
    assert.equal(verdict(jane), 'ok:jane');
    assert.equal(jane.authorize.searchParams.get('hd'), 'example.edu');
    assert.equal(jane.authorize.searchParams.get('scope'), 'openid email');
    assert.equal((jane.outcome.ok && (jane.outcome.authState?.google_user as { email: string }).email), 'jane@example.edu');
    const joe = await loginAs(a, fake, 'joe@other.org', open);
    assert.equal(verdict(joe), 'refused:denied');
    assert.match(joe.outcome.ok ? '' : joe.outcome.userMessage, /example\.edu/);
    assert.equal(verdict(await loginAs(a, fake, 'pat@gmail.com', open)), 'refused:denied');
  });

  it('with several hosted domains: admits each without stripping (unless stripDomain), hd=*', async () => {
    const a = auth({ hostedDomain: ['example.edu', 'other.org'] });
    const jane = await loginAs(a, fake, 'jane@example.edu', open);
    assert.equal(verdict(jane), 'ok:jane@example.edu');
    assert.equal(jane.authorize.searchParams.get('hd'), '*');
    assert.equal(verdict(await loginAs(a, fake, 'joe@other.org', open)), 'ok:joe@other.org');
    assert.equal(verdict(await loginAs(auth({ hostedDomain: ['example.edu', 'other.org'], stripDomain: true }), fake, 'joe@other.org', open)), 'ok:joe');
  });

  it('stripDomain: false keeps the domain even with one hosted domain', async () => {
    assert.equal(verdict(await loginAs(auth({ hostedDomain: ['example.edu'], stripDomain: false }), fake, 'jane@example.edu', open)), 'ok:jane@example.edu');
  });

  it('the hosted domain restricts but admits no one by itself (oauthenticator 16+)', async () => {
    const a = auth({ hostedDomain: ['example.edu'] });
    assert.equal(verdict(await loginAs(a, fake, 'jane@example.edu')), 'refused:not-allowed');
    assert.equal(verdict(await loginAs(a, fake, 'jane@example.edu', testPolicy({ allowedUsers: new Set(['jane']) }))), 'ok:jane');
  });

  it('refuses an account whose email Google has not verified', async () => {
    const sam = await loginAs(auth({ hostedDomain: ['example.edu'] }), fake, 'sam@example.edu', open);
    assert.equal(verdict(sam), 'refused:denied');
  });

  it('without hostedDomain: any verified account, full email as the name, no hd parameter', async () => {
    const pat = await loginAs(auth({}), fake, 'pat@gmail.com', open);
    assert.equal(verdict(pat), 'ok:pat@gmail.com');
    assert.equal(pat.authorize.searchParams.has('hd'), false);
  });

  it('strips only listed domains', () => {
    assert.equal(stripListedDomain('a@X.org', ['x.org']), 'a');
    assert.equal(stripListedDomain('a@y.org', ['x.org']), 'a@y.org');
    assert.equal(stripListedDomain('plain', ['x.org']), 'plain');
  });
});
