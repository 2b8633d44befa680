// Server lifecycle in the database, so several hub replicas share it (issue 13):
// - servers.lifecycle: the domain phase (src/domain/serverState.ts), finer than `phase`
//   (spawn-queued / waiting-ready / failed); lifecycle_version makes every transition a
//   compare-and-set; queue_position and lifecycle_since complete the state.
// - servers.claim_owner / claim_expires: the replica running the server's spawn or stop, and
//   until when its lease holds (renewed by its heartbeat; another replica takes over after).
// - server_progress: the progress events of the current spawn attempt, readable by any replica.
// - hub_replicas: one row per live hub replica with its heartbeat.
// - hub_leases: named leases for singleton work (culler, route reconcile, expiry sweep).
import { sql, type Kysely } from 'kysely';
import type { DialectAdapter } from '../dialect.ts';

const NAME = 'varchar(255)';

export async function up(db: Kysely<unknown>, d: DialectAdapter): Promise<void> {
  const s = db.schema;
  await s.alterTable('servers').addColumn('lifecycle', 'varchar(16)', (c) => c.notNull().defaultTo('stopped')).execute();
  await s.alterTable('servers').addColumn('lifecycle_version', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await s.alterTable('servers').addColumn('lifecycle_since', 'bigint').execute();
  await s.alterTable('servers').addColumn('queue_position', 'integer').execute();
  await s.alterTable('servers').addColumn('claim_owner', NAME).execute();
  await s.alterTable('servers').addColumn('claim_expires', 'bigint').execute();
  // The four old phases are also domain phases under the same names.
  await sql`update servers set lifecycle = phase`.execute(db);
  await s.createIndex('servers_claim_idx').on('servers').columns(['claim_owner', 'claim_expires']).execute();

  await d
    .finishTable(
      s
        .createTable('server_progress')
        .addColumn('id', d.idType, d.idColumn)
        .addColumn('server_id', 'integer', (c) => c.notNull())
        .addColumn('event', d.longText, (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .addForeignKeyConstraint('server_progress_server_fk', ['server_id'], 'servers', ['id'], (fk) => fk.onDelete('cascade')),
    )
    .execute();
  await s.createIndex('server_progress_server_idx').on('server_progress').columns(['server_id', 'id']).execute();

  await d
    .finishTable(
      s
        .createTable('hub_replicas')
        .addColumn('id', NAME, (c) => d.binaryCollation(c).primaryKey())
        .addColumn('started', 'bigint', (c) => c.notNull())
        .addColumn('heartbeat', 'bigint', (c) => c.notNull())
        .addColumn('info', d.longText, (c) => c.notNull()),
    )
    .execute();

  await d
    .finishTable(
      s
        .createTable('hub_leases')
        .addColumn('name', NAME, (c) => d.binaryCollation(c).primaryKey())
        .addColumn('owner', NAME, (c) => c.notNull())
        .addColumn('expires', 'bigint', (c) => c.notNull()),
    )
    .execute();
}
