// openStore: where SQLite data lives, SQLite pragmas, and errors for bad hub.db settings.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { pino } from 'pino';
import { openStore, type OpenStoreOptions } from './index.ts';

const logger = pino({ level: 'silent' });
const root = mkdtempSync(join(tmpdir(), 'nbhub-store-open-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('openStore', () => {
  it('sqlite-pvc keeps <dataDir>/nbhub.sqlite in WAL mode with foreign keys on', async () => {
    const dataDir = join(root, 'nested', 'data');
    const store = await openStore({ type: 'sqlite-pvc', dataDir, logger });
    try {
      await store.migrate();
      assert.ok(existsSync(join(dataDir, 'nbhub.sqlite')));
      assert.equal(store.location, `sqlite:${join(dataDir, 'nbhub.sqlite')}`);
      const pragma = async (name: string) =>
        (await sql<Record<string, unknown>>`${sql.raw(`pragma ${name}`)}`.execute(store.db)).rows[0];
      assert.deepEqual(await pragma('journal_mode'), { journal_mode: 'wal' });
      assert.deepEqual(await pragma('foreign_keys'), { foreign_keys: 1 });
      assert.ok(Number((await pragma('busy_timeout'))?.timeout) > 0);
    } finally {
      await store.close();
      await store.close();
    }
  });

  it('sqlite-memory writes no file', async () => {
    const dataDir = join(root, 'memory');
    const store = await openStore({ type: 'sqlite-memory', dataDir, logger });
    await store.migrate();
    await store.close();
    assert.equal(existsSync(join(dataDir, 'nbhub.sqlite')), false);
  });

  it('logs the database location without credentials', async () => {
    const lines: string[] = [];
    const capture = pino({ level: 'info' }, { write: (l: string) => lines.push(l) });
    const store = await openStore({ type: 'postgres', url: 'postgresql://hub:s3cret@db.example:5432/hub?sslmode=require', dataDir: '', logger: capture });
    await store.close();
    assert.equal(store.location, 'postgresql://db.example:5432/hub');
    assert.ok(lines.some((l) => l.includes('db.example')));
    assert.ok(!lines.some((l) => l.includes('s3cret') || l.includes('sslmode')));
  });

  const bad: Array<[string, Partial<OpenStoreOptions>, RegExp]> = [
    ['postgres without url', { type: 'postgres' }, /hub\.db\.url is required/],
    ['mysql with a postgres url', { type: 'mysql', url: 'postgresql://h/db' }, /must start with mysql:\/\//],
    ['postgres with garbage', { type: 'postgres', url: 'not a url' }, /not a valid URL/],
    ['unknown type', { type: 'oracle' as 'postgres' }, /unknown database type "oracle"/],
  ];
  for (const [label, opts, message] of bad) {
    it(`rejects ${label} with STORE_BAD_INPUT`, async () => {
      await assert.rejects(openStore({ dataDir: root, logger, ...opts } as OpenStoreOptions), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'STORE_BAD_INPUT');
        assert.match(err.message, message);
        return true;
      });
    });
  }
});
