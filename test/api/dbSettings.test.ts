// hub.db.password is used with hub.db.url (a real PostgreSQL requiring a password), and
// hub.db.upgrade: false refuses to start on a database with a pending migration, naming it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { startTestHub } from './support.ts';
import { openStore } from '../../src/store/index.ts';
import { MIGRATION_TABLE } from '../../src/store/migrations/index.ts';
import { dbUrlWithPassword } from '../../src/hub/dbSettings.ts';
import { startPostgres } from '../support/postgres.ts';
import pino from 'pino';

test('dbUrlWithPassword puts the password in the URL, escaped; refuses two passwords', () => {
  assert.equal(dbUrlWithPassword('postgresql://hub@db:5432/nbhub', 'p@ss/w:rd'), 'postgresql://hub:p%40ss%2Fw%3Ard@db:5432/nbhub');
  assert.equal(dbUrlWithPassword('postgresql://hub@db/nbhub', null), 'postgresql://hub@db/nbhub');
  assert.equal(dbUrlWithPassword(null, 'x'), null);
  assert.throws(() => dbUrlWithPassword('postgresql://hub:one@db/nbhub', 'two'), /keep one of them/);
});

test('hub.db.password reaches a PostgreSQL that requires it (and never the log)', async () => {
  const server = await startPostgres();
  let log = '';
  try {
    const dbUrl = await server.newDatabase();
    const admin = new pg.Client({ connectionString: server.adminUrl });
    await admin.connect();
    const password = 'pw-7Hq2-secret';
    await admin.query(`CREATE ROLE nbhub LOGIN PASSWORD '${password}'`);
    const dbName = new URL(dbUrl).pathname.slice(1);
    await admin.query(`ALTER DATABASE ${dbName} OWNER TO nbhub`);
    // the role must give a password over TCP; everyone else keeps trust
    const hba = (await admin.query('SHOW hba_file')).rows[0].hba_file as string;
    writeFileSync(hba, 'host all nbhub 127.0.0.1/32 scram-sha-256\nhost all all 127.0.0.1/32 trust\nlocal all all trust\n');
    await admin.query('SELECT pg_reload_conf()');
    await admin.end();
    const url = new URL(dbUrl);
    url.username = 'nbhub';
    const logger = pino({ level: 'info' }, { write: (s: string) => (log += s) });

    await assert.rejects(startTestHub({ logger, config: { hub: { db: { type: 'postgres', url: url.href } } } }), /password/i);
    const t = await startTestHub({ logger, config: { hub: { db: { type: 'postgres', url: url.href, password } } } });
    try {
      await t.createUsers('pgalice');
      assert.equal((await t.api.call('GET', '/users/pgalice')).status, 200);
    } finally {
      await t.close();
    }
    assert.ok(!log.includes(password), 'the password is not logged');
  } finally {
    await server.stop();
  }
});

test('hub.db.upgrade: false refuses a database with a pending migration and names it; a new database is created', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'nbhub-upgrade-'));
  try {
    // a database as an older nbhub left it: its last migration not yet recorded
    const store = await openStore({ type: 'sqlite-pvc', dataDir, logger: pino({ level: 'silent' }) });
    await store.migrate();
    const last = await store.db.selectFrom(MIGRATION_TABLE as never).select('name' as never).orderBy('name' as never, 'desc').executeTakeFirstOrThrow();
    const name = (last as { name: string }).name;
    await store.db.deleteFrom(MIGRATION_TABLE as never).where('name' as never, '=', name as never).execute();
    await store.close();
    const { loadConfig } = await import('../../src/config/index.ts');
    const { startHub } = await import('../../src/hub/app.ts');
    const { config } = loadConfig({ data: { auth: { type: 'dummy' }, hub: { db: { type: 'sqlite-pvc', upgrade: false } } } });
    await assert.rejects(
      startHub({ config, dataDir, ip: '127.0.0.1', port: 0, logger: pino({ level: 'silent' }) }),
      (e: Error) => e.message.includes(`needs migration ${name}`) && e.message.includes('hub.db.upgrade is false'),
    );
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
  // a fresh database with upgrade: false is created as usual
  const t = await startTestHub({ config: { hub: { db: { upgrade: false } } } });
  try {
    assert.equal((await t.api.call('GET', '/users')).status, 200);
  } finally {
    await t.close();
  }
});
