// Accounts of the native authenticator (name + password hash + approval), kept apart from
// hub users: an account exists before its first login creates the hub user.
import type { Selectable } from 'kysely';
import { fromFlag, fromMillis, toFlag, toMillis } from '../codec.ts';
import type { NativeUsersTable } from '../schema.ts';
import type { NativeUserRecord } from '../types.ts';
import { writing, type SqlContext } from './context.ts';

function toNativeUser(r: Selectable<NativeUsersTable>): NativeUserRecord {
  return { name: r.name, passwordHash: r.password_hash, approved: fromFlag(r.approved), created: fromMillis(r.created) };
}

export async function createNativeUser(ctx: SqlContext, u: NativeUserRecord): Promise<void> {
  await writing(ctx, `createNativeUser ${JSON.stringify(u.name)}`, () =>
    ctx.db
      .insertInto('native_users')
      .values({
        name: u.name,
        password_hash: u.passwordHash,
        approved: toFlag(u.approved),
        created: toMillis(u.created, 'createNativeUser created'),
      })
      .execute(),
  );
}

export async function getNativeUser(ctx: SqlContext, name: string): Promise<NativeUserRecord | null> {
  const row = await ctx.db.selectFrom('native_users').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? toNativeUser(row) : null;
}

export async function updateNativeUser(
  ctx: SqlContext,
  name: string,
  patch: { passwordHash?: string; approved?: boolean },
): Promise<void> {
  const set: { password_hash?: string; approved?: number } = {};
  if (patch.passwordHash !== undefined) set.password_hash = patch.passwordHash;
  if (patch.approved !== undefined) set.approved = toFlag(patch.approved);
  if (Object.keys(set).length === 0) return;
  await ctx.db.updateTable('native_users').set(set).where('name', '=', name).execute();
}

export async function listNativeUsers(ctx: SqlContext): Promise<NativeUserRecord[]> {
  const rows = await ctx.db.selectFrom('native_users').selectAll().orderBy('name').execute();
  return rows.map(toNativeUser);
}

export async function deleteNativeUser(ctx: SqlContext, name: string): Promise<void> {
  await ctx.db.deleteFrom('native_users').where('name', '=', name).execute();
}
