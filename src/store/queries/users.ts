// Users: lookup, batch creation, patch/rename, delete with everything they own, activity.
import type { Selectable } from 'kysely';
import { chunks, INSERT_BATCH, IN_LIST_BATCH } from '../batch.ts';
import { fromFlag, fromMillis, fromMillisOrNull, toFlag, toMillis, toMillisOrNull } from '../codec.ts';
import type { UsersTable } from '../schema.ts';
import { StoreConflictError, type UserPatch, type UserRecord } from '../types.ts';
import { oauthClientIdsOfUser } from './clientIds.ts';
import { inTransaction, userIdOf, writing, type SqlContext } from './context.ts';

export const USER_COLUMNS = [
  'users.id',
  'users.name',
  'users.admin',
  'users.created',
  'users.last_activity',
  'users.auth_state',
  'users.auth_refreshed',
] as const;

export function toUserRecord(r: Selectable<UsersTable>): UserRecord {
  return {
    id: Number(r.id),
    name: r.name,
    admin: fromFlag(r.admin),
    created: fromMillis(r.created),
    lastActivity: fromMillisOrNull(r.last_activity),
    encryptedAuthState: r.auth_state,
    authRefreshed: fromMillisOrNull(r.auth_refreshed),
  };
}

export async function getUser(ctx: SqlContext, name: string): Promise<UserRecord | null> {
  const row = await ctx.db.selectFrom('users').select(USER_COLUMNS).where('name', '=', name).executeTakeFirst();
  return row ? toUserRecord(row) : null;
}

async function usersNamed(ctx: SqlContext, names: readonly string[]): Promise<Map<string, UserRecord>> {
  const found = new Map<string, UserRecord>();
  for (const part of chunks(names, IN_LIST_BATCH)) {
    const rows = await ctx.db.selectFrom('users').select(USER_COLUMNS).where('name', 'in', part).execute();
    for (const r of rows) found.set(r.name, toUserRecord(r));
  }
  return found;
}

export async function createUsers(
  ctx: SqlContext,
  names: string[],
  opts: { admin: boolean; now: Date },
): Promise<UserRecord[]> {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new StoreConflictError(`store: createUsers: user ${JSON.stringify(n)} is listed twice`);
    seen.add(n);
  }
  if (names.length === 0) return [];
  const created = toMillis(opts.now, 'createUsers now');
  return inTransaction(ctx, async (tx) => {
    const existing = await usersNamed(tx, names);
    const clash = names.find((n) => existing.has(n));
    if (clash !== undefined) throw new StoreConflictError(`store: createUsers: user ${JSON.stringify(clash)} already exists`);
    await writing(tx, `createUsers (${names.length} users)`, async () => {
      for (const part of chunks(names, INSERT_BATCH)) {
        const rows = part.map((name) => ({ name, admin: toFlag(opts.admin), created, last_activity: null, auth_state: null, auth_refreshed: null }));
        await tx.db.insertInto('users').values(rows).execute();
      }
    });
    const made = await usersNamed(tx, names);
    return names.map((n) => made.get(n) as UserRecord);
  });
}

export async function updateUser(ctx: SqlContext, name: string, patch: UserPatch): Promise<UserRecord | null> {
  return inTransaction(ctx, async (tx) => {
    const id = await userIdOf(tx, name);
    if (id == null) return null;
    const set: { name?: string; admin?: number; auth_state?: string | null; auth_refreshed?: number | null } = {};
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.admin !== undefined) set.admin = toFlag(patch.admin);
    if (patch.encryptedAuthState !== undefined) set.auth_state = patch.encryptedAuthState;
    if (patch.authRefreshed !== undefined) set.auth_refreshed = toMillisOrNull(patch.authRefreshed, 'updateUser authRefreshed');
    if (Object.keys(set).length > 0) {
      const what = patch.name !== undefined ? `rename user ${JSON.stringify(name)} to ${JSON.stringify(patch.name)}` : `update user ${JSON.stringify(name)}`;
      let q = tx.db.updateTable('users').set(set).where('id', '=', id);
      const expected = patch.ifEncryptedAuthState;
      if (expected !== undefined) q = expected === null ? q.where('auth_state', 'is', null) : q.where('auth_state', '=', expected);
      await writing(tx, what, () => q.execute());
    }
    const row = await tx.db.selectFrom('users').select(USER_COLUMNS).where('id', '=', id).executeTakeFirstOrThrow();
    return toUserRecord(row);
  });
}

/**
 * Foreign keys cascade to servers, tokens, sessions, codes and group/role links. OAuth clients
 * of the user's servers are not linked by key (their id is derived from the names), so they
 * are deleted here with the tokens and codes they issued.
 */
export async function deleteUser(ctx: SqlContext, name: string): Promise<boolean> {
  return inTransaction(ctx, async (tx) => {
    const id = await userIdOf(tx, name);
    if (id == null) return false;
    const servers = await tx.db.selectFrom('servers').select('name').where('user_id', '=', id).execute();
    const clientIds = oauthClientIdsOfUser(name, servers.map((s) => s.name));
    await tx.db.deleteFrom('api_tokens').where('oauth_client_id', 'in', clientIds).execute();
    await tx.db.deleteFrom('oauth_codes').where('client_id', 'in', clientIds).execute();
    await tx.db.deleteFrom('oauth_clients').where('id', 'in', clientIds).execute();
    await tx.db.deleteFrom('users').where('id', '=', id).execute();
    return true;
  });
}

export async function bumpUserActivity(ctx: SqlContext, name: string, at: Date): Promise<void> {
  const ms = toMillis(at, 'bumpUserActivity at');
  await ctx.db
    .updateTable('users')
    .set({ last_activity: ms })
    .where('name', '=', name)
    .where((eb) => eb.or([eb('last_activity', 'is', null), eb('last_activity', '<', ms)]))
    .execute();
}
