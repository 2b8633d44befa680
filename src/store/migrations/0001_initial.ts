// Initial schema. Portable DDL only; the few differences go through the DialectAdapter.
// Foreign keys are table-level constraints (MySQL ignores inline column REFERENCES).
import type { Kysely } from 'kysely';
import type { DialectAdapter } from '../dialect.ts';

const NAME = 'varchar(255)';
const HASH = 'varchar(128)';

export async function up(db: Kysely<unknown>, d: DialectAdapter): Promise<void> {
  const s = db.schema;

  await d
    .finishTable(
      s
        .createTable('users')
        .addColumn('id', d.idType, d.idColumn)
        .addColumn('name', NAME, (c) => d.binaryCollation(c).notNull())
        .addColumn('admin', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created', 'bigint', (c) => c.notNull())
        .addColumn('last_activity', 'bigint')
        .addColumn('auth_state', d.longText)
        .addUniqueConstraint('users_name_key', ['name']),
    )
    .execute();
  await s.createIndex('users_last_activity_idx').on('users').column('last_activity').execute();

  await d
    .finishTable(
      s
        .createTable('servers')
        .addColumn('id', d.idType, d.idColumn)
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('name', NAME, (c) => c.notNull())
        .addColumn('phase', 'varchar(16)', (c) => c.notNull())
        .addColumn('spawner_state', d.longText, (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('started', 'bigint')
        .addColumn('last_activity', 'bigint')
        .addColumn('user_options', d.longText, (c) => c.notNull())
        .addColumn('last_failure', d.longText)
        .addUniqueConstraint('servers_user_name_key', ['user_id', 'name'])
        .addForeignKeyConstraint('servers_user_fk', ['user_id'], 'users', ['id'], (fk) => fk.onDelete('cascade')),
    )
    .execute();
  await s.createIndex('servers_phase_idx').on('servers').columns(['phase', 'user_id']).execute();

  await d
    .finishTable(
      s
        .createTable('api_tokens')
        .addColumn('id', d.idType, d.idColumn)
        .addColumn('hash', HASH, (c) => c.notNull())
        .addColumn('user_id', 'integer')
        .addColumn('service_name', NAME)
        .addColumn('scopes', d.longText, (c) => c.notNull())
        .addColumn('note', 'text', (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .addColumn('last_activity', 'bigint')
        .addColumn('expires_at', 'bigint')
        .addColumn('session_id', NAME)
        .addColumn('oauth_client_id', NAME)
        .addUniqueConstraint('api_tokens_hash_key', ['hash'])
        .addForeignKeyConstraint('api_tokens_user_fk', ['user_id'], 'users', ['id'], (fk) => fk.onDelete('cascade')),
    )
    .execute();
  for (const col of ['user_id', 'service_name', 'session_id', 'oauth_client_id', 'expires_at']) {
    await s.createIndex(`api_tokens_${col}_idx`).on('api_tokens').column(col).execute();
  }

  await d
    .finishTable(
      s
        .createTable('oauth_clients')
        .addColumn('id', NAME, (c) => c.primaryKey())
        .addColumn('secret_hash', HASH, (c) => c.notNull())
        .addColumn('redirect_uri', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('allowed_scopes', d.longText, (c) => c.notNull())
        .addColumn('access_scope', 'text', (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull()),
    )
    .execute();

  await d
    .finishTable(
      s
        .createTable('oauth_codes')
        .addColumn('code_hash', HASH, (c) => c.primaryKey())
        .addColumn('client_id', NAME, (c) => c.notNull())
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('scopes', d.longText, (c) => c.notNull())
        .addColumn('redirect_uri', 'text', (c) => c.notNull())
        .addColumn('session_id', NAME)
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addForeignKeyConstraint('oauth_codes_user_fk', ['user_id'], 'users', ['id'], (fk) => fk.onDelete('cascade')),
    )
    .execute();
  for (const col of ['client_id', 'user_id', 'expires_at']) {
    await s.createIndex(`oauth_codes_${col}_idx`).on('oauth_codes').column(col).execute();
  }

  await d
    .finishTable(
      s
        .createTable('sessions')
        .addColumn('id_hash', HASH, (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('session_id', NAME, (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addForeignKeyConstraint('sessions_user_fk', ['user_id'], 'users', ['id'], (fk) => fk.onDelete('cascade')),
    )
    .execute();
  for (const col of ['user_id', 'session_id', 'expires_at']) {
    await s.createIndex(`sessions_${col}_idx`).on('sessions').column(col).execute();
  }

  await d
    .finishTable(
      s
        .createTable('native_users')
        .addColumn('name', NAME, (c) => c.primaryKey())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('approved', 'integer', (c) => c.notNull())
        .addColumn('created', 'bigint', (c) => c.notNull()),
    )
    .execute();

  await d
    .finishTable(
      s
        .createTable('settings')
        .addColumn('name', NAME, (c) => c.primaryKey())
        .addColumn('value', d.longText, (c) => c.notNull()),
    )
    .execute();

  await createRbacTables(db, d);
}

/** Groups and roles, prepared for RBAC (no Store methods yet). */
async function createRbacTables(db: Kysely<unknown>, d: DialectAdapter): Promise<void> {
  const s = db.schema;
  await d
    .finishTable(
      s
        .createTable('groups')
        .addColumn('id', d.idType, d.idColumn)
        .addColumn('name', NAME, (c) => d.binaryCollation(c).notNull())
        .addColumn('properties', d.longText, (c) => c.notNull())
        .addUniqueConstraint('groups_name_key', ['name']),
    )
    .execute();
  await d
    .finishTable(
      s
        .createTable('roles')
        .addColumn('id', d.idType, d.idColumn)
        .addColumn('name', NAME, (c) => d.binaryCollation(c).notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('scopes', d.longText, (c) => c.notNull())
        .addUniqueConstraint('roles_name_key', ['name']),
    )
    .execute();
  await d
    .finishTable(
      s
        .createTable('user_groups')
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('group_id', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('user_groups_pk', ['user_id', 'group_id'])
        .addForeignKeyConstraint('user_groups_user_fk', ['user_id'], 'users', ['id'], (fk) => fk.onDelete('cascade'))
        .addForeignKeyConstraint('user_groups_group_fk', ['group_id'], 'groups', ['id'], (fk) => fk.onDelete('cascade')),
    )
    .execute();
  await s.createIndex('user_groups_group_idx').on('user_groups').column('group_id').execute();
  await d
    .finishTable(
      s
        .createTable('user_roles')
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('role_id', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('user_roles_pk', ['user_id', 'role_id'])
        .addForeignKeyConstraint('user_roles_user_fk', ['user_id'], 'users', ['id'], (fk) => fk.onDelete('cascade'))
        .addForeignKeyConstraint('user_roles_role_fk', ['role_id'], 'roles', ['id'], (fk) => fk.onDelete('cascade')),
    )
    .execute();
  await d
    .finishTable(
      s
        .createTable('group_roles')
        .addColumn('group_id', 'integer', (c) => c.notNull())
        .addColumn('role_id', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('group_roles_pk', ['group_id', 'role_id'])
        .addForeignKeyConstraint('group_roles_group_fk', ['group_id'], 'groups', ['id'], (fk) => fk.onDelete('cascade'))
        .addForeignKeyConstraint('group_roles_role_fk', ['role_id'], 'roles', ['id'], (fk) => fk.onDelete('cascade')),
    )
    .execute();
  await d
    .finishTable(
      s
        .createTable('service_roles')
        .addColumn('service_name', NAME, (c) => c.notNull())
        .addColumn('role_id', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('service_roles_pk', ['service_name', 'role_id'])
        .addForeignKeyConstraint('service_roles_role_fk', ['role_id'], 'roles', ['id'], (fk) => fk.onDelete('cascade')),
    )
    .execute();
}
