// What every query module gets: the Kysely handle (or a transaction) and the dialect adapter,
// plus the two helpers all of them need: resolving a user name and translating driver errors.
import type { Kysely } from 'kysely';
import type { DialectAdapter } from '../dialect.ts';
import type { Database } from '../schema.ts';
import { StoreConflictError, StoreNotFoundError } from '../types.ts';

export interface SqlContext {
  /** The database, or the transaction a multi-statement operation runs in. */
  db: Kysely<Database>;
  dialect: DialectAdapter;
}

export function inTransaction<T>(ctx: SqlContext, fn: (tx: SqlContext) => Promise<T>): Promise<T> {
  return ctx.db.transaction().execute((db) => fn({ db, dialect: ctx.dialect }));
}

export async function userIdOf(ctx: SqlContext, name: string): Promise<number | null> {
  const row = await ctx.db.selectFrom('users').select('id').where('name', '=', name).executeTakeFirst();
  return row ? Number(row.id) : null;
}

/** The user's id; StoreNotFoundError naming `what` needed the user. */
export async function requireUserId(ctx: SqlContext, name: string, what: string): Promise<number> {
  const id = await userIdOf(ctx, name);
  if (id == null) throw new StoreNotFoundError(`store: ${what}: no user named ${JSON.stringify(name)}`);
  return id;
}

/**
 * Runs a write and maps constraint violations to the store's errors. The driver error is not
 * kept as `cause`: some drivers copy the statement's parameters (hashes) into it.
 */
export async function writing<T>(ctx: SqlContext, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (ctx.dialect.isUniqueViolation(err)) throw new StoreConflictError(`store: ${what}: already exists`);
    if (ctx.dialect.isForeignKeyViolation(err)) {
      throw new StoreNotFoundError(`store: ${what}: the row it refers to was deleted`);
    }
    throw err;
  }
}
