// Login sessions (the hub's login cookie, stored hashed) and the purge of expired rows.
import { fromMillis, toMillis } from '../codec.ts';
import type { SessionRecord } from '../types.ts';
import { requireUserId, writing, type SqlContext } from './context.ts';

export async function createSession(ctx: SqlContext, s: SessionRecord): Promise<void> {
  const userId = await requireUserId(ctx, s.userName, 'createSession');
  await writing(ctx, 'createSession', () =>
    ctx.db
      .insertInto('sessions')
      .values({
        id_hash: s.idHash,
        user_id: userId,
        session_id: s.sessionId,
        created: toMillis(s.created, 'createSession created'),
        expires_at: toMillis(s.expiresAt, 'createSession expiresAt'),
      })
      .execute(),
  );
}

export async function getSession(ctx: SqlContext, idHash: string): Promise<SessionRecord | null> {
  const row = await ctx.db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('sessions')
    .select('users.name as user_name')
    .where('sessions.id_hash', '=', idHash)
    .executeTakeFirst();
  if (!row) return null;
  return {
    idHash: row.id_hash,
    userName: row.user_name,
    sessionId: row.session_id,
    created: fromMillis(row.created),
    expiresAt: fromMillis(row.expires_at),
  };
}

export async function deleteSession(ctx: SqlContext, idHash: string): Promise<void> {
  await ctx.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
}

/** Removes sessions, OAuth codes and API tokens whose expiry is at or before `now`. */
export async function deleteExpired(ctx: SqlContext, now: Date): Promise<void> {
  const ms = toMillis(now, 'deleteExpired now');
  await ctx.db.deleteFrom('sessions').where('expires_at', '<=', ms).execute();
  await ctx.db.deleteFrom('oauth_codes').where('expires_at', '<=', ms).execute();
  await ctx.db.deleteFrom('api_tokens').where('expires_at', 'is not', null).where('expires_at', '<=', ms).execute();
}
