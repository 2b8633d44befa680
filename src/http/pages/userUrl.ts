// /hub/user/<name>/… — what the hub answers when the proxy had no route for a user's server
// (protocol.md §4.3): redirect back once it is ready, 424 when it is not running (JSON for
// API-looking requests), 303 to the pending page while it starts or after it failed.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../context.ts';
import { apiIdentity, pageIdentity, json } from '../guard.ts';
import { can } from '../authz.ts';
import { loginRedirect } from './nav.ts';
import { notRunningPage } from './spawn.ts';
import { HubError } from '../../hub/errors.ts';
import { tokenFromRequest } from '../identity.ts';

const REDIRECT_LIMIT = 4;

function looksLikeApi(req: FastifyRequest, segments: string[]): boolean {
  if (['POST', 'PATCH', 'PUT', 'DELETE'].includes(req.method)) return true;
  if (segments.includes('api')) return true;
  const accept = String(req.headers.accept ?? '');
  const json = accept.indexOf('application/json');
  const htmlAt = accept.indexOf('text/html');
  return json >= 0 && (htmlAt < 0 || json < htmlAt);
}

export function registerUserUrlPages(app: FastifyInstance, ctx: HubContext): void {
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const prefix = `${ctx.hubPrefix}user/`;
    const full = req.url;
    const [pathPart, query = ''] = full.slice(prefix.length).split(/\?(.*)/s, 2);
    const segments = pathPart.split('/');
    const user = decodeURIComponent(segments[0] ?? '');
    const id = tokenFromRequest(req) ? await apiIdentity(ctx, req) : await pageIdentity(ctx, req);
    if (!id) return loginRedirect(ctx, req, reply);
    let server = '';
    if (ctx.allowNamedServers && segments.length > 1 && segments[1]) {
      const candidate = decodeURIComponent(segments[1]);
      if (await ctx.store.getServer(user, candidate)) server = candidate;
    }
    if (!can(id, 'access:servers', { server: `${user}/${server}` })) {
      throw new HubError(404, 'No access to resources or resources not found');
    }
    if (!(await ctx.store.getUser(user))) throw new HubError(404, `No such user: ${user}`);
    const params = new URLSearchParams(query);
    if (ctx.servers.isReady(user, server)) {
      const n = Number(params.get('redirects') ?? '0') || 0;
      if (n >= REDIRECT_LIMIT) throw new HubError(500, `Redirect loop detected on ${ctx.baseUrl}user/${pathPart}`);
      params.set('redirects', String(n + 1));
      if (n > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 100 * 2 ** n)));
      return reply.redirect(`${ctx.baseUrl}user/${pathPart}?${params.toString()}`, 302);
    }
    const spawnUrl = `${ctx.hubPrefix}spawn/${encodeURIComponent(user)}${server ? `/${encodeURIComponent(server)}` : ''}?next=${encodeURIComponent(full)}`;
    if (looksLikeApi(req, segments)) {
      const host = req.headers.host ?? '';
      return json(reply, 424, {
        status: 424,
        message: `JupyterHub server no longer running at ${ctx.baseUrl}user/${pathPart}. Restart the server at ${req.protocol}://${host}${ctx.hubPrefix}spawn/${encodeURIComponent(user)}`,
      });
    }
    const pending = ctx.servers.pending(user, server);
    const rec = await ctx.store.getServer(user, server);
    if (pending === 'spawn' || rec?.lastFailure) {
      const pendingUrl = `${ctx.hubPrefix}spawn-pending/${encodeURIComponent(user)}${server ? `/${encodeURIComponent(server)}` : ''}?next=${encodeURIComponent(full)}`;
      return reply.redirect(pendingUrl, 303);
    }
    return reply.status(424).type('text/html; charset=utf-8').send(notRunningPage(ctx, id, user, spawnUrl));
  };
  app.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], url: '/user/*', handler });
}
