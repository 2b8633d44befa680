// When a user's auth was last confirmed by the authenticator (login or refresh), so every hub
// replica knows when it is stale (auth.refresh.maxAgeSeconds). Auth state is stored sealed
// (encrypted) from now on: values written before were plain JSON, so they are dropped rather
// than kept readable at rest; users get a fresh state at their next login.
import { sql, type Kysely } from 'kysely';
import type { DialectAdapter } from '../dialect.ts';

export async function up(db: Kysely<unknown>, _d: DialectAdapter): Promise<void> {
  await db.schema.alterTable('users').addColumn('auth_refreshed', 'bigint').execute();
  await sql`update users set auth_state = null where auth_state is not null`.execute(db);
}
