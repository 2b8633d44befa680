// The hub's ProxyClient for a standalone proxy speaking CHP's REST API (nbhub proxy, or CHP
// itself). Behaves like JupyterHub's ConfigurableHTTPProxy.api_request: connect timeout 3 s,
// request timeout 10 s, 5xx and connection failures retried with backoff for up to 30 s,
// a bounded number of requests in flight. DELETE of a missing route counts as success.
// Built on node:http rather than fetch: fetch cannot set a connect timeout apart from the
// request timeout without the undici package.

import http from 'node:http';
import https from 'node:https';
import type { ChpRouteData } from './chpRoute.ts';
import { normalizeRouteKey } from './trie.ts';
import type { ProxyClient } from './types.ts';

export interface ChpProxyClientOptions {
  /** Base URL of the API, e.g. http://127.0.0.1:8001 (a path prefix is kept). */
  apiUrl: string;
  /** CONFIGPROXY_AUTH_TOKEN; sent as `Authorization: token …`. */
  authToken: string | null;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Give up retrying after this long. */
  retryDeadlineMs?: number;
  maxConcurrent?: number;
  /** Injected for tests of the back-off. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export type ProxyApiErrorCode = 'PROXY_API_UNREACHABLE' | 'PROXY_API_SERVER_ERROR' | 'PROXY_API_REJECTED' | 'PROXY_API_BAD_RESPONSE';

export class ProxyApiError extends Error {
  constructor(
    readonly code: ProxyApiErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ProxyApiError';
  }
}

interface ApiResponse {
  status: number;
  body: string;
}

/**
 * Keys are stored decoded; each segment is encoded so the API decodes it back unchanged.
 * '/' is sent as /api/routes/ (CHP has no answer for DELETE /api/routes without a path).
 */
function encodeKey(path: string): string {
  const key = normalizeRouteKey(path);
  return key === '/' ? '/' : key.split('/').map(encodeURIComponent).join('/');
}

export class ChpProxyClient implements ProxyClient {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly connectTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly retryDeadlineMs: number;
  private readonly maxConcurrent: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly opts: ChpProxyClientOptions) {
    this.base = new URL(opts.apiUrl);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') {
      throw new ProxyApiError('PROXY_API_REJECTED', `proxy API URL ${opts.apiUrl} is not http(s)`);
    }
    const secure = this.base.protocol === 'https:';
    this.agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 16 }) : new http.Agent({ keepAlive: true, maxSockets: 16 });
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 3_000;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.retryDeadlineMs = opts.retryDeadlineMs ?? 30_000;
    this.maxConcurrent = opts.maxConcurrent ?? 10;
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = opts.now ?? Date.now;
  }

  async addRoute(path: string, target: string, data: Record<string, unknown>): Promise<void> {
    const res = await this.request('POST', encodeKey(path), JSON.stringify({ ...data, target }));
    this.expect(res, [201, 200], 'POST', path);
  }

  async deleteRoute(path: string): Promise<void> {
    const res = await this.request('DELETE', encodeKey(path));
    this.expect(res, [204, 200, 404], 'DELETE', path);
  }

  async getRoutes(): Promise<Record<string, ChpRouteData>> {
    const res = await this.request('GET', '');
    this.expect(res, [200], 'GET', '');
    try {
      return JSON.parse(res.body) as Record<string, ChpRouteData>;
    } catch {
      throw new ProxyApiError('PROXY_API_BAD_RESPONSE', `GET ${this.describe('')} answered with invalid JSON`, res.status);
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private describe(path: string): string {
    return `${this.base.origin}${this.base.pathname.replace(/\/+$/, '')}/api/routes${path}`;
  }

  private expect(res: ApiResponse, ok: number[], method: string, path: string): void {
    if (ok.includes(res.status)) return;
    const detail = res.body.length > 200 ? res.body.slice(0, 200) + '…' : res.body;
    throw new ProxyApiError(
      'PROXY_API_REJECTED',
      `${method} ${this.describe(path ? normalizeRouteKey(path) : '')} answered ${res.status}${detail ? `: ${detail}` : ''}`,
      res.status,
    );
  }

  /** One API call with retries on connection failures and 5xx. */
  private async request(method: string, encodedPath: string, body?: string): Promise<ApiResponse> {
    const deadline = this.now() + this.retryDeadlineMs;
    let delay = 100;
    for (;;) {
      let failure: ProxyApiError;
      try {
        const res = await this.limited(() => this.once(method, encodedPath, body));
        if (res.status < 500) return res;
        failure = new ProxyApiError('PROXY_API_SERVER_ERROR', `${method} ${this.describe(encodedPath)} answered ${res.status}`, res.status);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        failure = new ProxyApiError('PROXY_API_UNREACHABLE', `${method} ${this.describe(encodedPath)} failed: ${e.code ?? e.message}`);
      }
      const remaining = deadline - this.now();
      if (remaining <= 0) throw failure;
      await this.sleep(Math.min(delay, remaining));
      delay = Math.min(delay * 2, 5_000);
    }
  }

  private async limited<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.maxConcurrent) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
    try {
      return await fn();
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }

  private once(method: string, encodedPath: string, body?: string): Promise<ApiResponse> {
    const url = new URL(this.base.href);
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/routes${encodedPath}`;
    const headers: http.OutgoingHttpHeaders = { Accept: 'application/json' };
    if (this.opts.authToken) headers.Authorization = `token ${this.opts.authToken}`;
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const client = url.protocol === 'https:' ? https : http;
    return new Promise<ApiResponse>((resolve, reject) => {
      const req = client.request(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          clearTimeout(overall);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      });
      const overall = setTimeout(
        () => req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })),
        this.requestTimeoutMs,
      );
      req.on('socket', (socket) => {
        if (!socket.connecting) return;
        const connectTimer = setTimeout(
          () => req.destroy(Object.assign(new Error('connect timed out'), { code: 'ECONNECT_TIMEOUT' })),
          this.connectTimeoutMs,
        );
        socket.once('connect', () => clearTimeout(connectTimer));
        socket.once('close', () => clearTimeout(connectTimer));
      });
      req.on('error', (err) => {
        clearTimeout(overall);
        reject(err);
      });
      req.end(body);
    });
  }
}
