// Sharing (JupyterHub 5): `shares` grant a user or a group scopes on one of an owner's servers;
// `share_codes` are expiring codes anyone holding one can exchange for a share of their own.
// Codes are stored only as sha256 hashes, like API tokens. Rows go with their owner, the user
// or group shared with (foreign keys, cascade).
import type { Kysely } from 'kysely';
import type { DialectAdapter } from '../dialect.ts';

const NAME = 'varchar(255)';

export async function up(db: Kysely<unknown>, d: DialectAdapter): Promise<void> {
  const s = db.schema;
  await d
    .finishTable(
      s
        .createTable('shares')
        .addColumn('id', d.idType, d.idColumn)
        .addColumn('owner_id', 'integer', (c) => c.notNull())
        .addColumn('server_name', NAME, (c) => d.binaryCollation(c).notNull())
        .addColumn('user_id', 'integer')
        .addColumn('group_id', 'integer')
        .addColumn('scopes', d.longText, (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .addForeignKeyConstraint('shares_owner_fk', ['owner_id'], 'users', ['id'], (fk) => fk.onDelete('cascade'))
        .addForeignKeyConstraint('shares_user_fk', ['user_id'], 'users', ['id'], (fk) => fk.onDelete('cascade'))
        .addForeignKeyConstraint('shares_group_fk', ['group_id'], 'groups', ['id'], (fk) => fk.onDelete('cascade')),
    )
    .execute();
  await s.createIndex('shares_server_idx').on('shares').columns(['owner_id', 'server_name']).execute();
  await s.createIndex('shares_user_idx').on('shares').column('user_id').execute();
  await s.createIndex('shares_group_idx').on('shares').column('group_id').execute();

  await d
    .finishTable(
      s
        .createTable('share_codes')
        .addColumn('id', d.idType, d.idColumn)
        .addColumn('owner_id', 'integer', (c) => c.notNull())
        .addColumn('server_name', NAME, (c) => d.binaryCollation(c).notNull())
        .addColumn('code_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('scopes', d.longText, (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .addColumn('expires', 'bigint', (c) => c.notNull())
        .addColumn('last_exchanged', 'bigint')
        .addColumn('exchange_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addUniqueConstraint('share_codes_hash_key', ['code_hash'])
        .addForeignKeyConstraint('share_codes_owner_fk', ['owner_id'], 'users', ['id'], (fk) => fk.onDelete('cascade')),
    )
    .execute();
  await s.createIndex('share_codes_server_idx').on('share_codes').columns(['owner_id', 'server_name']).execute();
}
