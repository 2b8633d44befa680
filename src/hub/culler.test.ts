// The in-hub culler against a real hub (in process, SQLite, local spawner running the small
// stand-in server), with an injected clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../config/index.ts';
import { startHub } from './app.ts';
import { tempDir, freePort, alive } from '../../test/support/nbhubProcess.ts';

const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../spawner/fixtures/http_fixture.py');

test('idle servers are stopped and inactive users deleted; active ones are kept', async () => {
  let clock = Date.now();
  const { config } = loadConfig({
    data: {
      auth: { type: 'dummy' },
      spawner: { local: { isolateUsers: false } },
      singleuser: { cmd: ['python3', fixture] },
      cull: { enabled: true, timeout: 600, every: 3600, users: true },
    },
  });
  const hub = await startHub({
    config,
    dataDir: await tempDir('nbhub-cull-'),
    ip: '127.0.0.1',
    port: await freePort(),
    logger: pino({ level: 'silent' }),
    now: () => new Date(clock),
  });
  try {
    assert.ok(hub.culler);
    await hub.store.createUsers(['alice', 'bob', 'carol'], { admin: false, now: new Date(clock) });
    await hub.servers.spawn('alice', '', {});
    await hub.servers.whenSettled('alice', '');
    assert.equal(hub.servers.isReady('alice', ''), true);
    const pid = (await hub.store.getServer('alice', ''))!.spawnerState.pid as number;

    // nothing is idle yet
    assert.deepEqual(await hub.culler.runOnce(), { stopped: [], deletedUsers: [] });

    clock += 2 * 3600_000;
    await hub.store.bumpUserActivity('carol', new Date(clock - 60_000));
    const round = await hub.culler.runOnce();
    assert.deepEqual(round.stopped, ['alice/']);
    assert.deepEqual(round.deletedUsers.sort(), ['alice', 'bob']);
    assert.equal(hub.servers.isReady('alice', ''), false);
    assert.equal(alive(pid), false, "alice's server process is gone");
    assert.ok(await hub.store.getUser('carol'), 'recently active users stay');
  } finally {
    await hub.close();
  }
});
