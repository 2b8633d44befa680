// GET/POST /hub/api/proxy (the routing table, a re-sync) and POST /hub/api/shutdown
// (JupyterHub 5.5's ProxyAPIHandler and ShutdownAPIHandler).
import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../context.ts';
import { empty, json, requireScope } from '../guard.ts';
import { envelope, pageRequest } from '../pagination.ts';
import { HubError } from '../../hub/errors.ts';

export function registerProxyApi(app: FastifyInstance, ctx: HubContext): void {
  // Routes keyed by path, each {routespec, target, data} as JupyterHub's Proxy.get_all_routes.
  app.get('/api/proxy', async (req, reply) => {
    await requireScope(ctx, req, ['proxy']);
    const page = pageRequest(req);
    const routes = await ctx.proxy.getRoutes();
    // the hub's routes only, as JupyterHub's Proxy.get_all_routes (routes others added to the proxy are theirs)
    const all = Object.fromEntries(Object.entries(routes).filter(([, r]) => r.jupyterhub === true));
    const keys = Object.keys(all).sort();
    const out: Record<string, unknown> = {};
    for (const k of keys.slice(page.offset, page.offset + page.limit)) {
      const { target, last_activity: _activity, ...data } = all[k];
      const routespec = k === '/' ? '/' : `${k}/`;
      out[routespec] = { routespec, target, data };
    }
    if (page.envelope) return json(reply, 200, envelope(req, page, out, Object.keys(out).length, keys.length));
    return json(reply, 200, out);
  });

  // Brings the proxy's routes in line with the hub's now (without waiting for the next pass).
  app.post('/api/proxy', async (req, reply) => {
    await requireScope(ctx, req, ['proxy']);
    await ctx.syncRoutes?.();
    return empty(reply, 200);
  });

  app.patch('/api/proxy', async (req) => {
    await requireScope(ctx, req, ['proxy']);
    const body = req.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HubError(400, 'Request body must be JSON dict');
    // the hub's proxy is set by proxy.* at start (in-process or its own child process); it cannot be swapped while running
    throw new HubError(400, "This hub's proxy cannot be re-pointed while it runs; change proxy.* in the config and restart");
  });

  app.post('/api/shutdown', async (req, reply) => {
    await requireScope(ctx, req, ['shutdown']);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) throw new HubError(400, 'Request body must be a JSON object');
    const opts = { servers: false, proxy: true };
    for (const k of ['servers', 'proxy'] as const) {
      const v = body[k];
      if (v === undefined) continue;
      if (typeof v !== 'boolean') throw new HubError(400, `${k} must be true or false, got ${JSON.stringify(v)}`);
      opts[k] = v;
    }
    if (!ctx.requestShutdown) throw new HubError(400, 'This hub cannot be shut down through the API');
    json(reply, 202, { message: 'Shutting down Hub' });
    // after the reply is on its way
    setImmediate(() => ctx.requestShutdown!(opts));
    return reply;
  });
}
