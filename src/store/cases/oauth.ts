// Conformance: OAuth clients and codes, login sessions, expiry purge.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { StoreConflictError, type OAuthCodeRecord, type Store } from '../types.ts';
import { at, isStoreError, newToken, T0, type Harness } from './harness.ts';

const CLIENT = {
  id: 'jupyterhub-user-alice',
  secretHash: 'f'.repeat(64),
  redirectUri: '/user/alice/oauth_callback',
  description: 'Server at /user/alice/',
  allowedScopes: ['read:users!user=alice'],
  accessScope: 'access:servers!server=alice/',
};

function code(codeHash: string, extra: Partial<OAuthCodeRecord> = {}): OAuthCodeRecord {
  return {
    codeHash,
    clientId: CLIENT.id,
    userName: 'alice',
    scopes: ['identify', 'access:servers!server=alice/'],
    redirectUri: CLIENT.redirectUri,
    sessionId: 'sess-1',
    expiresAt: at(600_000),
    ...extra,
  };
}

async function takeConcurrently(takers: Store[], codeHash: string): Promise<number> {
  const results = await Promise.all(takers.map((s) => s.takeOAuthCode(codeHash)));
  return results.filter((r) => r !== null).length;
}

export function oauthCases(h: Harness): void {
  it('upsertOAuthClient creates, then updates everything but the creation time', async (t) => {
    const s = await h.fresh(t);
    assert.equal(await s.getOAuthClient(CLIENT.id), null);
    await s.upsertOAuthClient(CLIENT, T0);
    assert.deepEqual(await s.getOAuthClient(CLIENT.id), { ...CLIENT, created: T0 });
    const changed = { ...CLIENT, secretHash: 'e'.repeat(64), redirectUri: '/x', description: 'd', allowedScopes: [], accessScope: 'a' };
    await s.upsertOAuthClient(changed, at(1000));
    assert.deepEqual(await s.getOAuthClient(CLIENT.id), { ...changed, created: T0 });
  });

  it('deleteOAuthClient removes the client with its tokens and pending codes', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['alice'], { admin: false, now: T0 });
    await s.upsertOAuthClient(CLIENT, T0);
    await s.createToken(newToken({ kind: 'user', name: 'alice' }, 'issued', { oauthClientId: CLIENT.id }), T0);
    const other = await s.createToken(newToken({ kind: 'user', name: 'alice' }, 'other', { oauthClientId: 'c2' }), T0);
    await s.createOAuthCode(code('c1'));
    await s.deleteOAuthClient(CLIENT.id);
    assert.equal(await s.getOAuthClient(CLIENT.id), null);
    assert.equal(await s.findTokenByHash('issued'), null);
    assert.equal((await s.findTokenByHash('other'))?.id, other.id);
    assert.equal(await s.takeOAuthCode('c1'), null);
    await s.deleteOAuthClient(CLIENT.id); // absent: no error
  });

  it('takeOAuthCode returns the code exactly once', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['alice'], { admin: false, now: T0 });
    await s.createOAuthCode(code('c1'));
    await assert.rejects(s.createOAuthCode(code('c1')), StoreConflictError);
    await assert.rejects(s.createOAuthCode(code('c2', { userName: 'nobody' })), isStoreError('STORE_NOT_FOUND'));
    assert.deepEqual(await s.takeOAuthCode('c1'), code('c1'));
    assert.equal(await s.takeOAuthCode('c1'), null);
    await s.createOAuthCode(code('c3', { sessionId: null, scopes: [] }));
    assert.deepEqual(await s.takeOAuthCode('c3'), code('c3', { sessionId: null, scopes: [] }));
  });

  it('concurrent takers of one code: exactly one gets it', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['alice'], { admin: false, now: T0 });
    const takers = [s, s, s, s];
    if (h.same && h.options.concurrentReplicas) {
      const other = await h.same(t, s);
      takers.push(other, other, other, other);
    }
    for (let round = 0; round < 10; round++) {
      await s.createOAuthCode(code(`race-${round}`));
      assert.equal(await takeConcurrently(takers, `race-${round}`), 1, `round ${round}`);
    }
  });

  it('sessions round-trip and can be deleted', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['alice'], { admin: false, now: T0 });
    const session = { idHash: 'a'.repeat(64), userName: 'alice', sessionId: 'sid-1', created: T0, expiresAt: at(86_400_000) };
    await s.createSession(session);
    assert.deepEqual(await s.getSession(session.idHash), session);
    await assert.rejects(s.createSession(session), StoreConflictError);
    await assert.rejects(s.createSession({ ...session, idHash: 'x', userName: 'nobody' }), isStoreError('STORE_NOT_FOUND'));
    await s.deleteSession(session.idHash);
    assert.equal(await s.getSession(session.idHash), null);
    await s.deleteSession(session.idHash);
  });

  it('deleteExpired removes sessions, codes and tokens expired at or before now', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['alice'], { admin: false, now: T0 });
    const session = { userName: 'alice', sessionId: 'sid', created: T0 };
    await s.createSession({ ...session, idHash: 'old', expiresAt: at(999) });
    await s.createSession({ ...session, idHash: 'edge', expiresAt: at(1000) });
    await s.createSession({ ...session, idHash: 'new', expiresAt: at(1001) });
    await s.createOAuthCode(code('old-code', { expiresAt: at(1000) }));
    await s.createOAuthCode(code('new-code', { expiresAt: at(1001) }));
    const owner = { kind: 'user', name: 'alice' } as const;
    await s.createToken(newToken(owner, 'old-token', { expiresAt: at(1000) }), T0);
    await s.createToken(newToken(owner, 'new-token', { expiresAt: at(1001) }), T0);
    await s.createToken(newToken(owner, 'forever'), T0);
    await s.deleteExpired(at(1000));
    assert.equal(await s.getSession('old'), null);
    assert.equal(await s.getSession('edge'), null);
    assert.notEqual(await s.getSession('new'), null);
    assert.equal(await s.takeOAuthCode('old-code'), null);
    assert.notEqual(await s.takeOAuthCode('new-code'), null);
    assert.deepEqual(
      (await s.listTokens(owner)).map((x) => x.hash),
      ['new-token', 'forever'],
    );
  });
}
