// SIGKILL the hub while alice's server runs, start it again: alice is still served through
// the proxy and listed as running; bob's server, killed while the hub was down, is stopped.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNbhub, alive, type NbhubProcess } from '../support/nbhubProcess.ts';
import { HubApi } from '../support/hubApi.ts';
import { e2eConfig } from '../support/e2eConfig.ts';

const { yaml: config, serviceToken } = e2eConfig();
let hub: NbhubProcess | undefined;
const pids: number[] = [];

after(async () => {
  if (hub) {
    const api = new HubApi(hub.url, serviceToken);
    for (const u of ['alice', 'bob']) await api.call('DELETE', `/users/${u}/server`).catch(() => undefined);
    await hub.stop();
  }
  for (const pid of pids) if (alive(pid)) process.kill(-pid, 'SIGKILL');
});

test('a restarted hub re-adopts running servers and cleans up dead ones', async () => {
  hub = await startNbhub({ name: 'restart-1', configYaml: config });
  const { dataDir, port } = hub;
  let api = new HubApi(hub.url, serviceToken);
  await api.call('POST', '/users', { usernames: ['alice', 'bob'] });
  await api.startServer('alice');
  await api.startServer('bob');
  const state = async (u: string) => (await api.get(`/users/${u}`)).body.servers[''].state as { pid: number };
  const alicePid = (await state('alice')).pid;
  const bobPid = (await state('bob')).pid;
  pids.push(alicePid, bobPid);
  const token = (await api.call('POST', '/users/alice/tokens', { note: 'restart' })).body.token as string;
  const aliceApi = `${hub.url}user/alice/api/status`;
  assert.equal((await fetch(aliceApi, { headers: { Authorization: `token ${token}` } })).status, 200);

  await hub.kill();
  assert.ok(alive(alicePid), "alice's server survives the hub's death");
  process.kill(-bobPid, 'SIGKILL');
  await api.until('bob to die', async () => !alive(bobPid), 10_000);

  hub = await startNbhub({ name: 'restart-2', configYaml: config, dataDir, port });
  api = new HubApi(hub.url, serviceToken);
  const res = await fetch(aliceApi, { headers: { Authorization: `token ${token}` } });
  assert.equal(res.status, 200, 'alice is served through the proxy after the restart');
  const alice = (await api.get('/users/alice')).body;
  assert.equal(alice.servers[''].ready, true);
  assert.equal(alice.servers[''].state.pid, alicePid, 'the same process, not a new one');
  const bob = (await api.get('/users/bob?include_stopped_servers=1')).body;
  assert.equal(bob.server, null);
  assert.equal(bob.servers[''].stopped, true);
  assert.equal(bob.servers[''].ready, false);
  const ready = (await api.get('/users?state=ready')).body.map((u: { name: string }) => u.name);
  assert.deepEqual(ready, ['alice']);
});
