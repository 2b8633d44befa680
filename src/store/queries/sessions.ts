// Login sessions (the hub's login cookie, stored hashed) and the purge of expired rows.
import { fromMillis, toMillis } from '../codec.ts';
import type { SessionRecord } from '../types.ts';
import { inTransaction, requireUserId, userIdOf, writing, type SqlContext } from './context.ts';

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

/** Every login session of the user, and the tokens issued under them; other tokens stay. */
export async function deleteSessionsOfUser(ctx: SqlContext, userName: string): Promise<number> {
  return inTransaction(ctx, async (tx) => {
    const userId = await userIdOf(tx, userName);
    if (userId == null) return 0;
    const rows = await tx.db.selectFrom('sessions').select('session_id').where('user_id', '=', userId).execute();
    const sessionIds = [...new Set(rows.map((r) => r.session_id))];
    if (sessionIds.length) {
      await tx.db.deleteFrom('api_tokens').where('user_id', '=', userId).where('session_id', 'in', sessionIds).execute();
    }
    await tx.db.deleteFrom('sessions').where('user_id', '=', userId).execute();
    return rows.length;
  });
}

/** Removes sessions, OAuth codes and API tokens whose expiry is at or before `now`. */
export async function deleteExpired(ctx: SqlContext, now: Date): Promise<void> {
  const ms = toMillis(now, 'deleteExpired now');
  await ctx.db.deleteFrom('sessions').where('expires_at', '<=', ms).execute();
  await ctx.db.deleteFrom('oauth_codes').where('expires_at', '<=', ms).execute();
  await ctx.db.deleteFrom('api_tokens').where('expires_at', 'is not', null).where('expires_at', '<=', ms).execute();
}
