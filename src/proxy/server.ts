// The proxy: route lookup, then an HTTP exchange (httpForward.ts) or a websocket tunnel
// (websocket.ts). Embeddable: the hub attaches it to its public server; `nbhub proxy` (cli.ts)
// runs it standalone next to the CHP-compatible API (chpApi.ts).

import type http from 'node:http';
import type https from 'node:https';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { ActivityRecorder } from './activity.ts';
import { FastFront } from './fastFront.ts';
import type { ProxyContext, ProxyMetricsSink } from './context.ts';
import { headerSettings } from './forwardHeaders.ts';
import { forwardHttp } from './httpForward.ts';
import { answerUpstreamFailure, logProxyFailure, rejectUpgrade, sendErrorPage } from './proxyErrors.ts';
import { resolveRequestPath } from './requestPath.ts';
import { DEFAULT_POOL_SETTINGS, TargetPool, type PoolSettings } from './targets.ts';
import type { RouteStore } from './types.ts';
import { tunnelUpgrade } from './websocket.ts';

export interface ProxyOptions {
  routes: RouteStore;
  logger: Logger;
  /** CHP --error-target: base URL answering GET <base>/<code>?url=<original url>. */
  errorTarget?: string | null;
  /** CHP --default-target: installs a '/' route at start-up. */
  defaultTarget?: string | null;
  /** Add X-Forwarded-For/-Port/-Proto/-Host (default true). */
  xForward?: boolean;
  /** Pass the client's X-Forwarded-Proto/-Port on unchanged (behind a TLS-offloading load balancer). */
  trustForwardedProto?: boolean;
  /** Forward the matched route prefix (default true). */
  includePrefix?: boolean;
  /** Prepend the target's path to forwarded paths (default true). */
  prependPath?: boolean;
  /** Idle timeout of client connections in ms (CHP --timeout); default none. */
  timeoutMs?: number;
  /** Idle timeout waiting on the target in ms (CHP --proxy-timeout); default none. */
  proxyTimeoutMs?: number;
  /** Keep-alive timeout of client connections in ms, applied by attach() (default 5000, as CHP). */
  keepAliveTimeoutMs?: number;
  /** Connect timeout towards targets (default 30 s). */
  connectTimeoutMs?: number;
  /** Close websocket tunnels idle this long in ms (default never; TCP keep-alive finds dead peers). */
  wsIdleTimeoutMs?: number;
  /** Headers added to every proxied request, replacing client headers of the same name. */
  customHeaders?: Record<string, string>;
  /** Route on host + path: the request host is the first key segment. */
  hostRouting?: boolean;
  /** Minimum ms between two activity touches of one route (default 1000). */
  activityIntervalMs?: number;
  /** Upstream connection pool sizing. */
  pool?: Partial<PoolSettings>;
  /** Serve plain GET/HEAD requests without node's HTTP server (fastFront.ts); default true. */
  fastPath?: boolean;
  metrics?: ProxyMetricsSink | null;
  now?: () => Date;
}

export interface Proxy {
  handleRequest(req: http.IncomingMessage, res: http.ServerResponse): void;
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Serves 'request' and 'upgrade' of `server`; sets its keepAliveTimeout and requestTimeout (0). */
  attach(server: http.Server | https.Server): void;
  /** Client connections the fast path serves (not handed to node's HTTP server); for tests. */
  fastConnectionCount(): number;
  /** Upstream sockets held (in use + idle); for tests and metrics. */
  upstreamSocketCount(): number;
  openTunnelCount(): number;
  /** Destroys open websocket tunnels (first step of a graceful stop: they never finish on their own). */
  destroyTunnels(): void;
  /** Stops timers, closes upstream pools and destroys open websocket tunnels. */
  close(): void;
  /** Resolves once the default target route (if any) is installed. */
  ready: Promise<void>;
}

const HEALTHZ = '/_chp_healthz';
const HEALTHZ_BODY = '{"status":"OK"}';

export function createProxy(opts: ProxyOptions): Proxy {
  const routes = opts.routes;
  const logger = opts.logger;
  const now = opts.now ?? (() => new Date());
  const hostRouting = opts.hostRouting === true;
  let errorTarget = opts.errorTarget ?? null;
  if (errorTarget !== null && !errorTarget.endsWith('/')) errorTarget += '/';

  const ctx: ProxyContext = {
    logger,
    activity: new ActivityRecorder(routes, now, opts.activityIntervalMs ?? 1000),
    targets: new TargetPool({ ...DEFAULT_POOL_SETTINGS, ...opts.pool }, opts.connectTimeoutMs ?? 30_000),
    headers: headerSettings(opts.xForward ?? true, opts.customHeaders, opts.trustForwardedProto ?? false),
    errorPages: { errorTarget, timeoutMs: 10_000, logger },
    includePrefix: opts.includePrefix ?? true,
    prependPath: opts.prependPath ?? true,
    timeoutMs: opts.timeoutMs ?? 0,
    proxyTimeoutMs: opts.proxyTimeoutMs ?? 0,
    connectTimeoutMs: opts.connectTimeoutMs ?? 30_000,
    wsIdleTimeoutMs: opts.wsIdleTimeoutMs ?? 0,
    metrics: opts.metrics ?? null,
    tunnels: new Set(),
  };

  const ready = opts.defaultTarget ? routes.add('/', opts.defaultTarget, {}, now()) : Promise.resolve();
  // reported here; callers that await `ready` still see the rejection
  ready.catch((err: unknown) => logger.error({ err }, 'could not install the default target route'));

  const keepAliveTimeoutMs = opts.keepAliveTimeoutMs ?? 5000;
  const front =
    opts.fastPath === false ? null : new FastFront(ctx, { routes, hostRouting, keepAliveTimeoutMs, healthPath: HEALTHZ });

  function handleRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '/';
    if (url.length === HEALTHZ.length && url === HEALTHZ) {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': HEALTHZ_BODY.length });
      res.end(HEALTHZ_BODY);
      return;
    }
    const failure = front?.takeFailure(req.socket, url) ?? null;
    if (failure !== null) {
      // the fast path already tried the target (fastFront.ts)
      answerUpstreamFailure(ctx.errorPages, ctx.metrics, req, res, failure.err, failure.targetUrl);
      return;
    }
    const resolved = resolveRequestPath(url, hostRouting ? req.headers.host : undefined, hostRouting);
    if (resolved === null) {
      logProxyFailure(logger, 400, req.method, url);
      ctx.metrics?.proxied(400);
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Bad Request');
      return;
    }
    const route = routes.match(resolved.lookup);
    if (route === null) {
      logProxyFailure(logger, 404, req.method, url);
      ctx.metrics?.proxied(404);
      sendErrorPage(ctx.errorPages, req, res, 404);
      return;
    }
    const target = ctx.targets.get(route.target);
    if (target === null) {
      logger.error({ route: route.path }, `route ${route.path} has an invalid target`);
      ctx.metrics?.proxied(500);
      sendErrorPage(ctx.errorPages, req, res, 500);
      return;
    }
    forwardHttp(ctx, req, res, resolved, route, target);
  }

  function handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy()); // until the tunnel installs its own handling
    const url = req.url ?? '/';
    const resolved = resolveRequestPath(url, hostRouting ? req.headers.host : undefined, hostRouting);
    if (resolved === null) {
      logProxyFailure(logger, 400, req.method, url);
      rejectUpgrade(socket, 400);
      return;
    }
    const route = routes.match(resolved.lookup);
    if (route === null) {
      logProxyFailure(logger, 404, req.method, url);
      ctx.metrics?.proxied(404);
      rejectUpgrade(socket, 404);
      return;
    }
    const target = ctx.targets.get(route.target);
    if (target === null) {
      logger.error({ route: route.path }, `route ${route.path} has an invalid target`);
      rejectUpgrade(socket, 500);
      return;
    }
    tunnelUpgrade(ctx, req, socket, head, resolved, route, target);
  }

  function destroyTunnels(): void {
    for (const socket of ctx.tunnels) socket.destroy();
  }

  return {
    handleRequest,
    handleUpgrade,
    ready,
    attach(server) {
      server.keepAliveTimeout = keepAliveTimeoutMs;
      // node's default 300 s deadline for receiving a whole request would cut long uploads;
      // headersTimeout still bounds slow header senders, `timeoutMs` bounds idle connections
      server.requestTimeout = 0;
      server.on('request', handleRequest);
      server.on('upgrade', handleUpgrade);
      front?.take(server);
    },
    fastConnectionCount: () => front?.size ?? 0,
    upstreamSocketCount: () => ctx.targets.socketCount(),
    openTunnelCount: () => ctx.tunnels.size,
    destroyTunnels,
    close() {
      front?.close();
      ctx.activity.close();
      ctx.targets.close();
      destroyTunnels();
    },
  };
}
