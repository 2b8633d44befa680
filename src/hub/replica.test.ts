// ReplicaPresence over a real (in-memory SQLite) store with an injected clock: registration,
// who counts as alive, claims renewed by the heartbeat, singleton leases, the env settings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { openStore } from '../store/index.ts';
import { DEAD_AFTER_MISSED, ReplicaPresence, heartbeatMsFromEnv, replicaIdFromEnv } from './replica.ts';

const logger = pino({ level: 'silent' });
const T0 = new Date('2026-01-05T08:00:00.000Z');

async function setup() {
  const store = await openStore({ type: 'sqlite-memory', dataDir: '', logger });
  await store.migrate();
  let clock = T0.getTime();
  const now = () => new Date(clock);
  const presence = (id: string, afterBeat?: () => Promise<void>) => new ReplicaPresence({ store, id, intervalMs: 1000, now, logger, afterBeat });
  return { store, presence, advance: (ms: number) => (clock += ms), now };
}

test('replicas register, beat, and drop out of the live set after missing 3 beats', async () => {
  const { store, presence, advance } = await setup();
  const beats: string[] = [];
  const a = presence('a', async () => void beats.push('a'));
  const b = presence('b');
  await a.beatOnce();
  await b.beatOnce();
  assert.deepEqual(beats, ['a']);
  assert.deepEqual((await a.liveReplicas()).map((r) => r.id), ['a', 'b']);
  advance(DEAD_AFTER_MISSED * 1000 - 1);
  await a.beatOnce();
  assert.deepEqual((await a.liveReplicas()).map((r) => r.id), ['a', 'b']);
  advance(1);
  assert.deepEqual((await a.liveReplicas()).map((r) => r.id), ['a'], 'b missed 3 beats');
  assert.deepEqual((await store.listReplicas()).map((r) => r.id), ['a', 'b'], 'kept in the registry for diagnostics');
  await store.close();
});

test('the heartbeat renews the claims of the replica and only those', async () => {
  const { store, presence, advance, now } = await setup();
  await store.createUsers(['alice', 'bob'], { admin: false, now: T0 });
  const a = presence('a');
  const alice = await store.ensureServer('alice', '');
  const bob = await store.ensureServer('bob', '');
  await store.claimServer(alice.id, 'a', a.leaseUntil(), now());
  await store.claimServer(bob.id, 'b', a.leaseUntil(), now());
  advance(2500);
  await a.beatOnce();
  advance(1000);
  assert.deepEqual((await store.listExpiredClaims(now())).map((r) => r.userName), ['bob']);
  assert.equal((await store.getServer('alice', ''))?.claim?.expires.getTime(), T0.getTime() + 2500 + 3000);
  await store.close();
});

test('a singleton lease is held by one replica and taken over when its holder stops renewing', async () => {
  const { store, presence, advance } = await setup();
  const a = presence('a');
  const b = presence('b');
  assert.equal(await a.holdLease('culler', 5000), true);
  assert.equal(await b.holdLease('culler', 5000), false);
  advance(4000);
  assert.equal(await a.holdLease('culler', 5000), true, 'renewed');
  advance(4999);
  assert.equal(await b.holdLease('culler', 5000), false);
  advance(1);
  assert.equal(await b.holdLease('culler', 5000), true, 'a stopped renewing');
  assert.equal(await a.holdLease('culler', 5000), false);
  await store.close();
});

test('replica id and heartbeat interval come from the environment, with clear errors', () => {
  assert.equal(replicaIdFromEnv({}), 'hub');
  assert.equal(replicaIdFromEnv({ NBHUB_REPLICA_ID: ' hub-7d9f-x2 ' }), 'hub-7d9f-x2');
  assert.equal(heartbeatMsFromEnv({}), 5000);
  assert.equal(heartbeatMsFromEnv({ NBHUB_REPLICA_HEARTBEAT_MS: '500' }), 500);
  for (const bad of ['100', '1.5', 'soon', '600000']) {
    assert.throws(() => heartbeatMsFromEnv({ NBHUB_REPLICA_HEARTBEAT_MS: bad }), /NBHUB_REPLICA_HEARTBEAT_MS must be an integer from 200 to 60000/);
  }
});
