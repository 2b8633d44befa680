// /hub/api/users/:name/tokens — list, create (shown once), get, revoke.
import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../context.ts';
import { empty, json, requireScope } from '../guard.ts';
import { tokenModel } from '../models.ts';
import { HubError } from '../../hub/errors.ts';
import { hashToken, newTokenString } from '../../hub/tokens.ts';

type P = { name: string; token_id?: string };

function tokenId(raw: string | undefined): number {
  const m = /^a?(\d+)$/.exec(raw ?? '');
  if (!m) throw new HubError(404, `No such token: ${raw}`);
  return Number(m[1]);
}

export function registerTokensApi(app: FastifyInstance, ctx: HubContext): void {
  app.get<{ Params: P }>('/api/users/:name/tokens', async (req, reply) => {
    const { name } = req.params;
    await requireScope(ctx, req, ['read:tokens'], { user: name });
    if (!(await ctx.store.getUser(name))) throw new HubError(404, `No such user: ${name}`);
    const now = ctx.now().getTime();
    const tokens = (await ctx.store.listTokens({ kind: 'user', name })).filter((t) => !t.expiresAt || t.expiresAt.getTime() > now);
    return json(reply, 200, { api_tokens: tokens.map(tokenModel) });
  });

  app.post<{ Params: P }>('/api/users/:name/tokens', async (req, reply) => {
    const { name } = req.params;
    await requireScope(ctx, req, ['tokens'], { user: name });
    const user = await ctx.store.getUser(name);
    if (!user) throw new HubError(404, `No such user: ${name}`);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) throw new HubError(400, 'Request body must be a JSON object');
    const note = body.note === undefined || body.note === null ? 'Requested via api' : body.note;
    if (typeof note !== 'string') throw new HubError(400, 'note must be a string');
    let expiresAt: Date | null = null;
    if (body.expires_in !== undefined && body.expires_in !== null) {
      if (typeof body.expires_in !== 'number' || !Number.isFinite(body.expires_in) || body.expires_in <= 0) {
        throw new HubError(400, 'expires_in must be a positive number of seconds');
      }
      expiresAt = new Date(ctx.now().getTime() + body.expires_in * 1000);
    }
    let scopes: string[] = ['inherit'];
    if (body.scopes !== undefined && body.scopes !== null) {
      if (!Array.isArray(body.scopes) || body.scopes.some((s) => typeof s !== 'string')) throw new HubError(400, 'scopes must be a list of strings');
      scopes = body.scopes as string[];
    } else if (body.roles !== undefined && body.roles !== null) {
      if (!Array.isArray(body.roles) || body.roles.some((s) => typeof s !== 'string')) throw new HubError(400, 'roles must be a list of strings');
      scopes = (body.roles as string[]).map((r) => (r === 'token' ? 'inherit' : r === 'user' ? 'self' : r));
    }
    const problem = ctx.identities.checkTokenScopes(scopes, { kind: 'user', name, admin: user.admin, groups: [] });
    if (problem) throw new HubError(400, problem);
    const token = newTokenString();
    const rec = await ctx.store.createToken(
      { owner: { kind: 'user', name }, hash: hashToken(token), scopes, note: note.slice(0, 1000), expiresAt, sessionId: null, oauthClientId: null },
      ctx.now(),
    );
    return json(reply, 201, { ...tokenModel(rec), token });
  });

  app.get<{ Params: P }>('/api/users/:name/tokens/:token_id', async (req, reply) => {
    const { name } = req.params;
    await requireScope(ctx, req, ['read:tokens'], { user: name });
    const t = await ctx.store.getToken(tokenId(req.params.token_id));
    const expired = t?.expiresAt != null && t.expiresAt.getTime() <= ctx.now().getTime();
    if (!t || expired || t.owner.kind !== 'user' || t.owner.name !== name) throw new HubError(404, `No such token: ${req.params.token_id}`);
    return json(reply, 200, tokenModel(t));
  });

  app.delete<{ Params: P }>('/api/users/:name/tokens/:token_id', async (req, reply) => {
    const { name } = req.params;
    await requireScope(ctx, req, ['tokens'], { user: name });
    const t = await ctx.store.getToken(tokenId(req.params.token_id));
    if (!t || t.owner.kind !== 'user' || t.owner.name !== name) throw new HubError(404, `No such token: ${req.params.token_id}`);
    if (t.oauthClientId) await ctx.store.deleteTokens({ userName: name, oauthClientId: t.oauthClientId });
    else await ctx.store.deleteToken(t.id);
    ctx.identities.invalidate();
    return empty(reply, 204);
  });
}
