// Conformance: migrations (idempotent, concurrent replicas) and persistence across reopen.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { newToken, T0, type Harness } from './harness.ts';

export function lifecycleCases(h: Harness): void {
  it('migrate is idempotent', async (t) => {
    const s = await h.unmigrated(t);
    await s.migrate();
    await s.migrate();
    await s.createUsers(['alice'], { admin: false, now: T0 });
    await s.migrate();
    assert.equal((await s.getUser('alice'))?.name, 'alice');
  });

  const same = h.same;
  if (!same) return;

  it('data persists when the store is closed and opened again', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['alice'], { admin: true, now: T0 });
    await s.updateUser('alice', { encryptedAuthState: 'sealed', authRefreshed: T0 });
    await s.setUserGroups('alice', ['physics'], { createMissing: true });
    const server = await s.ensureServer('alice', '');
    await s.updateServer(server.id, { phase: 'running', spawnerState: { pid: 7 }, target: 'http://127.0.0.1:9' });
    const token = await s.createToken(newToken({ kind: 'user', name: 'alice' }, 'hash'), T0);
    await s.setSetting('cookie_secret', 'abc');
    const before = { user: await s.getUser('alice'), server: await s.getServer('alice', '') };
    await s.close();

    const again = await same(t, s);
    await again.migrate();
    assert.deepEqual(await again.getUser('alice'), before.user);
    assert.deepEqual(await again.groupsOfUser('alice'), ['physics']);
    assert.deepEqual(await again.getServer('alice', ''), before.server);
    assert.deepEqual(await again.findTokenByHash('hash'), token);
    assert.equal(await again.getSetting('cookie_secret'), 'abc');
  });

  if (!h.options.concurrentReplicas) return;

  it('two replicas migrate an empty database at the same time', async (t) => {
    const a = await h.unmigrated(t);
    const b = await same(t, a);
    await Promise.all([a.migrate(), b.migrate(), a.migrate()]);
    await a.createUsers(['alice'], { admin: false, now: T0 });
    assert.equal((await b.getUser('alice'))?.name, 'alice');
  });

  it('replicas racing to create the same users: one wins, the other gets a conflict', async (t) => {
    const a = await h.fresh(t);
    const b = await same(t, a);
    const batch = Array.from({ length: 300 }, (_, i) => `racer${i}`);
    const results = await Promise.allSettled([
      a.createUsers(batch, { admin: false, now: T0 }),
      b.createUsers([...batch].reverse(), { admin: false, now: T0 }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(won.length, 1);
    assert.equal((lost[0].reason as { code?: string }).code, 'STORE_CONFLICT');
    assert.equal((await a.listUsers({ offset: 0, limit: 1 })).total, 300);
  });
}
