// What the request handlers share: one object built by createProxy.

import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { ActivityRecorder } from './activity.ts';
import type { HeaderSettings } from './forwardHeaders.ts';
import type { ErrorPages } from './proxyErrors.ts';
import { stripRoutePrefix, type ResolvedPath } from './requestPath.ts';
import type { Target, TargetPool } from './targets.ts';
import type { Route } from './types.ts';

/** Counters the proxy reports to; see metrics.ts for the Prometheus implementation. */
export interface ProxyMetricsSink {
  proxied(status: number): void;
  websocketOpened(): void;
  websocketClosed(): void;
}

export interface ProxyContext {
  logger: Logger;
  activity: ActivityRecorder;
  targets: TargetPool;
  headers: HeaderSettings;
  errorPages: ErrorPages;
  includePrefix: boolean;
  prependPath: boolean;
  /** Idle timeout on client connections (CHP --timeout), 0 = none. */
  timeoutMs: number;
  /** Idle timeout on the upstream request (CHP --proxy-timeout), 0 = none. */
  proxyTimeoutMs: number;
  /** Connecting to a target gives up after this long. */
  connectTimeoutMs: number;
  /** Websocket tunnels with no traffic either way are closed after this long, 0 = never. */
  wsIdleTimeoutMs: number;
  metrics: ProxyMetricsSink | null;
  /** Client sockets of open websocket tunnels, destroyed by close(). */
  tunnels: Set<Duplex>;
}

/** The request target sent upstream: prefix stripped (includePrefix=false), target path prepended. */
export function upstreamPath(ctx: ProxyContext, resolved: ResolvedPath, route: Route, target: Target): string {
  let path = resolved.forward;
  if (!ctx.includePrefix) path = stripRoutePrefix(path, route.path.slice(resolved.hostPrefixLength));
  if (ctx.prependPath && target.basePath !== '') path = target.basePath + path;
  return path;
}
