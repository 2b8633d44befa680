// Issue 13, test item 4: a spawn started on hub replica A, whose progress stream is opened on
// replica B, shows every event and the final `ready` on B (B follows the events A writes to
// the shared database). A second request to start the server, sent to B while A is
// starting it, does not start a second process: B follows A's spawn. Then B stops the server A
// started: the process ends, both proxies drop the route, and A lets go without calling it a crash.
// Run by replicaProgress.test.ts (PostgreSQL) and replicaProgress.mariadb.test.ts.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { HubApi } from '../support/hubApi.ts';
import { hubReplicas, sharedDatabase, until } from '../support/hubReplicas.ts';
import { alive } from '../support/nbhubProcess.ts';

/** Reads a server-sent event stream until its final event; returns the `data:` payloads. */
async function readProgress(url: string, token: string): Promise<Array<Record<string, unknown>>> {
  const res = await fetch(url, { headers: { Authorization: `token ${token}` }, signal: AbortSignal.timeout(150_000) });
  assert.equal(res.status, 200, await res.clone().text().catch(() => ''));
  const events: Array<Record<string, unknown>> = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let at: number;
    while ((at = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, at);
      buffer = buffer.slice(at + 2);
      for (const line of block.split('\n')) if (line.startsWith('data: ')) events.push(JSON.parse(line.slice(6)) as Record<string, unknown>);
    }
  }
  return events;
}

export async function progressScenario(kind: 'postgres' | 'mysql'): Promise<void> {
  const db = await sharedDatabase(kind);
  const store = db.store;
  const hubs = await hubReplicas({ ids: ['replica-a', 'replica-b'], dbYaml: db.dbYaml, heartbeatMs: 500, hubYaml: ['activeServerLimit: 1'] });

  after(async () => {
    await hubs.stop();
    const row = await store.getServer('alice', '').catch(() => null);
    const pid = row?.spawnerState.pid;
    if (typeof pid === 'number' && alive(pid)) process.kill(pid, 'SIGKILL');
    await db.stop();
  });

  test(`a progress stream opened on replica B follows a spawn run by replica A to ready (${kind})`, { timeout: 240_000 }, async () => {
    const a = await hubs.start('replica-a');
    const b = await hubs.start('replica-b');
    const apiA = new HubApi(a.url, hubs.serviceToken);
    const apiB = new HubApi(b.url, hubs.serviceToken);
    assert.equal((await apiA.call('POST', '/users/alice')).status, 201);
    assert.equal((await apiA.call('POST', '/users/bob')).status, 201);
    const spawnOnA = apiA.call('POST', '/users/alice/server');

    // B learns of A's spawn from the database and reports it pending
    await until('replica B to see the spawn pending', async () => (await apiB.get('/users/alice')).body?.pending === 'spawn', 60_000);
    const onB = readProgress(`${b.url}hub/api/users/alice/server/progress`, hubs.serviceToken);
    // asking B to start it too: B follows A's spawn instead of starting a second server
    const secondRequest = await apiB.call('POST', '/users/alice/server');
    assert.ok([201, 202].includes(secondRequest.status), `second start request: ${secondRequest.status}`);

    const events = await onB;
    const messages = events.map((e) => e.message);
    assert.equal(messages[0], 'Server requested');
    for (const m of ['Spawning server...', 'Server started, waiting for it to respond...']) assert.ok(messages.includes(m), `${m} in ${JSON.stringify(messages)}`);
    const last = events.at(-1)!;
    assert.equal(last.ready, true);
    assert.equal(last.url, '/user/alice/');
    const progress = events.map((e) => e.progress as number);
    assert.deepEqual(progress, [...progress].sort((x, y) => x - y), 'progress never goes back');
    assert.ok([201, 202].includes((await spawnOnA).status));

    // one server, started by A, reachable through both replicas' proxies
    const row = await store.getServer('alice', '');
    assert.equal(row?.claim?.owner, 'replica-a');
    assert.equal(row?.lifecycle.phase, 'running');
    await until('replica B to see the server ready', async () => (await apiB.get('/users/alice')).body?.server === '/user/alice/', 30_000);
    for (const h of [a, b]) {
      const res = await until('the route on each proxy', async () => {
        // without the route the proxy sends the request to the hub, which answers with a page
        const r = await fetch(`${h.url}user/alice/api`, { redirect: 'manual' });
        return r.status === 200 && r.headers.get('content-type')?.includes('json') ? r : null;
      }, 60_000);
      assert.equal(typeof ((await res.json()) as { version?: unknown }).version, 'string');
    }

    // hub.activeServerLimit (1) counts the servers of every replica: B refuses bob's while alice's runs on A
    const overLimit = await apiB.call('POST', '/users/bob/server');
    assert.equal(overLimit.status, 429, JSON.stringify(overLimit.body));

    // B stops the server A started: the process ends, both proxies drop the route, A lets go
    const pid = row?.spawnerState.pid as number;
    assert.ok(alive(pid));
    assert.ok([202, 204].includes((await apiB.call('DELETE', '/users/alice/server')).status));
    const stopped = await until('the server to be recorded stopped', async () => {
      const r = await store.getServer('alice', '');
      return r?.lifecycle.phase === 'stopped' ? r : null;
    }, 60_000);
    assert.deepEqual([stopped.claim, stopped.lastFailure, stopped.target], [null, null, null]);
    await until('the server process to end', async () => !alive(pid), 30_000);
    for (const h of [a, b]) {
      await until('the route to leave each proxy', async () => {
        const r = await fetch(`${h.url}user/alice/api`, { redirect: 'manual' });
        return !r.headers.get('content-type')?.includes('json');
      }, 30_000);
    }
    await until('replica A to report it stopped', async () => {
      const m = (await apiA.get('/users/alice')).body;
      return m?.server === null && m?.pending === null;
    }, 30_000);
    const lastFailure = (await store.getServer('alice', ''))?.lastFailure;
    assert.equal(lastFailure, null, 'a stop asked for is not recorded as a crash');
  });
}
