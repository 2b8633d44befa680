// Numbered migrations, applied in order by Kysely's Migrator. The Migrator takes a lock
// (PostgreSQL advisory lock, MySQL GET_LOCK, SQLite write transaction), so replicas that
// start together apply each migration exactly once. Migrations only ever move forward.
import { Migrator, type Kysely, type Migration } from 'kysely';
import type { Logger } from 'pino';
import type { DialectAdapter } from '../dialect.ts';
import type { Database } from '../schema.ts';
import { StoreMigrationError } from '../types.ts';
import * as m0001 from './0001_initial.ts';
import * as m0002 from './0002_auth_refreshed.ts';
import * as m0003 from './0003_server_lifecycle.ts';
import * as m0004 from './0004_sharing.ts';

type MigrationStep = (db: Kysely<unknown>, d: DialectAdapter) => Promise<void>;

const STEPS: Record<string, MigrationStep> = {
  '0001_initial': m0001.up,
  '0002_auth_refreshed': m0002.up,
  '0003_server_lifecycle': m0003.up,
  '0004_sharing': m0004.up,
};

export const MIGRATION_TABLE = 'nbhub_migration';
export const MIGRATION_LOCK_TABLE = 'nbhub_migration_lock';

const SQLITE_BUSY_RETRIES = 5;

export async function migrateToLatest(db: Kysely<Database>, d: DialectAdapter, logger: Logger): Promise<void> {
  const migrations: Record<string, Migration> = {};
  for (const [name, step] of Object.entries(STEPS)) {
    migrations[name] = { up: (tx) => step(tx, d) };
  }
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  for (let attempt = 0; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    for (const r of results ?? []) {
      if (r.status === 'Success') logger.info({ migration: r.migrationName }, 'store: applied migration');
      if (r.status === 'Error') logger.error({ migration: r.migrationName }, 'store: migration failed');
    }
    if (!error) return;
    // Another process holding the SQLite file's write lock: its migrations count once done.
    if (d.isBusy(error) && attempt < SQLITE_BUSY_RETRIES) continue;
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new StoreMigrationError(
      `store: migration ${failed ?? '(setup)'} failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/** Applied and pending migrations (by name, in order), read without applying or locking anything. */
export async function migrationStatus(db: Kysely<Database>): Promise<{ applied: string[]; pending: string[] }> {
  const migrations: Record<string, Migration> = {};
  for (const name of Object.keys(STEPS)) migrations[name] = { up: async () => undefined };
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  const info = await migrator.getMigrations();
  return {
    applied: info.filter((m) => m.executedAt !== undefined).map((m) => m.name),
    pending: info.filter((m) => m.executedAt === undefined).map((m) => m.name),
  };
}
