// The deprecated /hub/api/authorizations endpoints as JupyterHub 5.5 still serves them
// (apihandlers/auth.py): GET token/{token} and cookie/{name}/{value} identify the owner for a
// token-authenticated caller; POST token is gone since 2.0 (404 saying what to use instead).
// The token or cookie is in the path by design of that API: nbhub never logs request paths here.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { HubContext } from '../context.ts';
import type { Identity } from '../identity.ts';
import { json, requireApiIdentity } from '../guard.ts';
import { userModel } from '../models.ts';
import { serviceModel } from './services.ts';
import { HubError } from '../../hub/errors.ts';
import { hashToken } from '../../hub/tokens.ts';
import { LOGIN_COOKIE, unsign } from '../session.ts';

/** JupyterHub's @token_authenticated: a token, not the login cookie. */
async function tokenCaller(ctx: HubContext, req: FastifyRequest): Promise<Identity> {
  const id = await requireApiIdentity(ctx, req);
  if (id.via !== 'token') throw new HubError(403, 'This endpoint needs a token (Authorization: token …)');
  return id;
}

/** The owner's model as the caller sees it, always with the owner's identify fields (JupyterHub adds identify scopes). */
async function ownerModel(ctx: HubContext, caller: Identity, name: string): Promise<Record<string, unknown>> {
  const u = await ctx.store.getUser(name);
  if (!u) throw new HubError(404, 'Not found');
  const groups = await ctx.store.groupsOfUser(name);
  const model = userModel(ctx, caller, u, await ctx.store.listServersOfUser(name), { groups });
  return { ...model, kind: 'user', name: u.name, admin: u.admin, groups };
}

export function registerAuthorizationsApi(app: FastifyInstance, ctx: HubContext): void {
  app.get<{ Params: { token: string } }>('/api/authorizations/token/:token', async (req, reply) => {
    const caller = await tokenCaller(ctx, req);
    ctx.logger.warn('/authorizations/token/:token is deprecated since JupyterHub 2.0; use /hub/api/user');
    const rec = await ctx.store.findTokenByHash(hashToken(req.params.token));
    if (!rec || (rec.expiresAt && rec.expiresAt.getTime() <= ctx.now().getTime())) throw new HubError(404, 'Not found');
    const now = ctx.now();
    await ctx.store.touchToken(rec.id, now);
    if (rec.owner.kind === 'service') {
      const svc = ctx.services.get(rec.owner.name);
      if (!svc) throw new HubError(404, 'Not found');
      return json(reply, 200, { ...serviceModel(ctx, caller, svc), kind: 'service', name: svc.name });
    }
    await ctx.store.bumpUserActivity(rec.owner.name, now);
    return json(reply, 200, await ownerModel(ctx, caller, rec.owner.name));
  });

  app.post('/api/authorizations/token', async () => {
    throw new HubError(404, 'Deprecated endpoint /hub/api/authorizations/token is removed in JupyterHub 2.0. Use /hub/api/users/:user/tokens instead.');
  });

  const byCookie = async (ctx: HubContext, caller: Identity, name: string, value: string) => {
    ctx.logger.warn('/authorizations/cookie is deprecated since JupyterHub 2.0; use /hub/api/user with OAuth tokens');
    if (name !== LOGIN_COOKIE) throw new HubError(404, 'Not found');
    const sessionToken = unsign(ctx.cookieSecret, value);
    if (!sessionToken) throw new HubError(404, 'Not found');
    const s = await ctx.store.getSession(hashToken(sessionToken));
    if (!s || s.expiresAt.getTime() <= ctx.now().getTime()) throw new HubError(404, 'Not found');
    return ownerModel(ctx, caller, s.userName);
  };
  app.get<{ Params: { name: string; value: string } }>('/api/authorizations/cookie/:name/:value', async (req, reply) => {
    const caller = await tokenCaller(ctx, req);
    return json(reply, 200, await byCookie(ctx, caller, req.params.name, req.params.value));
  });
}
