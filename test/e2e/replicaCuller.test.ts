// Issue 13, singleton work: with two hub replicas on one PostgreSQL database and the idle culler
// on, only the replica holding the 'culler' lease culls. Replica B starts first and takes the
// lease; alice's idle server, started on replica A, is culled by B (the stop goes through the
// database to the server A started), not by A, and her process ends.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, test } from 'node:test';
import type { SqlStore } from '../../src/store/index.ts';
import { HubApi } from '../support/hubApi.ts';
import { hubReplicas, sharedDatabase, until } from '../support/hubReplicas.ts';
import { alive } from '../support/nbhubProcess.ts';

const db = await sharedDatabase('postgres');
const hubs = await hubReplicas({
  ids: ['replica-a', 'replica-b'],
  dbYaml: db.dbYaml,
  heartbeatMs: 500,
});

after(async () => {
  await hubs.stop();
  const row = await db.store.getServer('alice', '').catch(() => null);
  const pid = row?.spawnerState.pid;
  if (typeof pid === 'number' && alive(pid)) process.kill(pid, 'SIGKILL');
  await db.stop();
});

test('only the replica holding the culler lease culls, also a server another replica started', { timeout: 240_000 }, async () => {
  const cull = ['cull:', '  enabled: true', '  timeout: 3', '  every: 1'];
  const b = await hubs.start('replica-b', cull);
  const leases = (db.store as SqlStore).db;
  await until('replica B to hold the culler lease', async () => {
    const row = await leases.selectFrom('hub_leases').select('owner').where('name', '=', 'culler').executeTakeFirst();
    return row?.owner === 'replica-b';
  }, 30_000);
  const a = await hubs.start('replica-a', cull);
  const apiA = new HubApi(a.url, hubs.serviceToken);
  assert.equal((await apiA.call('POST', '/users/alice')).status, 201);
  assert.ok([201, 202].includes((await apiA.call('POST', '/users/alice/server')).status));
  const running = await until('alice to be running', async () => {
    const r = await db.store.getServer('alice', '');
    return r?.lifecycle.phase === 'running' ? r : null;
  }, 120_000);
  const pid = running.spawnerState.pid as number;

  const stopped = await until('the culler to stop alice', async () => {
    const r = await db.store.getServer('alice', '');
    return r?.lifecycle.phase === 'stopped' ? r : null;
  }, 60_000);
  assert.equal(stopped.lastFailure, null, 'culled, not crashed');
  await until('the process to end', async () => !alive(pid), 30_000);

  const culledBy = [];
  for (const h of [a, b]) {
    const lines = (await readFile(h.logFile, 'utf8')).split('\n').filter((l) => l.includes('"culling server"') && l.includes('"alice"'));
    if (lines.length) culledBy.push(h === a ? 'replica-a' : 'replica-b');
  }
  assert.deepEqual(culledBy, ['replica-b']);
});
