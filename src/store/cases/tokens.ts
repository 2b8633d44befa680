// Conformance: API tokens.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { StoreConflictError } from '../types.ts';
import { at, isStoreError, newToken, T0, type Harness } from './harness.ts';

export function tokenCases(h: Harness): void {
  it('createToken stores user and service tokens that round-trip exactly', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['alice'], { admin: false, now: T0 });
    const userToken = await s.createToken(
      newToken({ kind: 'user', name: 'alice' }, 'a'.repeat(64), {
        note: 'Requested via api',
        expiresAt: at(3_600_000),
        sessionId: 'sess-1',
        oauthClientId: 'jupyterhub-user-alice',
        scopes: ['access:servers!server=alice/', 'self'],
      }),
      T0,
    );
    assert.deepEqual(userToken, {
      id: userToken.id,
      owner: { kind: 'user', name: 'alice' },
      hash: 'a'.repeat(64),
      scopes: ['access:servers!server=alice/', 'self'],
      note: 'Requested via api',
      created: T0,
      lastActivity: null,
      expiresAt: at(3_600_000),
      sessionId: 'sess-1',
      oauthClientId: 'jupyterhub-user-alice',
    });
    const svc = await s.createToken(newToken({ kind: 'service', name: 'idle-culler' }, 'b'.repeat(64)), at(1));
    assert.deepEqual(svc.owner, { kind: 'service', name: 'idle-culler' });
    assert.deepEqual(await s.findTokenByHash('a'.repeat(64)), userToken);
    assert.deepEqual(await s.getToken(svc.id), svc);
    assert.equal(await s.findTokenByHash('c'.repeat(64)), null);
    assert.equal(await s.getToken(svc.id + 1000), null);
    await assert.rejects(s.createToken(newToken({ kind: 'service', name: 'x' }, 'a'.repeat(64)), T0), StoreConflictError);
    await assert.rejects(s.createToken(newToken({ kind: 'user', name: 'nobody' }, 'd'), T0), isStoreError('STORE_NOT_FOUND'));
  });

  it('listTokens lists an owner’s tokens in creation order', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['alice', 'bob'], { admin: false, now: T0 });
    const a1 = await s.createToken(newToken({ kind: 'user', name: 'alice' }, 'a1'), T0);
    await s.createToken(newToken({ kind: 'user', name: 'bob' }, 'b1'), T0);
    const a2 = await s.createToken(newToken({ kind: 'user', name: 'alice' }, 'a2'), T0);
    const svc = await s.createToken(newToken({ kind: 'service', name: 'alice' }, 's1'), T0);
    assert.deepEqual(
      (await s.listTokens({ kind: 'user', name: 'alice' })).map((x) => x.id),
      [a1.id, a2.id],
    );
    assert.deepEqual(
      (await s.listTokens({ kind: 'service', name: 'alice' })).map((x) => x.id),
      [svc.id],
    );
    assert.deepEqual(await s.listTokens({ kind: 'user', name: 'nobody' }), []);
  });

  it('deleteToken and deleteTokens remove exactly the matching tokens', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['alice', 'bob'], { admin: false, now: T0 });
    const alice = { kind: 'user', name: 'alice' } as const;
    const bob = { kind: 'user', name: 'bob' } as const;
    const t1 = await s.createToken(newToken(alice, 't1', { sessionId: 's1', oauthClientId: 'c1' }), T0);
    await s.createToken(newToken(alice, 't2', { sessionId: 's1', oauthClientId: 'c2' }), T0);
    await s.createToken(newToken(alice, 't3', { sessionId: 's2', note: 'server' }), T0);
    await s.createToken(newToken(bob, 't4', { sessionId: 's1', note: 'server' }), T0);
    await s.createToken(newToken(bob, 't5', { oauthClientId: 'c1' }), T0);
    await s.createToken(newToken({ kind: 'service', name: 'svc' }, 't6', { note: 'server' }), T0);

    assert.equal(await s.deleteToken(t1.id), true);
    assert.equal(await s.deleteToken(t1.id), false);
    assert.equal(await s.deleteTokens({ userName: 'alice', sessionId: 's1' }), 1); // t2
    assert.equal(await s.deleteTokens({ note: 'server', userName: 'bob' }), 1); // t4
    assert.equal(await s.deleteTokens({ oauthClientId: 'c1' }), 1); // t5
    assert.equal(await s.deleteTokens({ sessionId: 'nope' }), 0);
    assert.equal(await s.deleteTokens({ userName: 'nobody' }), 0);
    await assert.rejects(s.deleteTokens({}), isStoreError('STORE_BAD_INPUT'));
    const left = [...(await s.listTokens(alice)), ...(await s.listTokens(bob)), ...(await s.listTokens({ kind: 'service', name: 'svc' }))];
    assert.deepEqual(left.map((x) => x.hash).sort(), ['t3', 't6']);
    assert.equal(await s.deleteTokens({ note: 'server' }), 2);
  });

  it('touchToken only moves last activity forward', async (t) => {
    const s = await h.fresh(t);
    const tok = await s.createToken(newToken({ kind: 'service', name: 'svc' }, 'h'), T0);
    await s.touchToken(tok.id, at(500));
    await s.touchToken(tok.id, at(100));
    assert.equal((await s.getToken(tok.id))?.lastActivity?.getTime(), at(500).getTime());
    await s.touchToken(tok.id, at(501));
    assert.equal((await s.getToken(tok.id))?.lastActivity?.getTime(), at(501).getTime());
  });
}
