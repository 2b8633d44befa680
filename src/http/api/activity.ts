// POST /hub/api/users/:name/activity from single-user servers (protocol.md §3).
import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../context.ts';
import { json, requireScope } from '../guard.ts';
import { HubError } from '../../hub/errors.ts';

const MAX_FUTURE_MS = 59 * 60 * 1000;

/** Parses an ISO 8601 timestamp; naive values are UTC. */
export function parseActivityTime(v: unknown, field: string, now: Date): Date {
  if (typeof v !== 'string') throw new HubError(400, `${field} must be an ISO 8601 timestamp string`);
  const naive = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v);
  const d = new Date(naive ? `${v}Z` : v);
  if (Number.isNaN(d.getTime())) throw new HubError(400, `${field} is not a valid ISO 8601 timestamp: ${JSON.stringify(v)}`);
  if (d.getTime() - now.getTime() > MAX_FUTURE_MS) throw new HubError(400, `${field} is more than 59 minutes in the future`);
  return d;
}

export function registerActivityApi(app: FastifyInstance, ctx: HubContext): void {
  app.post<{ Params: { name: string } }>('/api/users/:name/activity', async (req, reply) => {
    const { name } = req.params;
    await requireScope(ctx, req, ['users:activity'], { user: name });
    if (!(await ctx.store.getUser(name))) throw new HubError(404, `No such user: ${name}`);
    const body = req.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HubError(400, 'body must be a JSON object');
    if (body.last_activity === undefined && body.servers === undefined) throw new HubError(400, 'body has neither last_activity nor servers');
    const now = ctx.now();
    const userTime = body.last_activity !== undefined ? parseActivityTime(body.last_activity, 'last_activity', now) : null;
    const serverTimes: [string, Date][] = [];
    if (body.servers !== undefined) {
      if (!body.servers || typeof body.servers !== 'object' || Array.isArray(body.servers)) throw new HubError(400, 'servers must be an object');
      const known = new Set((await ctx.store.listServersOfUser(name)).map((s) => s.name));
      for (const [server, v] of Object.entries(body.servers as Record<string, unknown>)) {
        if (!known.has(server)) throw new HubError(400, `No such server ${JSON.stringify(server)} for user ${name}`);
        if (!v || typeof v !== 'object') throw new HubError(400, `servers[${JSON.stringify(server)}] must be an object`);
        const t = (v as Record<string, unknown>).last_activity;
        serverTimes.push([server, parseActivityTime(t, `servers[${JSON.stringify(server)}].last_activity`, now)]);
      }
    }
    if (userTime) await ctx.store.bumpUserActivity(name, userTime);
    for (const [server, t] of serverTimes) await ctx.store.bumpServerActivity(name, server, t);
    return reply.status(200).type('text/plain').send('');
  });
}
