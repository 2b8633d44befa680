// AuthRefresher over a real (in-memory SQLite) store and a scripted authenticator, with an
// injected clock: when it asks the provider, what each outcome stores, and what it refuses.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { pino } from 'pino';
import { openStore } from '../store/index.ts';
import type { Store } from '../store/types.ts';
import type { LoginPolicy } from '../auth/types.ts';
import { parseCryptoKeys } from '../auth/authState.ts';
import { ScriptedAuthenticator } from '../../test/support/scriptedAuthenticator.ts';
import { AuthRefresher, type AuthRefreshDeps } from './authRefresh.ts';
import { AuthStates } from './authStates.ts';

const logger = pino({ level: 'silent' });
const T0 = Date.parse('2026-12-02T09:00:00Z');

function policy(over: Partial<LoginPolicy> = {}): LoginPolicy {
  return {
    adminUsers: new Set(),
    allowedUsers: new Set(),
    blockedUsers: new Set(),
    allowAll: true,
    allowExistingUsers: true,
    isExistingUser: async () => true,
    manageGroups: true,
    allowedGroups: new Set(),
    adminGroups: new Set(['staff']),
    ...over,
  };
}

describe('AuthRefresher', () => {
  let store: Store;
  let idp: ScriptedAuthenticator;
  let states: AuthStates;
  let clock: number;
  let changed: number;
  let stopped: string[];
  const make = (over: Partial<AuthRefreshDeps> = {}) =>
    new AuthRefresher({
      store,
      authenticator: idp,
      policy: policy(),
      authStates: states,
      maxAgeMs: 300_000,
      preSpawn: true,
      logger,
      now: () => new Date(clock),
      onChanged: () => void changed++,
      stopServers: async (u) => void stopped.push(u),
      ...over,
    });

  afterEach(() => store.close());
  beforeEach(async () => {
    store = await openStore({ type: 'sqlite-memory', dataDir: '', logger });
    await store.migrate();
    await store.createUsers(['alice'], { admin: false, now: new Date(T0) });
    await store.updateUser('alice', { authRefreshed: new Date(T0) });
    idp = new ScriptedAuthenticator();
    states = new AuthStates(store, parseCryptoKeys(randomBytes(32).toString('hex')), logger);
    await states.write('alice', { access_token: 'one' });
    clock = T0;
    changed = 0;
    stopped = [];
  });

  const alice = async () => {
    const u = (await store.getUser('alice'))!;
    return { name: u.name, authRefreshed: u.authRefreshed };
  };

  it('asks nobody while auth is younger than maxAge, and once it is older', async () => {
    const r = make();
    clock = T0 + 299_999;
    assert.deepEqual(await r.onRequest(await alice()), { ok: true });
    assert.equal(idp.refreshCalls.length, 0);
    clock = T0 + 300_000;
    assert.deepEqual(await r.onRequest(await alice()), { ok: true });
    assert.deepEqual(idp.refreshCalls, [{ name: 'alice', authState: { access_token: 'one' } }]);
    assert.equal((await store.getUser('alice'))?.authRefreshed?.getTime(), T0 + 300_000, 'fresh: the time is stored');
    // the request path also trusts its own memory when the caller's record is older
    assert.deepEqual(await r.onRequest({ name: 'alice', authRefreshed: new Date(T0) }), { ok: true });
    assert.equal(idp.refreshCalls.length, 1);
  });

  it('maxAge 0 never refreshes on requests, preSpawn still does', async () => {
    const r = make({ maxAgeMs: 0 });
    clock = T0 + 10 * 86_400_000;
    await r.onRequest(await alice());
    assert.equal(idp.refreshCalls.length, 0);
    await r.beforeSpawn('alice');
    assert.equal(idp.refreshCalls.length, 1);
    await make({ preSpawn: false }).beforeSpawn('alice');
    assert.equal(idp.refreshCalls.length, 1);
  });

  it('updated: new state sealed, groups synced, admin from admin groups, cached identities dropped', async () => {
    const r = make();
    idp.refreshPlan.set('alice', { kind: 'updated', authenticated: { name: 'ALICE', admin: null, authState: { access_token: 'two' }, groups: ['staff', 'x'] } });
    assert.deepEqual(await r.beforeSpawn('alice'), { ok: true });
    assert.deepEqual(await states.read('alice'), { access_token: 'two' });
    assert.deepEqual(await store.groupsOfUser('alice'), ['staff', 'x']);
    assert.equal((await store.getUser('alice'))?.admin, true);
    assert.equal(changed, 1);
    idp.refreshPlan.set('alice', { kind: 'updated', authenticated: { name: 'alice', admin: null, authState: { access_token: 'three' }, groups: ['x'] } });
    await r.beforeSpawn('alice');
    assert.equal((await store.getUser('alice'))?.admin, false, 'left the admin group');
    assert.equal(await store.getUser('ALICE'), null, 'the stored name is kept');
  });

  it('updated, but the pipeline now refuses the user: relogin', async () => {
    const r = make({ policy: policy({ blockedUsers: new Set(['alice']) }) });
    idp.refreshPlan.set('alice', { kind: 'updated', authenticated: { name: 'alice', admin: null, authState: {}, groups: [] } });
    const res = await r.beforeSpawn('alice');
    assert.equal(res.ok, false);
    assert.ok(!res.ok && res.relogin);
  });

  it('relogin: sessions end, servers stop when asked, requests refused until the next login', async () => {
    const r = make();
    await store.createSession({ idHash: 'h', userName: 'alice', sessionId: 's', created: new Date(T0), expiresAt: new Date(T0 + 9e9) });
    idp.refreshPlan.set('alice', { kind: 'relogin', reason: 'grant-gone-42', stopServers: true });
    const res = await r.beforeSpawn('alice');
    assert.ok(!res.ok && res.relogin);
    assert.match(res.reason, /log in again/);
    assert.doesNotMatch(res.reason, /grant-gone-42/, 'the provider’s reason goes to the log only');
    assert.equal(await store.getSession('h'), null);
    assert.deepEqual(stopped, ['alice']);
    assert.equal((await r.onRequest(await alice())).ok, false);
    assert.equal(idp.refreshCalls.length, 1, 'refused from memory, no new provider call');
    r.loggedIn('alice');
    assert.deepEqual(await r.onRequest(await alice()), { ok: true });
  });

  it('a provider failure lets requests through, retries after a pause, and refuses spawns', async () => {
    const r = make({ retryAfterFailureMs: 30_000 });
    idp.refreshPlan.set('alice', new Error('connect ECONNREFUSED'));
    clock = T0 + 400_000;
    assert.deepEqual(await r.onRequest(await alice()), { ok: true });
    assert.equal(idp.refreshCalls.length, 1);
    clock += 29_000;
    await r.onRequest(await alice());
    assert.equal(idp.refreshCalls.length, 1, 'no retry within the pause');
    clock += 2_000;
    await r.onRequest(await alice());
    assert.equal(idp.refreshCalls.length, 2);
    const spawn = await r.beforeSpawn('alice');
    assert.ok(!spawn.ok && !spawn.relogin);
    assert.match(spawn.reason, /Could not re-check/);
  });

  it('concurrent refreshes of one user share one provider call', async () => {
    const r = make();
    const release = idp.hold();
    const all = Promise.all([r.beforeSpawn('alice'), r.beforeSpawn('alice'), r.refresh('alice')]);
    release();
    assert.deepEqual(await all, [{ ok: true }, { ok: true }, { ok: true }]);
    assert.equal(idp.refreshCalls.length, 1);
    await r.beforeSpawn('alice');
    assert.equal(idp.refreshCalls.length, 2, 'a later spawn asks again');
  });

  it('an authenticator without refreshUser is never asked', async () => {
    const plain = { ...idp, refreshUser: undefined, authenticate: idp.authenticate.bind(idp) };
    const r = make({ authenticator: plain });
    clock = T0 + 10 * 86_400_000;
    assert.equal(r.active, false);
    assert.deepEqual(await r.onRequest(await alice()), { ok: true });
    assert.deepEqual(await r.beforeSpawn('alice'), { ok: true });
  });
});
