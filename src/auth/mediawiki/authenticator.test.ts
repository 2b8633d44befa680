import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { FakeMediawiki, type IdentifyTamper } from '../../../test/support/fakeMediawiki.ts';
import { decideLogin } from '../pipeline.ts';
import { AuthSourceError, type Authenticated, type LoginPolicy } from '../types.ts';
import { AUTH_STATE_KEYS, MediawikiAuthenticator, type MediawikiSettings } from './authenticator.ts';
import { IDENTIFY_REFUSED } from './identify.ts';

const CONSUMER_KEY = 'fake-consumer-key-0123';
const CONSUMER_SECRET = 'fake-consumer-secret-do-not-log-4567';
const CALLBACK = 'http://127.0.0.1:1/hub/oauth_callback';
const JANE = 'Jane Doe (WMF)';

function capture() {
  const text: string[] = [];
  const logger = pino({ level: 'debug' }, new Writable({ write: (c, _e, cb) => (text.push(String(c)), cb()) }));
  return { logger, text };
}

function settings(wiki: FakeMediawiki, over: Partial<MediawikiSettings> = {}): MediawikiSettings {
  return {
    clientId: CONSUMER_KEY,
    clientSecret: CONSUMER_SECRET,
    mwIndexUrl: wiki.indexUrl,
    apiUrl: null,
    loginService: 'Wikimedia',
    identifyLeewaySeconds: 10,
    identifyMaxAgeSeconds: 120,
    requestTimeoutSeconds: 5,
    ...over,
  };
}

const openPolicy: LoginPolicy = {
  adminUsers: new Set([JANE]),
  allowedUsers: new Set(),
  blockedUsers: new Set(),
  allowAll: true,
  allowExistingUsers: false,
  isExistingUser: async () => false,
  manageGroups: false,
  allowedGroups: new Set(),
  adminGroups: new Set(),
};

async function loginAs(a: MediawikiAuthenticator, wiki: FakeMediawiki, user: string) {
  const begun = await a.beginLogin();
  const back = new URL(await wiki.approveAs(begun.redirectUrl, user));
  return { begun, query: back.searchParams, result: () => a.completeLogin({ query: back.searchParams, pending: begun.pending }) };
}

describe('MediawikiAuthenticator against a fake wiki that checks every signature', () => {
  const wiki = new FakeMediawiki({ consumerKey: CONSUMER_KEY, consumerSecret: CONSUMER_SECRET, callbackUrl: CALLBACK, users: { [JANE]: 4242 } });
  const log = capture();
  let auth: MediawikiAuthenticator;

  before(async () => {
    await wiki.start();
    auth = new MediawikiAuthenticator({ settings: settings(wiki), logger: log.logger });
  });
  after(() => wiki.stop());

  it('logs in "Jane Doe (WMF)" with the name as the wiki spells it and MWOAuthenticator’s auth state', async () => {
    const before = wiki.verified.length;
    const { begun, result } = await loginAs(auth, wiki, JANE);
    const u = new URL(begun.redirectUrl);
    assert.equal(u.origin + u.pathname, wiki.indexUrl);
    assert.equal(u.searchParams.get('title'), 'Special:OAuth/authenticate');
    assert.equal(u.searchParams.get('oauth_consumer_key'), CONSUMER_KEY);
    assert.ok(!begun.redirectUrl.includes(CONSUMER_SECRET));
    const r = (await result()) as Authenticated;
    assert.equal(r.name, JANE);
    assert.equal(r.admin, null);
    const state = r.authState!;
    assert.match(String(state[AUTH_STATE_KEYS.accessKey]), /^[0-9a-f]{32}$/);
    assert.match(String(state[AUTH_STATE_KEYS.accessSecret]), /^[0-9a-f]{40}$/);
    const identity = state[AUTH_STATE_KEYS.identity] as Record<string, unknown>;
    assert.equal(identity.username, JANE);
    assert.equal(identity.sub, '4242');
    assert.equal(auth.stableUserId(state), '4242', '{userid} of this user');
    assert.equal(auth.stableUserId(null), null);
    assert.deepEqual(wiki.verified.slice(before), ['initiate', 'token', 'identify']);
    assert.deepEqual(wiki.rejected, []);

    const outcome = await decideLogin(auth, r, openPolicy);
    assert.ok(outcome.ok);
    assert.equal(outcome.name, JANE, 'no lowercasing, no underscores');
    assert.equal(outcome.admin, true);
  });

  it('the fake really checks signatures: a client with the wrong consumer secret is refused', async () => {
    const wrong = new MediawikiAuthenticator({ settings: settings(wiki, { clientSecret: 'wrong-secret' }), logger: capture().logger });
    const n = wiki.rejected.length;
    await assert.rejects(wrong.beginLogin(), (e: unknown) => e instanceof AuthSourceError && /initiate answered HTTP 401/.test(e.logDetail));
    assert.deepEqual(wiki.rejected.slice(n), ['initiate: signature does not verify']);
  });

  for (const tamper of ['wrong-secret', 'wrong-audience', 'stale-iat', 'wrong-nonce', 'wrong-issuer'] as IdentifyTamper[]) {
    it(`refuses an identify JWT with ${tamper}`, async () => {
      const { result } = await loginAs(auth, wiki, JANE);
      wiki.tamper = tamper;
      try {
        await assert.rejects(result(), (e: unknown) => {
          assert.ok(e instanceof AuthSourceError);
          assert.equal(e.userMessage, IDENTIFY_REFUSED);
          const expected = {
            'wrong-secret': /signature does not verify/,
            'wrong-audience': /claim aud/,
            'stale-iat': /claim iat/,
            'wrong-nonce': /nonce does not match/,
            'wrong-issuer': /issuer "http:\/\/wiki\.invalid" is not the wiki/,
          }[tamper!];
          assert.match(e.logDetail, expected);
          return true;
        });
      } finally {
        wiki.tamper = null;
      }
    });
  }

  it('refuses a callback for another request token, and a callback used twice', async () => {
    const first = await loginAs(auth, wiki, JANE);
    const second = await auth.beginLogin();
    await assert.rejects(auth.completeLogin({ query: first.query, pending: second.pending }), (e: unknown) => e instanceof AuthSourceError && e.status === 400);
    await first.result();
    // the request token is spent: the wiki refuses the second exchange
    await assert.rejects(first.result(), (e: unknown) => e instanceof AuthSourceError && /token answered HTTP 401/.test(e.logDetail));
    await assert.rejects(auth.completeLogin({ query: new URLSearchParams(), pending: first.begun.pending }), (e: unknown) => e instanceof AuthSourceError && e.status === 400);
  });

  it('refresh: fresh while the account is fine; locked or grant revoked → log in again and stop servers', async () => {
    const r = (await (await loginAs(auth, wiki, JANE)).result()) as Authenticated;
    const user = { name: JANE, authState: r.authState };
    assert.deepEqual(await auth.refreshUser(user), { kind: 'fresh' });
    assert.equal(wiki.lockChecks.at(-1), JANE);
    wiki.lock(JANE);
    const locked = await auth.refreshUser(user);
    assert.equal(locked.kind, 'relogin');
    assert.ok(locked.kind === 'relogin' && locked.stopServers && /locked/.test(locked.reason));
    wiki.lock(JANE, false);
    assert.deepEqual(await auth.refreshUser(user), { kind: 'fresh' });
    wiki.revokeGrants(JANE);
    const revoked = await auth.refreshUser(user);
    assert.ok(revoked.kind === 'relogin' && revoked.stopServers && /grant/.test(revoked.reason));
  });

  it('refresh: an unreachable wiki means log in again, without stopping servers', async () => {
    const gone = new FakeMediawiki({ consumerKey: CONSUMER_KEY, consumerSecret: CONSUMER_SECRET, callbackUrl: CALLBACK });
    await gone.start();
    const indexUrl = gone.indexUrl;
    await gone.stop();
    const a = new MediawikiAuthenticator({ settings: settings(wiki, { mwIndexUrl: indexUrl }), logger: capture().logger });
    const out = await a.refreshUser({ name: JANE, authState: { [AUTH_STATE_KEYS.accessKey]: 'k', [AUTH_STATE_KEYS.accessSecret]: 's' } });
    assert.ok(out.kind === 'relogin' && !out.stopServers && /could not be asked/.test(out.reason), JSON.stringify(out));
    await assert.rejects(a.beginLogin(), (e: unknown) => e instanceof AuthSourceError && /ECONNREFUSED/.test(e.logDetail) && e.status === 502);
  });

  it('never logs the consumer secret or a token', async () => {
    const r = (await (await loginAs(auth, wiki, JANE)).result()) as Authenticated;
    const all = log.text.join('');
    assert.match(all, /identity verified/);
    for (const secret of [CONSUMER_SECRET, String(r.authState![AUTH_STATE_KEYS.accessKey]), String(r.authState![AUTH_STATE_KEYS.accessSecret])]) {
      assert.ok(!all.includes(secret), 'a secret reached the log');
    }
  });
});
