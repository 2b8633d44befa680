// Conformance: the server lifecycle applied in the database (compare-and-set transitions,
// claims, progress events) and the replica registry with its singleton leases.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Store } from '../types.ts';
import { at, isStoreError, T0, type Harness } from './harness.ts';

async function serverOf(s: Store, user = 'alice', name = ''): Promise<number> {
  await s.createUsers([user], { admin: false, now: T0 });
  return (await s.ensureServer(user, name)).id;
}

const A = 'replica-a';
const B = 'replica-b';

export function serverLifecycleCases(h: Harness): void {
  it('a spawn and a stop go through every phase, with the claim held while work is in flight', async (t) => {
    const s = await h.fresh(t);
    const id = await serverOf(s);
    const claimA = { owner: A, expires: at(30_000) };
    const q = await s.transitionServer(id, { event: { type: 'request-spawn', position: 3 }, now: at(1), claim: claimA });
    assert.ok(q.ok);
    assert.deepEqual(q.from, { phase: 'stopped', since: new Date(0) });
    assert.deepEqual(q.server.lifecycle, { phase: 'spawn-queued', since: at(1), position: 3 });
    assert.deepEqual([q.server.phase, q.server.lifecycleVersion, q.server.claim], ['spawning', 1, claimA]);
    assert.ok((await s.transitionServer(id, { event: { type: 'queue-position', position: 1 }, now: at(2), asOwner: A })).ok);
    assert.deepEqual((await s.getServer('alice', ''))?.lifecycle, { phase: 'spawn-queued', since: at(1), position: 1 });
    assert.ok((await s.transitionServer(id, { event: { type: 'slot-granted' }, now: at(3), asOwner: A })).ok);
    const started = await s.transitionServer(id, {
      event: { type: 'started', target: 'http://127.0.0.1:4000' },
      now: at(4),
      asOwner: A,
      patch: { spawnerState: { pid: 42 }, started: at(4) },
    });
    assert.ok(started.ok);
    assert.deepEqual(started.server.lifecycle, { phase: 'waiting-ready', since: at(4), target: 'http://127.0.0.1:4000' });
    assert.deepEqual([started.server.phase, started.server.target, started.server.spawnerState], ['spawning', 'http://127.0.0.1:4000', { pid: 42 }]);
    const ready = await s.transitionServer(id, { event: { type: 'ready' }, now: at(5), asOwner: A, claim: null });
    assert.ok(ready.ok);
    assert.deepEqual([ready.server.phase, ready.server.lifecycle.phase, ready.server.claim], ['running', 'running', null]);
    assert.deepEqual((await s.listActiveServers()).map((x) => x.id), [id]);

    const stopping = await s.transitionServer(id, { event: { type: 'request-stop' }, now: at(6), claim: { owner: B, expires: at(60_000) } });
    assert.ok(stopping.ok);
    assert.deepEqual([stopping.server.phase, stopping.server.target], ['stopping', 'http://127.0.0.1:4000']);
    const stopped = await s.transitionServer(id, { event: { type: 'stopped' }, now: at(7), asOwner: B, claim: null, patch: { spawnerState: {} } });
    assert.ok(stopped.ok);
    assert.deepEqual(stopped.server.lifecycle, { phase: 'stopped', since: at(7) });
    assert.deepEqual([stopped.server.phase, stopped.server.target, stopped.server.claim, stopped.server.lifecycleVersion], ['stopped', null, null, 7]);
    assert.deepEqual(await s.listActiveServers(), []);
  });

  it('an event the state machine refuses leaves the row untouched and says why', async (t) => {
    const s = await h.fresh(t);
    const id = await serverOf(s);
    const notRunning = await s.transitionServer(id, { event: { type: 'request-stop' }, now: at(1) });
    assert.equal(notRunning.ok, false);
    assert.equal(!notRunning.ok && notRunning.error.code, 'not-running');
    const invalid = await s.transitionServer(id, { event: { type: 'ready' }, now: at(1) });
    assert.equal(!invalid.ok && invalid.error.code, 'invalid-transition');
    assert.ok((await s.transitionServer(id, { event: { type: 'request-spawn', position: 1 }, now: at(2) })).ok);
    const again = await s.transitionServer(id, { event: { type: 'request-spawn', position: 1 }, now: at(3) });
    assert.equal(!again.ok && again.error.code, 'already-pending');
    const row = await s.getServer('alice', '');
    assert.deepEqual([row?.lifecycle, row?.lifecycleVersion], [{ phase: 'spawn-queued', since: at(2), position: 1 }, 1]);
    await assert.rejects(s.transitionServer(id + 1000, { event: { type: 'ready' }, now: at(1) }), isStoreError('STORE_NOT_FOUND'));
    await assert.rejects(
      s.transitionServer(id, { event: { type: 'cancel' }, now: at(1), patch: { phase: 'running' } as never }),
      isStoreError('STORE_BAD_INPUT'),
    );
  });

  it('a failed spawn keeps its reason, exit code and output, and a new spawn may follow', async (t) => {
    const s = await h.fresh(t);
    const id = await serverOf(s);
    await s.transitionServer(id, { event: { type: 'request-spawn', position: 1 }, now: at(1), claim: { owner: A, expires: at(9) } });
    await s.transitionServer(id, { event: { type: 'slot-granted' }, now: at(2) });
    await s.transitionServer(id, { event: { type: 'started', target: 'http://127.0.0.1:5' }, now: at(3) });
    const failed = await s.transitionServer(id, {
      event: { type: 'exited', exitCode: 3, logTail: ['Traceback', 'ünïcode'] },
      now: at(4),
      claim: null,
    });
    assert.ok(failed.ok);
    assert.deepEqual(failed.server.lifecycle, {
      phase: 'failed',
      since: at(4),
      reason: 'The server process exited with code 3',
      exitCode: 3,
      logTail: ['Traceback', 'ünïcode'],
    });
    assert.deepEqual([failed.server.phase, failed.server.target, failed.server.claim], ['stopped', null, null]);
    assert.deepEqual(failed.server.lastFailure, { message: 'The server process exited with code 3', exitCode: 3, logTail: ['Traceback', 'ünïcode'], at: at(4) });
    const retry = await s.transitionServer(id, { event: { type: 'request-spawn', position: 1 }, now: at(5) });
    assert.ok(retry.ok);
    assert.equal(retry.server.lifecycle.phase, 'spawn-queued');
  });

  it('a live claim of another replica refuses its events; once expired, another replica takes the work over', async (t) => {
    const s = await h.fresh(t);
    const id = await serverOf(s);
    await s.transitionServer(id, { event: { type: 'request-spawn', position: 1 }, now: at(0), claim: { owner: A, expires: at(1000) } });
    const refused = await s.transitionServer(id, { event: { type: 'slot-granted' }, now: at(500), asOwner: B });
    assert.deepEqual(!refused.ok && refused.error, { code: 'claimed', owner: A, message: "the server's slot-granted is handled by replica replica-a" });
    const invalid = await s.transitionServer(id, { event: { type: 'request-spawn', position: 1 }, now: at(500), asOwner: B });
    assert.equal(!invalid.ok && invalid.error.code, 'already-pending', 'the state machine answers first');
    assert.equal(await s.claimServer(id, B, at(2000), at(500)), null);
    assert.equal((await s.claimServer(id, A, at(1500), at(500)))?.claim?.expires.getTime(), at(1500).getTime());
    assert.equal(await s.renewClaims(A, at(3000)), 1);
    assert.equal(await s.renewClaims(B, at(3000)), 0);
    assert.deepEqual(await s.listExpiredClaims(at(2999)), []);
    assert.deepEqual((await s.listExpiredClaims(at(3000))).map((x) => [x.id, x.claim?.owner]), [[id, A]]);
    // replica A stopped renewing: B's events apply after the expiry, and B may claim the work
    assert.ok((await s.transitionServer(id, { event: { type: 'slot-granted' }, now: at(3000), asOwner: B })).ok);
    const taken = await s.claimServer(id, B, at(9000), at(3000));
    assert.deepEqual(taken?.claim, { owner: B, expires: at(9000) });
    const late = await s.transitionServer(id, { event: { type: 'cancel' }, now: at(3001), asOwner: A });
    assert.equal(!late.ok && late.error.code, 'claimed');
    await assert.rejects(s.claimServer(id + 1000, A, at(1), at(0)), isStoreError('STORE_NOT_FOUND'));
  });

  it('concurrent requests to spawn one server: exactly one wins, the others see it pending', async (t) => {
    const s = await h.fresh(t);
    const id = await serverOf(s);
    const stores = [s];
    if (h.same && h.options.concurrentReplicas) stores.push(await h.same(t, s), await h.same(t, s));
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        stores[i % stores.length].transitionServer(id, {
          event: { type: 'request-spawn', position: 1 },
          now: at(i),
          claim: { owner: `replica-${i}`, expires: at(10_000) },
        }),
      ),
    );
    const won = results.filter((r) => r.ok);
    assert.equal(won.length, 1);
    assert.deepEqual(
      results.filter((r) => !r.ok).map((r) => !r.ok && r.error.code),
      Array.from({ length: 11 }, () => 'already-pending'),
    );
    const row = await s.getServer('alice', '');
    assert.equal(row?.lifecycleVersion, 1);
    assert.equal(row?.claim?.owner, won[0].ok ? won[0].server.claim?.owner : '');
  });

  it('progress events of the current attempt are readable from a cursor; a new spawn starts afresh', async (t) => {
    const s = await h.fresh(t);
    const id = await serverOf(s);
    const other = (await s.ensureServer('alice', 'other')).id;
    await s.transitionServer(id, { event: { type: 'request-spawn', position: 1 }, now: at(0) });
    const first = await s.appendServerProgress(id, { progress: 0, message: 'Server requested' }, at(1));
    const second = await s.appendServerProgress(id, { progress: 10, message: 'Spawning server…', queue_position: 2 }, at(2));
    await s.appendServerProgress(other, { progress: 0, message: 'other server' }, at(2));
    assert.ok(second.id > first.id);
    assert.deepEqual(await s.listServerProgress(id), [first, second]);
    assert.deepEqual(await s.listServerProgress(id, first.id), [second]);
    assert.deepEqual(await s.listServerProgress(id, second.id), []);
    await s.transitionServer(id, { event: { type: 'cancel' }, now: at(3) });
    assert.equal((await s.listServerProgress(id)).length, 2, 'a finished attempt stays readable');
    await s.transitionServer(id, { event: { type: 'request-spawn', position: 1 }, now: at(4) });
    assert.deepEqual(await s.listServerProgress(id), []);
    assert.equal((await s.listServerProgress(other)).length, 1);
    await assert.rejects(s.appendServerProgress(other + 1000, { progress: 1 }, at(5)), isStoreError('STORE_NOT_FOUND'));
    await s.deleteServer(other);
    assert.deepEqual(await s.listServerProgress(other), []);
  });

  it('watchServers wakes watchers on any replica\'s transitions and progress, or says there is no feed', async (t) => {
    const s = await h.fresh(t);
    const id = await serverOf(s);
    let woken = 0;
    let wake = () => undefined as void;
    const stop = await s.watchServers(() => {
      woken++;
      wake();
    });
    if (stop === null) return; // no change feed (SQLite, MySQL): replicas poll
    t.after(stop);
    const other = h.same ? await h.same(t, s) : s;
    // a guard against hanging, not a timing assertion
    const nextWake = () =>
      new Promise<void>((resolve, reject) => {
        const guard = setTimeout(() => reject(new Error('no notification within 20 s')), 20_000);
        wake = () => {
          clearTimeout(guard);
          resolve();
        };
      });
    let woke = nextWake();
    await other.transitionServer(id, { event: { type: 'request-spawn', position: 1 }, now: at(1) });
    await woke;
    woke = nextWake();
    await other.appendServerProgress(id, { progress: 0, message: 'Server requested' }, at(2));
    await woke;
    assert.ok(woken >= 2);
  });

  it('replicas register with a heartbeat and are listed until removed', async (t) => {
    const s = await h.fresh(t);
    assert.deepEqual(await s.listReplicas(), []);
    await s.heartbeatReplica(B, at(10), { host: 'node-2', pid: 2 });
    await s.heartbeatReplica(A, at(20), { host: 'node-1', pid: 1 });
    await s.heartbeatReplica(A, at(5020), { host: 'node-1', pid: 1, spawning: 3 });
    assert.deepEqual(await s.listReplicas(), [
      { id: A, started: at(20), heartbeat: at(5020), info: { host: 'node-1', pid: 1, spawning: 3 } },
      { id: B, started: at(10), heartbeat: at(10), info: { host: 'node-2', pid: 2 } },
    ]);
    await s.deleteReplica(B);
    assert.deepEqual((await s.listReplicas()).map((r) => r.id), [A]);
  });

  it('a named lease has one owner at a time, renewable by it and taken over after it expires', async (t) => {
    const s = await h.fresh(t);
    assert.equal(await s.acquireLease('culler', A, at(1000), at(0)), true);
    assert.equal(await s.acquireLease('culler', B, at(2000), at(999)), false);
    assert.equal(await s.acquireLease('reconcile', B, at(2000), at(999)), true);
    assert.equal(await s.acquireLease('culler', A, at(3000), at(999)), true);
    assert.equal(await s.acquireLease('culler', B, at(4000), at(2999)), false);
    assert.equal(await s.acquireLease('culler', B, at(4000), at(3000)), true);
    assert.equal(await s.acquireLease('culler', A, at(5000), at(3001)), false);
    await s.releaseLease('culler', A); // not A's any more: no effect
    assert.equal(await s.acquireLease('culler', A, at(5000), at(3001)), false);
    await s.releaseLease('culler', B);
    assert.equal(await s.acquireLease('culler', A, at(5000), at(3001)), true);

    const stores = [s];
    if (h.same && h.options.concurrentReplicas) stores.push(await h.same(t, s), await h.same(t, s));
    const racers = await Promise.all(
      Array.from({ length: 9 }, (_, i) => stores[i % stores.length].acquireLease('sweep', `r${i}`, at(10_000), at(6000))),
    );
    assert.equal(racers.filter(Boolean).length, 1);
  });
}
