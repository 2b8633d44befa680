// Small HTTP helpers for benchmarks: free loopback ports, bounded fetches, waiting for a URL.
import http from 'node:http';
import net from 'node:net';
import { assertLoopback } from './wrk.ts';

/** A port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** fetch with a time limit; only ever to loopback. */
export async function fetchBounded(url: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<Response> {
  assertLoopback(url);
  const { timeoutMs = 30_000, ...rest } = init;
  return fetch(url, { redirect: 'manual', ...rest, signal: AbortSignal.timeout(timeoutMs) });
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs: number;
  /** Stop waiting early (e.g. the process exited); its message becomes the error. */
  abortIf?: () => string | null;
  /** Which status means "up"; default: any 2xx. */
  ok?: (status: number) => boolean;
}

/** Polls `url` until it answers as `ok` wants; returns when it did. */
export async function waitForHttp(url: string, o: WaitOptions): Promise<void> {
  const ok = o.ok ?? ((s: number) => s >= 200 && s < 300);
  const deadline = Date.now() + o.timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const why = o.abortIf?.();
    if (why) throw new Error(`gave up waiting for ${url}: ${why}`);
    try {
      const r = await fetchBounded(url, { timeoutMs: 2_000 });
      await r.arrayBuffer();
      if (ok(r.status)) return;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, o.intervalMs));
  }
  throw new Error(`${url} did not come up within ${o.timeoutMs / 1000} s (last: ${last})`);
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A plain node:http request, for when fetch's own headers get in the way (fetch always
 * sends `Sec-Fetch-Mode: cors`; JupyterHub sets its _xsrf cookie only on navigations).
 */
export function rawRequest(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<RawResponse> {
  assertLoopback(url);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: o.method ?? 'GET', headers: o.headers, timeout: o.timeoutMs ?? 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${o.method ?? 'GET'} ${url} timed out`)));
    req.on('error', reject);
    req.end(o.body);
  });
}
