// Start/stop a user's default or named server, and the spawn progress event stream.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../context.ts';
import { empty, json, requireScope } from '../guard.ts';
import { HubError } from '../../hub/errors.ts';
import { serverPrefix, validateServerName } from '../../domain/names.ts';
import type { ProgressMessage } from '../../hub/progress.ts';
import { profileChoiceProblem } from '../../spawner/profileChoice.ts';

type P = { name: string; server_name?: string };

function serverNameOf(ctx: HubContext, req: FastifyRequest<{ Params: P }>): string {
  const s = req.params.server_name;
  if (s === undefined) return '';
  if (!ctx.allowNamedServers) throw new HubError(400, 'Named servers are not enabled on this hub (hub.allowNamedServers)');
  const problem = validateServerName(s);
  if (problem) throw new HubError(400, `Invalid server name ${JSON.stringify(s)}: ${problem}`);
  return s;
}

/** The server's owner must log in again before it can start (auth.refresh.preSpawn). */
export class ReloginRequiredError extends HubError {
  constructor(readonly userName: string, message: string) {
    super(403, message);
  }
}

/**
 * Starts a spawn for the API or a page; enforces named-server limits and re-checks the owner's
 * login first (auth.refresh.preSpawn), so a server never starts with a revoked token.
 */
export async function requestSpawn(ctx: HubContext, user: string, server: string, options: Record<string, unknown>) {
  const badChoice = ctx.spawnForm ? profileChoiceProblem(ctx.spawnForm, options) : null;
  if (badChoice) throw new HubError(400, badChoice);
  if (ctx.servers.pending(user, server) !== 'spawn' && !ctx.servers.isReady(user, server)) {
    const fresh = await ctx.authRefresh.beforeSpawn(user);
    if (!fresh.ok && fresh.relogin) throw new ReloginRequiredError(user, fresh.reason);
    if (!fresh.ok) throw new HubError(503, fresh.reason, undefined, { 'Retry-After': '30' });
  }
  if (server && ctx.namedServerLimitPerUser) {
    // as JupyterHub: every named server counts (stopped ones too, until removed); starting
    // one that already exists is always allowed
    const named = (await ctx.store.listServersOfUser(user)).filter((s) => s.name);
    if (!named.some((s) => s.name === server) && named.length >= ctx.namedServerLimitPerUser) {
      throw new HubError(400, `User ${user} already has the maximum of ${ctx.namedServerLimitPerUser} named servers. One must be deleted before a new server can be created`);
    }
  }
  return ctx.servers.spawn(user, server, options);
}

/**
 * The JSON request body. Clients may send JSON without a JSON content type (the idle
 * culler's DELETE with {"remove": true} has none); such bodies arrive as text and are parsed
 * here, as JupyterHub's get_json_body does. Empty → undefined.
 */
function jsonBody(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  if (!body.trim()) return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new HubError(400, 'Request body is not valid JSON');
  }
}

async function waitAtMost(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  const done = p.then(() => true);
  const res = await Promise.race([done, timeout]);
  clearTimeout(timer);
  return res;
}

export function registerServersApi(app: FastifyInstance, ctx: HubContext): void {
  const start = async (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) => {
    const user = req.params.name;
    const server = serverNameOf(ctx, req);
    await requireScope(ctx, req, ['servers'], { server: `${user}/${server}` });
    if (!(await ctx.store.getUser(user))) throw new HubError(404, `No such user: ${user}`);
    const body = jsonBody(req.body);
    if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body))) {
      throw new HubError(400, 'user_options (the request body) must be a JSON object');
    }
    const wasPending = ctx.servers.pending(user, server) === 'spawn';
    const rt = await requestSpawn(ctx, user, server, (body ?? {}) as Record<string, unknown>);
    if (wasPending) return empty(reply, 202);
    const finished = await waitAtMost(rt.settled, ctx.slowSpawnTimeoutMs);
    if (!finished) return empty(reply, 202);
    if (ctx.servers.isReady(user, server)) return empty(reply, 201);
    const last = rt.progress.last;
    return json(reply, 500, {
      status: 500,
      message: last?.message ?? 'Spawn failed',
      exit_code: last?.exit_code ?? null,
      log_tail: last?.log_tail ?? [],
    });
  };
  app.post<{ Params: P }>('/api/users/:name/server', start);
  app.post<{ Params: P }>('/api/users/:name/servers/:server_name', start);

  const stop = async (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) => {
    const user = req.params.name;
    const server = serverNameOf(ctx, req);
    await requireScope(ctx, req, ['delete:servers'], { server: `${user}/${server}` });
    if (!(await ctx.store.getUser(user))) throw new HubError(404, `No such user: ${user}`);
    const body = jsonBody(req.body) as Record<string, unknown> | null | undefined;
    const remove = typeof body === 'object' && body !== null && body.remove === true;
    const rec = await ctx.store.getServer(user, server);
    if (server && !rec) throw new HubError(404, `${user} has no server named ${server}`);
    if (remove && !server) throw new HubError(400, 'Cannot remove the default server');
    const done = ctx.servers.stop(user, server).then(async () => {
      // the server's token and its OAuth tokens were revoked: drop cached identities now
      ctx.identities.invalidate();
      if (remove && rec) await ctx.store.deleteServer(rec.id);
    });
    const finished = await waitAtMost(done, ctx.slowStopTimeoutMs);
    return empty(reply, finished ? 204 : 202);
  };
  app.delete<{ Params: P }>('/api/users/:name/server', stop);
  app.delete<{ Params: P }>('/api/users/:name/servers/:server_name', stop);

  const progress = async (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) => {
    const user = req.params.name;
    const server = serverNameOf(ctx, req);
    await requireScope(ctx, req, ['read:servers'], { server: `${user}/${server}` });
    if (!(await ctx.store.getUser(user))) throw new HubError(404, `No such user: ${user}`);
    const rec = await ctx.store.getServer(user, server);
    if (server && !rec) throw new HubError(404, `${user} has no server named ${server}`);
    const log = ctx.servers.progressOf(user, server);
    const pending = ctx.servers.pending(user, server);
    const ready = ctx.servers.isReady(user, server);
    const url = serverPrefix(ctx.baseUrl, user, server);
    let initial: ProgressMessage[] = [];
    if (ready) {
      initial = [{ progress: 100, ready: true, message: `Server ready at ${url}`, url }];
    } else if (!pending) {
      const failed = log?.last?.failed ? log.last : rec?.lastFailure ? failureEvent(rec.lastFailure) : null;
      if (!failed) throw new HubError(400, `${user}'s server is not running`);
      initial = [failed];
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      'X-Accel-Buffering': 'no',
      'X-JupyterHub-Version': ctx.version,
    });
    const send = (m: ProgressMessage) => res.write(`data: ${JSON.stringify(m)}\n\n`);
    if (initial.length) {
      initial.forEach(send);
      res.end();
      return;
    }
    const keepalive = setInterval(() => res.write('\n\n'), 8000);
    let unsubscribe = () => undefined as unknown;
    const close = () => {
      clearInterval(keepalive);
      unsubscribe();
      if (!res.writableEnded) res.end();
    };
    req.raw.on('close', close);
    unsubscribe = log!.subscribe((m) => {
      send(m);
      if (m.ready || m.failed) setImmediate(close);
    });
  };
  app.get<{ Params: P }>('/api/users/:name/server/progress', progress);
  app.get<{ Params: P }>('/api/users/:name/servers/:server_name/progress', progress);
}

export function failureEvent(f: { message: string; exitCode: number | null; logTail: string[] }): ProgressMessage {
  return { progress: 100, failed: true, message: `Spawn failed: ${f.message}`, exit_code: f.exitCode, log_tail: f.logTail };
}
