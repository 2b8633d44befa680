// Authentication and scope checks for handlers (protocol.md §6.1): 403 without credentials,
// 404 when the caller's scopes point at other resources, 403 naming the needed scopes otherwise.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from './context.ts';
import type { Identity } from './identity.ts';
import { tokenFromRequest } from './identity.ts';
import { readSession } from './session.ts';
import { xsrfValid } from './csrf.ts';
import { HubError } from '../hub/errors.ts';
import { can, holdsAnyFilter, holdsGroupFilter, type Resource } from './authz.ts';
import { userOfServer } from '../domain/scopes.ts';

const identities = new WeakMap<FastifyRequest, Identity | null>();

/** Token first, then the login cookie (which needs the xsrf token on API calls). */
export async function apiIdentity(ctx: HubContext, req: FastifyRequest): Promise<Identity | null> {
  if (identities.has(req)) return identities.get(req)!;
  let id: Identity | null = null;
  const token = tokenFromRequest(req);
  if (token) {
    id = await ctx.identities.fromToken(token);
  } else {
    const s = await readSession(ctx, req);
    if (s && xsrfValid(req)) id = await ctx.identities.fromSession(s);
  }
  id = await refreshed(ctx, id);
  identities.set(req, id);
  if (id) ctx.identities.noteActivity(id).catch((err) => ctx.logger.warn({ err }, 'could not record activity'));
  return id;
}

/** Browser pages: the login cookie only. */
export async function pageIdentity(ctx: HubContext, req: FastifyRequest): Promise<Identity | null> {
  if (identities.has(req)) return identities.get(req)!;
  const s = await readSession(ctx, req);
  const id = await refreshed(ctx, s ? await ctx.identities.fromSession(s) : null);
  identities.set(req, id);
  if (id) ctx.identities.noteActivity(id).catch((err) => ctx.logger.warn({ err }, 'could not record activity'));
  return id;
}

/**
 * A user whose auth is stale is re-checked with the identity provider first (auth.refresh);
 * one who must log in again is not authenticated.
 */
async function refreshed(ctx: HubContext, id: Identity | null): Promise<Identity | null> {
  if (!id || id.kind !== 'user') return id;
  const r = await ctx.authRefresh.onRequest({ name: id.name, authRefreshed: id.authRefreshed });
  return r.ok ? id : null;
}

export async function requireApiIdentity(ctx: HubContext, req: FastifyRequest): Promise<Identity> {
  const id = await apiIdentity(ctx, req);
  if (!id) throw new HubError(403, 'Missing or invalid credentials.');
  return id;
}

/** Requires any of `scopes` on `resource`; resource-filtered mismatches are 404. */
export async function requireScope(
  ctx: HubContext,
  req: FastifyRequest,
  scopes: string[],
  resource: Resource = {},
): Promise<Identity> {
  const id = await requireApiIdentity(ctx, req);
  for (const s of scopes) if (can(id, s, resource)) return id;
  // `!group=` filters cover the group's members and their servers: look up the user's groups
  const user = resource.user ?? (resource.server !== undefined ? userOfServer(resource.server) : undefined);
  if (user !== undefined && scopes.some((s) => holdsGroupFilter(id, s))) {
    const groups = await ctx.store.groupsOfUser(user);
    const groupsOf = (u: string) => (u === user ? groups : []);
    for (const s of scopes) if (can(id, s, resource, groupsOf)) return id;
  }
  if (scopes.some((s) => holdsAnyFilter(id, s))) throw new HubError(404, 'No access to resources or resources not found');
  throw new HubError(403, `Action is not authorized with current scopes; requires any of [${scopes.join(', ')}]`);
}

/** Sends an empty-bodied success reply (text/plain, as JupyterHub). */
export function empty(reply: FastifyReply, status: number): FastifyReply {
  return reply.status(status).type('text/plain').send('');
}

export function json(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.status(status).type('application/json').send(JSON.stringify(body));
}
