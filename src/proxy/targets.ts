// Parsed route targets and one keep-alive connection pool per target origin. Parsing a target
// URL on every request would dominate the hot path, so targets are parsed once and cached by
// their string; entries nobody used for a sweep interval are dropped and their idle sockets closed.

import http from 'node:http';
import https from 'node:https';

export interface PoolSettings {
  /** Concurrent upstream sockets per target. Unbounded by default like CHP: a queue here would
   * stall long-lived streams (event streams, long polls) behind each other. */
  maxSockets: number;
  /** Idle keep-alive sockets kept per target. */
  maxFreeSockets: number;
  /** Idle keep-alive sockets are closed after this long (shortened by the target's Keep-Alive hint). */
  freeSocketTimeoutMs: number;
}

export const DEFAULT_POOL_SETTINGS: PoolSettings = {
  maxSockets: Infinity,
  maxFreeSockets: 64,
  freeSocketTimeoutMs: 15_000,
};

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
  agent: http.Agent;
  /** Set on use, cleared by the sweeper. */
  used: boolean;
}

export class TargetPool {
  private readonly targets = new Map<string, Target | null>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly settings: PoolSettings = DEFAULT_POOL_SETTINGS,
    sweepIntervalMs = 60_000,
  ) {
    this.sweeper = setInterval(() => this.sweep(), sweepIntervalMs);
    this.sweeper.unref();
  }

  /** The parsed target, or null when the string is not an http(s)/ws(s) URL. */
  get(url: string): Target | null {
    let target = this.targets.get(url);
    if (target === undefined) {
      target = parseTarget(url, this.settings);
      this.targets.set(url, target);
    }
    if (target !== null) target.used = true;
    return target;
  }

  /** Sockets (in use + idle) held towards all targets; for tests and metrics. */
  socketCount(): number {
    let count = 0;
    for (const target of this.targets.values()) {
      if (target === null) continue;
      for (const list of Object.values(target.agent.sockets)) count += list?.length ?? 0;
      for (const list of Object.values(target.agent.freeSockets)) count += list?.length ?? 0;
    }
    return count;
  }

  private sweep(): void {
    for (const [url, target] of this.targets) {
      if (target === null) {
        this.targets.delete(url);
      } else if (target.used) {
        target.used = false;
      } else if (Object.keys(target.agent.sockets).length === 0) {
        target.agent.destroy();
        this.targets.delete(url);
      }
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const target of this.targets.values()) target?.agent.destroy();
    this.targets.clear();
  }
}

function parseTarget(url: string, settings: PoolSettings): Target | null {
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
  const agentOptions = {
    keepAlive: true,
    maxSockets: settings.maxSockets,
    maxFreeSockets: settings.maxFreeSockets,
    timeout: settings.freeSocketTimeoutMs,
    scheduling: 'lifo' as const,
  };
  const agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  return { url, secure, hostname, port, hostHeader: parsed.host, basePath, agent, used: true };
}
