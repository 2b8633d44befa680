// The file-backed route store: the RouteStore conformance suite, and routes surviving a restart.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { PersistentRouteStore, RoutesFileError } from './persistentRouteStore.ts';
import { runRouteStoreConformance } from './routestore.case.ts';

const logger = pino({ level: 'silent' });
const T0 = new Date('2026-11-23T10:00:00.000Z');

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'nbhub-routes-file-'));
}

runRouteStoreConformance('PersistentRouteStore', async () => {
  const dir = tempDir();
  const store = new PersistentRouteStore({ file: path.join(dir, 'routes.json'), logger });
  return {
    store,
    cleanup: async () => {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('PersistentRouteStore file', () => {
  it('writes changes to the file and a new store loads them back, activity included', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'routes.json');
    try {
      const first = new PersistentRouteStore({ file, logger, debounceMs: 5 });
      assert.equal(await first.load(), 0);
      await first.add('/user/alice', 'http://127.0.0.1:5001', { user: 'alice', server_name: '', jupyterhub: true }, T0);
      await first.add('/user/bob', 'http://127.0.0.1:5002', { user: 'bob' }, T0);
      await first.remove('/user/bob');
      first.touch('/user/alice', new Date(T0.getTime() + 60_000));
      await first.flush();
      const written = JSON.parse(readFileSync(file, 'utf8'));
      assert.deepEqual(Object.keys(written.routes), ['/user/alice']);
      first.close(); // writes the touched activity too

      const second = new PersistentRouteStore({ file, logger });
      assert.equal(await second.load(), 1);
      assert.deepEqual(await second.get('/user/alice'), {
        path: '/user/alice',
        target: 'http://127.0.0.1:5001',
        data: { user: 'alice', server_name: '', jupyterhub: true },
        lastActivity: new Date(T0.getTime() + 60_000),
      });
      assert.equal(second.match('/user/alice/lab')?.target, 'http://127.0.0.1:5001');
      second.close();
      assert.deepEqual(readdirSync(dir), ['routes.json'], 'no temp files left behind');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes a burst of changes once the burst is over', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'routes.json');
    try {
      const store = new PersistentRouteStore({ file, logger, debounceMs: 20 });
      for (let i = 0; i < 500; i++) await store.add(`/user/u${i}`, 'http://127.0.0.1:5001', {}, T0);
      await store.flush();
      assert.equal(Object.keys(JSON.parse(readFileSync(file, 'utf8')).routes).length, 500);
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file that is not a route table, naming the file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'routes.json');
    try {
      writeFileSync(file, '{"routes": {"/x": {"nope": 1}}}');
      await assert.rejects(new PersistentRouteStore({ file, logger }).load(), (err: Error) => err instanceof RoutesFileError && err.message.includes(file));
      writeFileSync(file, 'not json');
      await assert.rejects(new PersistentRouteStore({ file, logger }).load(), RoutesFileError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
