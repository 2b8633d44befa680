import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpawnQueue, type QueueTicket } from './spawnQueue.ts';

/** Which of these tickets have been granted so far, released or not (after pending callbacks ran). */
async function grantedOf(tickets: Record<string, QueueTicket>): Promise<string[]> {
  const out: string[] = [];
  for (const [name, t] of Object.entries(tickets)) {
    const won = await Promise.race([t.granted.then(() => true, () => false), new Promise<boolean>((r) => setImmediate(() => r(false)))]);
    if (won) out.push(name);
  }
  return out;
}

test('grants up to the limit at once, queues the rest in FIFO order', async () => {
  const q = new SpawnQueue(2);
  const t: Record<string, QueueTicket> = {};
  for (const n of ['a', 'b', 'c', 'd', 'e']) t[n] = q.enter();
  assert.deepEqual(await grantedOf(t), ['a', 'b']);
  assert.equal(q.active, 2);
  assert.equal(q.queued, 3);
  assert.deepEqual(['c', 'd', 'e'].map((n) => t[n].position()), [1, 2, 3]);
  assert.equal(t.a.position(), 0);
  t.b.release();
  assert.deepEqual(await grantedOf(t), ['a', 'b', 'c']);
  assert.equal(q.active, 2);
  t.a.release();
  assert.deepEqual(await grantedOf(t), ['a', 'b', 'c', 'd']);
  assert.equal(t.e.position(), 1);
  t.c.release();
  assert.deepEqual(await grantedOf(t), ['a', 'b', 'c', 'd', 'e']);
  t.d.release();
  t.e.release();
  assert.equal(q.active, 0);
  assert.equal(q.queued, 0);
});

test('release is idempotent and only frees one slot', async () => {
  const q = new SpawnQueue(1);
  const a = q.enter();
  const b = q.enter();
  const c = q.enter();
  await a.granted;
  a.release();
  a.release();
  a.release();
  assert.deepEqual(await grantedOf({ a, b, c }), ['a', 'b']);
  assert.equal(q.active, 1);
  assert.equal(c.position(), 1);
});

test('positions are announced on entry and whenever they change', async () => {
  const q = new SpawnQueue(1);
  const seen: Record<string, number[]> = { b: [], c: [], d: [] };
  const a = q.enter(undefined, () => assert.fail('a is granted at once, never queued'));
  const b = q.enter(undefined, (p) => seen.b.push(p));
  const c = q.enter(undefined, (p) => seen.c.push(p));
  const d = q.enter(undefined, (p) => seen.d.push(p));
  assert.deepEqual(seen, { b: [1], c: [2], d: [3] });
  a.release(); // b granted; c and d move up
  assert.deepEqual(seen, { b: [1], c: [2, 1], d: [3, 2] });
  c.release(); // c leaves the queue; d moves up, b is unaffected
  assert.deepEqual(seen, { b: [1], c: [2, 1], d: [3, 2, 1] });
  await b.granted;
  b.release();
  await d.granted;
  assert.equal(d.position(), 0);
});

test('an abort while queued rejects the ticket, leaves the queue and moves the others up', async () => {
  const q = new SpawnQueue(1);
  const a = q.enter();
  const ac = new AbortController();
  const b = q.enter(ac.signal);
  const positions: number[] = [];
  const c = q.enter(undefined, (p) => positions.push(p));
  ac.abort();
  await assert.rejects(b.granted, /left the spawn queue/);
  assert.equal(b.position(), 0);
  assert.equal(q.queued, 1);
  assert.deepEqual(positions, [2, 1]);
  a.release();
  await c.granted;
  assert.equal(q.active, 1);
  b.release(); // harmless after abort
  assert.equal(q.active, 1);
});

test('an abort after the grant gives the slot back', async () => {
  const q = new SpawnQueue(1);
  const ac = new AbortController();
  const a = q.enter(ac.signal);
  const b = q.enter();
  await a.granted;
  ac.abort();
  await b.granted;
  assert.equal(q.active, 1);
  a.release(); // already released by the abort: no double free
  assert.equal(q.active, 1);
});

test('release while queued also leaves the queue', async () => {
  const q = new SpawnQueue(1);
  q.enter();
  const b = q.enter();
  b.release();
  await assert.rejects(b.granted);
  assert.equal(q.queued, 0);
});

test('limit 0 means unlimited', async () => {
  const q = new SpawnQueue(0);
  const tickets = Array.from({ length: 100 }, () => q.enter(undefined, () => assert.fail('never queued')));
  await Promise.all(tickets.map((t) => t.granted));
  assert.equal(q.active, 100);
  assert.equal(q.queued, 0);
  for (const t of tickets) t.release();
  assert.equal(q.active, 0);
});

test('setLimit raises the limit and drains the queue in order; 0 drains everything', async () => {
  const q = new SpawnQueue(1);
  const t: Record<string, QueueTicket> = {};
  for (const n of ['a', 'b', 'c', 'd']) t[n] = q.enter();
  q.setLimit(3);
  assert.deepEqual(await grantedOf(t), ['a', 'b', 'c']);
  q.setLimit(0);
  assert.deepEqual(await grantedOf(t), ['a', 'b', 'c', 'd']);
});

test("other replicas' spawns take slots; the slots they free go to this replica's queue in order", async () => {
  const q = new SpawnQueue(3);
  q.setOthersInFlight(2);
  const t: Record<string, QueueTicket> = {};
  for (const n of ['a', 'b', 'c']) t[n] = q.enter();
  assert.deepEqual(await grantedOf(t), ['a']);
  assert.deepEqual(['b', 'c'].map((n) => t[n].position()), [1, 2]);
  q.setOthersInFlight(1);
  assert.deepEqual(await grantedOf(t), ['a', 'b']);
  q.setOthersInFlight(5); // more than the limit: nothing more is granted, nothing is taken back
  t.a.release();
  assert.deepEqual(await grantedOf(t), ['a', 'b']);
  assert.equal(t.c.position(), 1);
  q.setOthersInFlight(0);
  assert.deepEqual(await grantedOf(t), ['a', 'b', 'c']);
  t.b.release();
  t.c.release();
  assert.equal(q.active, 0);
});
