// Conformance: servers (ensure, patch round-trips, listings, activity).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ServerPatch, ServerRecord } from '../types.ts';
import { at, isStoreError, T0, type Harness } from './harness.ts';

export function serverCases(h: Harness): void {
  it('ensureServer creates a stopped server once and returns it after', async (t) => {
    const s = await h.fresh(t);
    const [alice] = await s.createUsers(['alice'], { admin: false, now: T0 });
    const made = await s.ensureServer('alice', '');
    assert.deepEqual(made, {
      id: made.id,
      userId: alice.id,
      userName: 'alice',
      name: '',
      phase: 'stopped',
      spawnerState: {},
      target: null,
      started: null,
      lastActivity: null,
      userOptions: {},
      lastFailure: null,
      lifecycle: { phase: 'stopped', since: new Date(0) },
      lifecycleVersion: 0,
      claim: null,
    });
    assert.equal((await s.ensureServer('alice', '')).id, made.id);
    const racing = await Promise.all([1, 2, 3, 4].map(() => s.ensureServer('alice', 'named')));
    assert.equal(new Set(racing.map((r) => r.id)).size, 1);
    assert.equal(await s.getServer('alice', 'other'), null);
    await assert.rejects(s.ensureServer('nobody', ''), isStoreError('STORE_NOT_FOUND'));
  });

  it('updateServer round-trips every field exactly and patches only what is given', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['alice'], { admin: false, now: T0 });
    const { id } = await s.ensureServer('alice', 'lab');
    const patch: Required<Omit<ServerPatch, 'claim'>> = {
      phase: 'running',
      spawnerState: { pid: 4242, pod: { name: 'jupyter-alice', uid: 'x-1' }, ports: [8888], ok: true, none: null },
      target: 'http://127.0.0.1:54321',
      started: at(1),
      lastActivity: at(2),
      userOptions: { profile: 'gpu', image: 'jupyter/scipy:2024', cpu: 1.5, emoji: '🚀' },
      lastFailure: { message: 'exited with 1', exitCode: 1, logTail: ['line 1', 'ünïcode'], at: at(3) },
    };
    const updated = await s.updateServer(id, patch);
    assert.deepEqual(plain(updated), { id, userId: updated.userId, userName: 'alice', name: 'lab', ...patch });
    assert.deepEqual(await s.getServer('alice', 'lab'), updated);
    // a phase written directly moves the lifecycle to the phase of the same name
    assert.deepEqual([updated.lifecycle.phase, updated.lifecycleVersion], ['running', 1]);

    const partial = await s.updateServer(id, { phase: 'stopping', target: null });
    assert.deepEqual(plain(partial), { ...plain(updated), phase: 'stopping', target: null });
    assert.equal(partial.lifecycle.phase, 'stopping');
    const cleared = await s.updateServer(id, { phase: 'stopped', started: null, lastFailure: null, lastActivity: null });
    assert.deepEqual(plain(cleared), {
      ...plain(partial),
      phase: 'stopped',
      started: null,
      lastFailure: null,
      lastActivity: null,
    });
    assert.deepEqual(await s.updateServer(id, {}), cleared);
    assert.equal(cleared.lifecycleVersion, 3);
    const claimed = await s.updateServer(id, { claim: { owner: 'replica-a', expires: at(4) } });
    assert.deepEqual(claimed, { ...cleared, claim: { owner: 'replica-a', expires: at(4) } });
    assert.deepEqual(await s.updateServer(id, { claim: null }), cleared);
    await assert.rejects(s.updateServer(id + 1000, { phase: 'running' }), isStoreError('STORE_NOT_FOUND'));
    await assert.rejects(s.updateServer(id, { phase: 'exploded' as 'running' }), isStoreError('STORE_BAD_INPUT'));
  });

  it('listServersOfUser and listActiveServers list the right servers', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['alice', 'bob'], { admin: false, now: T0 });
    const a0 = await s.ensureServer('alice', '');
    const a1 = await s.ensureServer('alice', 'b');
    const a2 = await s.ensureServer('alice', 'a');
    const b0 = await s.ensureServer('bob', '');
    assert.deepEqual(
      (await s.listServersOfUser('alice')).map((x) => x.name),
      ['', 'a', 'b'],
    );
    assert.deepEqual(await s.listServersOfUser('nobody'), []);
    assert.deepEqual(await s.listActiveServers(), []);
    await s.updateServer(a1.id, { phase: 'spawning' });
    await s.updateServer(b0.id, { phase: 'running', target: 'http://127.0.0.1:1' });
    await s.updateServer(a2.id, { phase: 'stopping' });
    const active = await s.listActiveServers();
    assert.deepEqual(
      active.map((x) => [x.userName, x.name, x.phase]),
      [
        ['alice', 'b', 'spawning'],
        ['alice', 'a', 'stopping'],
        ['bob', '', 'running'],
      ],
    );
    await s.deleteServer(a0.id);
    assert.equal(await s.getServer('alice', ''), null);
    await s.deleteServer(a0.id); // already gone: no error
  });

  it('bumpServerActivity moves server and user activity forward only', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['alice'], { admin: false, now: T0 });
    await s.ensureServer('alice', '');
    await s.bumpServerActivity('alice', '', at(2000));
    assert.equal((await s.getServer('alice', ''))?.lastActivity?.getTime(), at(2000).getTime());
    assert.equal((await s.getUser('alice'))?.lastActivity?.getTime(), at(2000).getTime());
    await s.bumpServerActivity('alice', '', at(1000));
    assert.equal((await s.getServer('alice', ''))?.lastActivity?.getTime(), at(2000).getTime());
    assert.equal((await s.getUser('alice'))?.lastActivity?.getTime(), at(2000).getTime());
    await s.bumpUserActivity('alice', at(9000));
    await s.bumpServerActivity('alice', '', at(3000));
    assert.equal((await s.getServer('alice', ''))?.lastActivity?.getTime(), at(3000).getTime());
    assert.equal((await s.getUser('alice'))?.lastActivity?.getTime(), at(9000).getTime());
  });
}

/** The record without the lifecycle fields of migration 0003 (covered by serverLifecycle.ts). */
function plain(r: ServerRecord): Omit<ServerRecord, 'lifecycle' | 'lifecycleVersion' | 'claim'> {
  const { lifecycle: _l, lifecycleVersion: _v, claim: _c, ...rest } = r;
  return rest;
}
