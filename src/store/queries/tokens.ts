// API tokens (stored as sha256 hashes). A user's tokens point at the user by id, so they
// follow a rename and go away with the user; service tokens carry the service name.
import type { Expression, Selectable, SqlBool } from 'kysely';
import { fromJson, fromMillis, fromMillisOrNull, toJson, toMillis, toMillisOrNull } from '../codec.ts';
import type { ApiTokensTable } from '../schema.ts';
import { StoreInputError, type NewToken, type TokenOwner, type TokenRecord } from '../types.ts';
import { requireUserId, writing, type SqlContext } from './context.ts';

type TokenRow = Selectable<ApiTokensTable> & { user_name: string | null };

function toTokenRecord(r: TokenRow): TokenRecord {
  const owner: TokenOwner =
    r.user_id != null ? { kind: 'user', name: r.user_name ?? '' } : { kind: 'service', name: r.service_name ?? '' };
  return {
    id: Number(r.id),
    owner,
    hash: r.hash,
    scopes: fromJson<string[]>(r.scopes, 'api_tokens.scopes'),
    note: r.note,
    created: fromMillis(r.created),
    lastActivity: fromMillisOrNull(r.last_activity),
    expiresAt: fromMillisOrNull(r.expires_at),
    sessionId: r.session_id,
    oauthClientId: r.oauth_client_id,
  };
}

function selectTokens(ctx: SqlContext) {
  return ctx.db
    .selectFrom('api_tokens')
    .leftJoin('users', 'users.id', 'api_tokens.user_id')
    .selectAll('api_tokens')
    .select('users.name as user_name');
}

export async function createToken(ctx: SqlContext, t: NewToken, now: Date): Promise<TokenRecord> {
  const what = `createToken for ${t.owner.kind} ${JSON.stringify(t.owner.name)}`;
  const userId = t.owner.kind === 'user' ? await requireUserId(ctx, t.owner.name, what) : null;
  await writing(ctx, what, () =>
    ctx.db
      .insertInto('api_tokens')
      .values({
        hash: t.hash,
        user_id: userId,
        service_name: t.owner.kind === 'service' ? t.owner.name : null,
        scopes: toJson(t.scopes),
        note: t.note,
        created: toMillis(now, 'createToken now'),
        last_activity: null,
        expires_at: toMillisOrNull(t.expiresAt, 'createToken expiresAt'),
        session_id: t.sessionId,
        oauth_client_id: t.oauthClientId,
      })
      .execute(),
  );
  const made = await findTokenByHash(ctx, t.hash);
  if (!made) throw new Error(`store: ${what}: the new token vanished`);
  return made;
}

export async function findTokenByHash(ctx: SqlContext, hash: string): Promise<TokenRecord | null> {
  const row = await selectTokens(ctx).where('api_tokens.hash', '=', hash).executeTakeFirst();
  return row ? toTokenRecord(row) : null;
}

export async function getToken(ctx: SqlContext, id: number): Promise<TokenRecord | null> {
  const row = await selectTokens(ctx).where('api_tokens.id', '=', id).executeTakeFirst();
  return row ? toTokenRecord(row) : null;
}

export async function listTokens(ctx: SqlContext, owner: TokenOwner): Promise<TokenRecord[]> {
  const q = selectTokens(ctx);
  const rows =
    owner.kind === 'user'
      ? await q.where('users.name', '=', owner.name).orderBy('api_tokens.id').execute()
      : await q.where('api_tokens.service_name', '=', owner.name).orderBy('api_tokens.id').execute();
  return rows.map(toTokenRecord);
}

export async function deleteToken(ctx: SqlContext, id: number): Promise<boolean> {
  const r = await ctx.db.deleteFrom('api_tokens').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Deletes tokens matching every given criterion; at least one criterion is required. */
export async function deleteTokens(
  ctx: SqlContext,
  where: { sessionId?: string; oauthClientId?: string; userName?: string; note?: string },
): Promise<number> {
  const r = await ctx.db
    .deleteFrom('api_tokens')
    .where((eb) => {
      const conds: Expression<SqlBool>[] = [];
      if (where.sessionId !== undefined) conds.push(eb('session_id', '=', where.sessionId));
      if (where.oauthClientId !== undefined) conds.push(eb('oauth_client_id', '=', where.oauthClientId));
      if (where.note !== undefined) conds.push(eb('note', '=', where.note));
      if (where.userName !== undefined) {
        const userId = eb.selectFrom('users').select('users.id').where('users.name', '=', where.userName);
        conds.push(eb('user_id', '=', userId));
      }
      if (conds.length === 0) throw new StoreInputError('store: deleteTokens needs at least one criterion');
      return eb.and(conds);
    })
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Moves the token's last activity forward only. */
export async function touchToken(ctx: SqlContext, id: number, at: Date): Promise<void> {
  const ms = toMillis(at, 'touchToken at');
  await ctx.db
    .updateTable('api_tokens')
    .set({ last_activity: ms })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_activity', 'is', null), eb('last_activity', '<', ms)]))
    .execute();
}
