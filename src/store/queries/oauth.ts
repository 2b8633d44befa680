// The hub's OAuth2 provider state: registered clients and single-use authorization codes.
import type { Selectable } from 'kysely';
import { fromJson, fromMillis, toJson, toMillis } from '../codec.ts';
import type { OAuthClientsTable } from '../schema.ts';
import type { OAuthClientRecord, OAuthCodeRecord } from '../types.ts';
import { inTransaction, requireUserId, writing, type SqlContext } from './context.ts';

function toClientRecord(r: Selectable<OAuthClientsTable>): OAuthClientRecord {
  return {
    id: r.id,
    secretHash: r.secret_hash,
    redirectUri: r.redirect_uri,
    description: r.description,
    allowedScopes: fromJson<string[]>(r.allowed_scopes, 'oauth_clients.allowed_scopes'),
    accessScope: r.access_scope,
    created: fromMillis(r.created),
  };
}

/** Creates the client or updates everything but its creation time. */
export async function upsertOAuthClient(
  ctx: SqlContext,
  c: Omit<OAuthClientRecord, 'created'>,
  now: Date,
): Promise<void> {
  const fields = {
    secret_hash: c.secretHash,
    redirect_uri: c.redirectUri,
    description: c.description,
    allowed_scopes: toJson(c.allowedScopes),
    access_scope: c.accessScope,
  };
  const insert = ctx.db.insertInto('oauth_clients').values({ id: c.id, ...fields, created: toMillis(now, 'now') });
  await ctx.dialect.upsert(insert, ['id'], fields).execute();
}

export async function getOAuthClient(ctx: SqlContext, id: string): Promise<OAuthClientRecord | null> {
  const row = await ctx.db.selectFrom('oauth_clients').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toClientRecord(row) : null;
}

/** Deletes the client with the tokens it issued and its pending codes. */
export async function deleteOAuthClient(ctx: SqlContext, id: string): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    await tx.db.deleteFrom('api_tokens').where('oauth_client_id', '=', id).execute();
    await tx.db.deleteFrom('oauth_codes').where('client_id', '=', id).execute();
    await tx.db.deleteFrom('oauth_clients').where('id', '=', id).execute();
  });
}

export async function createOAuthCode(ctx: SqlContext, c: OAuthCodeRecord): Promise<void> {
  const what = `createOAuthCode for client ${JSON.stringify(c.clientId)}`;
  const userId = await requireUserId(ctx, c.userName, what);
  await writing(ctx, what, () =>
    ctx.db
      .insertInto('oauth_codes')
      .values({
        code_hash: c.codeHash,
        client_id: c.clientId,
        user_id: userId,
        scopes: toJson(c.scopes),
        redirect_uri: c.redirectUri,
        session_id: c.sessionId,
        expires_at: toMillis(c.expiresAt, 'createOAuthCode expiresAt'),
      })
      .execute(),
  );
}

/**
 * Read, then delete: whoever's DELETE removes the row owns the code, so of two concurrent
 * takers exactly one gets it, on every backend and without a dialect-specific RETURNING.
 */
export async function takeOAuthCode(ctx: SqlContext, codeHash: string): Promise<OAuthCodeRecord | null> {
  const row = await ctx.db
    .selectFrom('oauth_codes')
    .innerJoin('users', 'users.id', 'oauth_codes.user_id')
    .selectAll('oauth_codes')
    .select('users.name as user_name')
    .where('oauth_codes.code_hash', '=', codeHash)
    .executeTakeFirst();
  if (!row) return null;
  const deleted = await ctx.db.deleteFrom('oauth_codes').where('code_hash', '=', codeHash).executeTakeFirst();
  if (Number(deleted.numDeletedRows) !== 1) return null;
  return {
    codeHash: row.code_hash,
    clientId: row.client_id,
    userName: row.user_name,
    scopes: fromJson<string[]>(row.scopes, 'oauth_codes.scopes'),
    redirectUri: row.redirect_uri,
    sessionId: row.session_id,
    expiresAt: fromMillis(row.expires_at),
  };
}
