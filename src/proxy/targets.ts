// Parsed route targets, each with its upstream connection pool (upstream.ts). Parsing a target
// URL on every request would dominate the hot path, so targets are parsed once and cached by
// their string. One timer sweeps idle connections; targets nobody used for a minute are dropped.

import { DEFAULT_POOL_SETTINGS, UpstreamPool, type PoolSettings } from './upstream.ts';

export { DEFAULT_POOL_SETTINGS, type PoolSettings } from './upstream.ts';

export interface Target {
  /** The target string as stored in the route. */
  url: string;
  secure: boolean;
  /** Hostname to connect to (IPv6 without brackets). */
  hostname: string;
  port: number;
  /** 'host:port' as written in the URL, used as Host when the client sent none. */
  hostHeader: string;
  /** Target path without trailing '/', '' for none; prepended to forwarded paths (prependPath). */
  basePath: string;
  pool: UpstreamPool;
  /** Set on use, cleared by the sweeper. */
  used: boolean;
}

const UNUSED_TARGET_MS = 60_000;

export class TargetPool {
  private readonly targets = new Map<string, Target | null>();
  private readonly sweeper: NodeJS.Timeout;
  private lastTargetSweep = Date.now();

  constructor(
    private readonly settings: PoolSettings = DEFAULT_POOL_SETTINGS,
    private readonly connectTimeoutMs = 30_000,
  ) {
    const every = Math.min(1000, Math.max(25, Math.floor(settings.freeSocketTimeoutMs / 2)));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
  }

  /** The parsed target, or null when the string is not an http(s)/ws(s) URL. */
  get(url: string): Target | null {
    let target = this.targets.get(url);
    if (target === undefined) {
      target = parseTarget(url, this.settings, this.connectTimeoutMs);
      this.targets.set(url, target);
    }
    if (target !== null) target.used = true;
    return target;
  }

  /** Connections (in use + idle) held towards all targets; for tests and metrics. */
  socketCount(): number {
    let count = 0;
    for (const target of this.targets.values()) if (target !== null) count += target.pool.size;
    return count;
  }

  private sweep(): void {
    const now = Date.now();
    const dropUnused = now - this.lastTargetSweep >= UNUSED_TARGET_MS;
    if (dropUnused) this.lastTargetSweep = now;
    for (const [url, target] of this.targets) {
      if (target === null) {
        if (dropUnused) this.targets.delete(url);
        continue;
      }
      const open = target.pool.idleCount > 0 ? target.pool.sweep(now) : target.pool.size;
      if (!dropUnused) continue;
      if (target.used) target.used = false;
      else if (open === 0) this.targets.delete(url);
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const target of this.targets.values()) target?.pool.close();
    this.targets.clear();
  }
}

function parseTarget(url: string, settings: PoolSettings, connectTimeoutMs: number): Target | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  let secure: boolean;
  switch (parsed.protocol) {
    case 'http:':
    case 'ws:':
      secure = false;
      break;
    case 'https:':
    case 'wss:':
      secure = true;
      break;
    default:
      return null;
  }
  if (parsed.hostname === '') return null;
  const port = parsed.port === '' ? (secure ? 443 : 80) : Number(parsed.port);
  const hostname = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  let basePath = parsed.pathname;
  while (basePath.endsWith('/')) basePath = basePath.slice(0, -1);
  const pool = new UpstreamPool({ secure, hostname, port }, settings, connectTimeoutMs);
  return { url, secure, hostname, port, hostHeader: parsed.host, basePath, pool, used: true };
}
