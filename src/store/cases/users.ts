// Conformance: users (create, update, rename, delete with cascade, activity).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { StoreConflictError } from '../types.ts';
import { at, isStoreError, names, newToken, T0, type Harness } from './harness.ts';

export function userCases(h: Harness): void {
  it('getUser returns null for an unknown user', async (t) => {
    const s = await h.fresh(t);
    assert.equal(await s.getUser('nobody'), null);
  });

  it('createUsers returns the records in input order with exact timestamps', async (t) => {
    const s = await h.fresh(t);
    const made = await s.createUsers(['carol', 'alice', 'bob'], { admin: true, now: T0 });
    assert.deepEqual(
      made.map((u) => u.name),
      ['carol', 'alice', 'bob'],
    );
    for (const u of made) {
      assert.equal(u.admin, true);
      assert.equal(u.created.getTime(), T0.getTime());
      assert.equal(u.lastActivity, null);
      assert.equal(u.encryptedAuthState, null);
      assert.equal(u.authRefreshed, null);
    }
    assert.equal(new Set(made.map((u) => u.id)).size, 3);
    assert.deepEqual(await s.getUser('alice'), made[1]);
    assert.deepEqual(await s.createUsers([], { admin: false, now: T0 }), []);
  });

  it('createUsers is all-or-nothing and names the existing user', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['bob'], { admin: false, now: T0 });
    await assert.rejects(s.createUsers(['new1', 'bob', 'new2'], { admin: false, now: T0 }), (err: unknown) => {
      assert.ok(err instanceof StoreConflictError);
      assert.equal(err.code, 'STORE_CONFLICT');
      assert.match(err.message, /bob/);
      return true;
    });
    assert.equal(await s.getUser('new1'), null);
    assert.equal(await s.getUser('new2'), null);
    await assert.rejects(s.createUsers(['x', 'y', 'x'], { admin: false, now: T0 }), StoreConflictError);
    assert.equal(await s.getUser('x'), null);
    assert.equal((await s.listUsers({ offset: 0, limit: 10 })).total, 1);
  });

  it('user names are case-sensitive and keep any Unicode', async (t) => {
    const s = await h.fresh(t);
    const odd = ['Alice', 'alice', 'émile', 'user@example.org', 'a b%_!c', '名前'];
    await s.createUsers(odd, { admin: false, now: T0 });
    for (const n of odd) assert.equal((await s.getUser(n))?.name, n);
    assert.equal(await s.getUser('ALICE'), null);
  });

  it('createUsers creates 2,000 users in one call', async (t) => {
    const s = await h.fresh(t);
    const batch = names('student', 2000);
    const started = performance.now();
    const made = await s.createUsers(batch, { admin: false, now: T0 });
    t.diagnostic(`createUsers(2000): ${(performance.now() - started).toFixed(0)} ms`);
    assert.equal(made.length, 2000);
    assert.deepEqual(
      made.map((u) => u.name),
      batch,
    );
    assert.equal((await s.listUsers({ offset: 0, limit: 1 })).total, 2000);
    await assert.rejects(s.createUsers([...names('late', 1500), 'student01999'], { admin: false, now: T0 }), /student01999/);
    assert.equal((await s.listUsers({ offset: 0, limit: 1 })).total, 2000);
  });

  it('updateUser sets admin, sealed auth state and refresh time, and returns null for unknown users', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['alice'], { admin: false, now: T0 });
    // a sealed envelope is long opaque text (well past MySQL TEXT's 64 KiB for big states)
    const sealed = `nbhub-as1.${'x'.repeat(70_000)}`;
    const u = await s.updateUser('alice', { admin: true, encryptedAuthState: sealed, authRefreshed: at(42) });
    assert.equal(u?.admin, true);
    assert.equal(u?.encryptedAuthState, sealed);
    assert.equal(u?.authRefreshed?.getTime(), at(42).getTime());
    assert.equal((await s.getUser('alice'))?.encryptedAuthState, sealed);
    const cleared = await s.updateUser('alice', { encryptedAuthState: null, authRefreshed: null });
    assert.equal(cleared?.encryptedAuthState, null);
    assert.equal(cleared?.authRefreshed, null);
    assert.equal(cleared?.admin, true);
    await assert.rejects(s.updateUser('alice', { authRefreshed: new Date(Number.NaN) }), isStoreError('STORE_BAD_INPUT'));
    // compare-and-set on the sealed state: applied only while the stored value is the expected one
    await s.updateUser('alice', { encryptedAuthState: 'v1' });
    assert.equal((await s.updateUser('alice', { encryptedAuthState: 'v2', authRefreshed: at(1), ifEncryptedAuthState: 'old' }))?.encryptedAuthState, 'v1');
    assert.equal((await s.getUser('alice'))?.authRefreshed, null, 'nothing of a refused patch is applied');
    assert.equal((await s.updateUser('alice', { encryptedAuthState: 'v2', ifEncryptedAuthState: 'v1' }))?.encryptedAuthState, 'v2');
    assert.equal((await s.updateUser('alice', { encryptedAuthState: 'v3', ifEncryptedAuthState: null }))?.encryptedAuthState, 'v2');
    await s.updateUser('alice', { encryptedAuthState: null });
    assert.equal((await s.updateUser('alice', { encryptedAuthState: 'v4', ifEncryptedAuthState: null }))?.encryptedAuthState, 'v4');
    await s.updateUser('alice', { encryptedAuthState: null });
    assert.deepEqual(await s.updateUser('alice', {}), cleared);
    assert.equal(await s.updateUser('nobody', { admin: true }), null);
  });

  it('renaming a user keeps servers, tokens and sessions linked', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['alice', 'bob'], { admin: false, now: T0 });
    const server = await s.ensureServer('alice', 'lab');
    const token = await s.createToken(newToken({ kind: 'user', name: 'alice' }, 'h1'), T0);
    await s.createSession({ idHash: 's1', userName: 'alice', sessionId: 'sid', created: T0, expiresAt: at(1000) });
    const renamed = await s.updateUser('alice', { name: 'alicia' });
    assert.equal(renamed?.name, 'alicia');
    assert.equal(await s.getUser('alice'), null);
    assert.equal((await s.getServer('alicia', 'lab'))?.id, server.id);
    assert.equal((await s.getServer('alicia', 'lab'))?.userName, 'alicia');
    assert.deepEqual((await s.getToken(token.id))?.owner, { kind: 'user', name: 'alicia' });
    assert.deepEqual(
      (await s.listTokens({ kind: 'user', name: 'alicia' })).map((x) => x.id),
      [token.id],
    );
    assert.equal((await s.getSession('s1'))?.userName, 'alicia');
    await assert.rejects(s.updateUser('alicia', { name: 'bob' }), StoreConflictError);
    assert.equal((await s.getUser('alicia'))?.id, renamed?.id);
  });

  it('deleteUser removes servers, tokens, sessions, codes and the OAuth clients of the user', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['alice', 'alice-x', 'admin'], { admin: false, now: T0 });
    await s.ensureServer('alice', '');
    await s.ensureServer('alice', 'gpu box');
    await s.ensureServer('alice-x', '');
    const clients = ['jupyterhub-user-alice', 'jupyterhub-user-alice-gpu%20box', 'jupyterhub-user-alice-x'];
    for (const id of clients) {
      await s.upsertOAuthClient(
        { id, secretHash: 'sh', redirectUri: '/cb', description: '', allowedScopes: [], accessScope: 'access:servers' },
        T0,
      );
    }
    await s.createToken(newToken({ kind: 'user', name: 'alice' }, 'own'), T0);
    // Another user's token issued by alice's server client goes with the client.
    await s.createToken(newToken({ kind: 'user', name: 'admin' }, 'via-client', { oauthClientId: clients[1] }), T0);
    const kept = await s.createToken(newToken({ kind: 'user', name: 'admin' }, 'via-other', { oauthClientId: clients[2] }), T0);
    await s.createSession({ idHash: 'sess', userName: 'alice', sessionId: 'sid', created: T0, expiresAt: at(9e9) });
    const code = { clientId: clients[0], scopes: [], redirectUri: '/cb', sessionId: null, expiresAt: at(60_000) };
    await s.createOAuthCode({ ...code, codeHash: 'c-alice', userName: 'alice' });
    await s.createOAuthCode({ ...code, codeHash: 'c-admin', userName: 'admin' });

    assert.equal(await s.deleteUser('alice'), true);
    assert.equal(await s.getUser('alice'), null);
    assert.deepEqual(await s.listServersOfUser('alice'), []);
    assert.equal(await s.findTokenByHash('own'), null);
    assert.equal(await s.findTokenByHash('via-client'), null);
    assert.equal((await s.findTokenByHash('via-other'))?.id, kept.id);
    assert.equal(await s.getSession('sess'), null);
    assert.equal(await s.takeOAuthCode('c-alice'), null);
    assert.equal(await s.takeOAuthCode('c-admin'), null, 'codes of a deleted client go too');
    assert.equal(await s.getOAuthClient(clients[0]), null);
    assert.equal(await s.getOAuthClient(clients[1]), null);
    assert.notEqual(await s.getOAuthClient(clients[2]), null, 'alice-x keeps her client');
    assert.notEqual(await s.getServer('alice-x', ''), null);
    assert.equal(await s.deleteUser('alice'), false);
  });

  it('bumpUserActivity only moves forward', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['alice'], { admin: false, now: T0 });
    await s.bumpUserActivity('alice', at(5000));
    assert.equal((await s.getUser('alice'))?.lastActivity?.getTime(), at(5000).getTime());
    await s.bumpUserActivity('alice', at(1000));
    assert.equal((await s.getUser('alice'))?.lastActivity?.getTime(), at(5000).getTime());
    await s.bumpUserActivity('alice', at(5001));
    assert.equal((await s.getUser('alice'))?.lastActivity?.getTime(), at(5001).getTime());
    await s.bumpUserActivity('nobody', at(1)); // no error for a vanished user
    await assert.rejects(s.bumpUserActivity('alice', new Date(Number.NaN)), isStoreError('STORE_BAD_INPUT'));
  });
}
