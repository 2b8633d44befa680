// Issue 13, step 1: two `nbhub start` hub replicas on one real database. Replica A is
// SIGKILLed in the middle of a real jupyterhub-singleuser spawn; replica B, whose heartbeat
// sweep sees A's claim expire, finishes the spawn (the server answers through B's proxy) or
// cleans it up (process gone, failure reported) — within a bounded time, never left pending.
// Also: the spawn's progress events are in the database, readable by any replica.
// Run by replicaTakeover.test.ts (PostgreSQL) and replicaTakeover.mariadb.test.ts.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { ServerRecord } from '../../src/store/index.ts';
import { HubApi } from '../support/hubApi.ts';
import { hubReplicas, sharedDatabase, until } from '../support/hubReplicas.ts';
import { alive } from '../support/nbhubProcess.ts';

const HEARTBEAT_MS = 500; // claims expire after 3 missed beats: 1.5 s

export async function takeoverScenario(kind: 'postgres' | 'mysql'): Promise<void> {
  const db = await sharedDatabase(kind);
  const store = db.store;
  const hubs = await hubReplicas({ ids: ['replica-a', 'replica-b'], dbYaml: db.dbYaml, heartbeatMs: HEARTBEAT_MS });
  const serviceToken = hubs.serviceToken;

  after(async () => {
    await hubs.stop();
    const row = await store.getServer('alice', '').catch(() => null);
    const pid = row?.spawnerState.pid;
    if (typeof pid === 'number' && alive(pid)) process.kill(pid, 'SIGKILL');
    await db.stop();
  });

  test(`a spawn whose replica is SIGKILLed is finished or cleaned up by the other replica (${kind})`, { timeout: 240_000 }, async () => {
    const a = await hubs.start('replica-a');
    const b = await hubs.start('replica-b');
    const apiA = new HubApi(a.url, serviceToken);
    assert.equal((await apiA.call('POST', '/users/alice')).status, 201);
    // not awaited: the request waits (up to 10 s) for the server to be ready, and A dies before
    const spawnRequest = apiA.call('POST', '/users/alice/server').catch(() => null);

    // A has started the process (its state is in the database) and waits for it to answer
    const mid = await until(
      'replica A to start the process',
      async () => {
        const r = await store.getServer('alice', '');
        return r && (r.lifecycle.phase === 'waiting-ready' || r.lifecycle.phase === 'running') ? r : null;
      },
      120_000,
    );
    assert.equal(mid.claim?.owner, 'replica-a');
    const pid = mid.spawnerState.pid;
    assert.equal(typeof pid, 'number');
    const events = (await store.listServerProgress(mid.id)).map((e) => e.event.message);
    assert.equal(events[0], 'Server requested');
    assert.ok(events.includes('Spawning server...'), `progress in the database: ${JSON.stringify(events)}`);
    await a.kill();
    await spawnRequest;
    const killedAt = (await store.getServer('alice', ''))?.lifecycle.phase;

    // B takes the claim over once it expires and settles the server
    const settled: ServerRecord = await until(
      'replica B to settle the server',
      async () => {
        const r = await store.getServer('alice', '');
        if (!r) return null;
        if (r.lifecycle.phase === 'running' && r.claim?.owner === 'replica-b') return r;
        if ((r.lifecycle.phase === 'stopped' || r.lifecycle.phase === 'failed') && r.claim === null) return r;
        return null;
      },
      30_000,
    );
    assert.deepEqual((await store.listExpiredClaims(new Date())).map((r) => r.id), []);
    // the progress stream in the database ends with the outcome, as B decided it
    const last = (await store.listServerProgress(settled.id)).at(-1)?.event;
    assert.equal(settled.lifecycle.phase === 'running' ? last?.ready : last?.failed, true, JSON.stringify(last));
    if (settled.lifecycle.phase === 'running') {
      // finished: exactly the process A started, answering through B's proxy
      assert.equal(settled.spawnerState.pid, pid);
      assert.ok(alive(pid as number));
      const res = await fetch(`${b.url}user/alice/api`);
      assert.equal(res.status, 200);
      assert.ok(typeof ((await res.json()) as { version?: unknown }).version === 'string');
      assert.ok([202, 204].includes((await new HubApi(b.url, serviceToken).call("DELETE", "/users/alice/server")).status));
    } else {
      // cleaned up: the process is gone and the user is told why
      await until('the interrupted server process to end', async () => !alive(pid as number), 30_000);
      assert.match(settled.lastFailure?.message ?? '', /replica starting this server stopped|exited|ended/);
    }
    console.log(`replica A killed while the server was ${killedAt}; replica B left it ${settled.lifecycle.phase}`);
  });
}
