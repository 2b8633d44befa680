// One proxied HTTP exchange over the proxy's own upstream client (upstream.ts): write the
// prebuilt request head (and stream the body) to a pooled connection, parse the answer
// (responseParser.ts) and write it to the client — in one write when the whole answer arrived
// at once, streamed with back-pressure otherwise. Every way it can end releases both sides:
//
// - client goes away before the end          → upstream connection destroyed (never reused)
// - target refuses/resets before answering   → 503 (through the error target if configured)
// - target sends something that is not HTTP  → 502
// - target resets in the middle of the body  → client connection destroyed (truncation is visible)
// - stale keep-alive connection on a body-less request → retried on another connection, at most twice

import type http from 'node:http';
import { upstreamPath, type ProxyContext } from './context.ts';
import { requestHeaderBlock } from './forwardHeaders.ts';
import { answerUpstreamFailure, logProxyFailure } from './proxyErrors.ts';
import type { ResolvedPath } from './requestPath.ts';
import type { ResponseHead } from './responseParser.ts';
import type { Target } from './targets.ts';
import type { UpstreamConnection, UpstreamUser } from './upstream.ts';
import type { Route } from './types.ts';

/** A body-less request that failed on a reused keep-alive connection is retried this often. */
export const MAX_RETRIES = 2;
const LAST_CHUNK = '0\r\n\r\n';

const enum Body {
  None,
  /** Content-Length: bytes pass through as they are. */
  Fixed,
  /** Transfer-Encoding: node hands us decoded data, re-chunked on the way out. */
  Chunked,
}

/** How the request body is framed (Content-Length > 0, any Transfer-Encoding, or none). */
function requestBody(raw: string[]): Body {
  let body = Body.None;
  for (let i = 0; i < raw.length; i += 2) {
    const len = raw[i].length;
    if (len === 14 || len === 17) {
      const lower = raw[i].toLowerCase();
      if (lower === 'transfer-encoding') return Body.Chunked;
      if (lower === 'content-length' && raw[i + 1] !== '0') body = Body.Fixed;
    }
  }
  return body;
}

export function isRetryable(err: NodeJS.ErrnoException | null): boolean {
  return err === null || err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.code === 'UPSTREAM_CLOSED';
}

class HttpExchange implements UpstreamUser {
  private conn: UpstreamConnection | null = null;
  private retries = 0;
  /** The client has a status line (or an error page is on its way). */
  private responded = false;
  /** Nothing more to do for the upstream side. */
  private over = false;
  private clientGone = false;
  /** The request (body included) has been written upstream. */
  private requestSent: boolean;
  private countsAsActivity = false;

  constructor(
    private readonly ctx: ProxyContext,
    private readonly req: http.IncomingMessage,
    private readonly res: http.ServerResponse,
    private readonly routePath: string,
    private readonly target: Target,
    private readonly head: string,
    private readonly body: Body,
  ) {
    this.requestSent = body === Body.None;
  }

  start(): void {
    this.res.on('close', () => this.onClientClose());
    this.dispatch();
    if (this.body !== Body.None) this.streamBody();
  }

  private dispatch(): void {
    const conn = this.target.pool.acquire();
    this.conn = conn;
    conn.assign(this, this.req.method === 'HEAD', this.ctx.proxyTimeoutMs);
    conn.socket.write(this.head, 'latin1');
  }

  private streamBody(): void {
    const req = this.req;
    const chunked = this.body === Body.Chunked;
    req.on('data', (chunk: Buffer) => {
      this.ctx.activity.record(this.routePath);
      const conn = this.conn;
      if (conn === null) return; // the exchange failed; node discards the rest
      const socket = conn.socket;
      let ok: boolean;
      if (chunked) {
        socket.cork();
        socket.write(chunk.length.toString(16) + '\r\n', 'latin1');
        socket.write(chunk);
        ok = socket.write('\r\n', 'latin1');
        socket.uncork();
      } else {
        ok = socket.write(chunk);
      }
      if (!ok) {
        req.pause();
        socket.once('drain', () => req.resume());
      }
    });
    req.on('end', () => {
      const conn = this.conn;
      if (conn === null) return;
      if (chunked) conn.socket.write(LAST_CHUNK, 'latin1');
      this.requestSent = true;
    });
    req.on('error', () => this.abortUpstream());
  }

  // -- ResponseSink ------------------------------------------------------------------------

  onHead(head: ResponseHead): void {
    if (!this.writeHead(head)) {
      this.abortUpstream();
      return;
    }
    this.countsAsActivity = head.statusCode < 300;
  }

  onBody(chunk: Buffer): void {
    if (this.countsAsActivity) this.ctx.activity.record(this.routePath);
    if (!this.res.write(chunk)) {
      const conn = this.conn;
      if (conn === null) return;
      conn.socket.pause();
      // by the time the client drains, the connection may serve another exchange
      this.res.once('drain', () => {
        if (this.conn === conn) conn.socket.resume();
      });
    }
  }

  onComplete(head: ResponseHead | null, body: Buffer | null): void {
    this.over = true;
    const conn = this.conn;
    this.conn = null;
    conn?.release(this.requestSent);
    if (head !== null) {
      if (!this.writeHead(head)) return;
      this.countsAsActivity = head.statusCode < 300;
    }
    if (body === null) this.res.end();
    else this.res.end(body);
    if (this.countsAsActivity) this.ctx.activity.record(this.routePath);
  }

  onUpstreamFailure(err: NodeJS.ErrnoException | null, reused: boolean): void {
    this.conn = null;
    if (this.over || this.clientGone) return;
    if (this.responded) {
      // the answer is already flowing: the client sees the truncation
      this.over = true;
      this.res.destroy();
      return;
    }
    if (this.body === Body.None && this.retries < MAX_RETRIES && reused && isRetryable(err)) {
      this.retries++;
      this.dispatch();
      return;
    }
    this.over = true;
    answerUpstreamFailure(this.ctx.errorPages, this.ctx.metrics, this.req, this.res, err, this.target.url);
  }

  // -----------------------------------------------------------------------------------------

  private writeHead(head: ResponseHead): boolean {
    this.responded = true;
    try {
      this.res.writeHead(head.statusCode, head.statusMessage, head.headers);
    } catch (err) {
      logProxyFailure(this.ctx.logger, 502, this.req.method, this.req.url, err, this.target.url);
      this.ctx.metrics?.proxied(502);
      this.over = true;
      this.res.destroy();
      return false;
    }
    this.ctx.metrics?.proxied(head.statusCode);
    return true;
  }

  private abortUpstream(): void {
    this.over = true;
    const conn = this.conn;
    this.conn = null;
    conn?.destroy();
  }

  private onClientClose(): void {
    if (this.res.writableFinished) return;
    this.clientGone = true;
    this.abortUpstream();
  }
}

export function forwardHttp(
  ctx: ProxyContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  resolved: ResolvedPath,
  route: Route,
  target: Target,
): void {
  const head =
    (req.method ?? 'GET') + ' ' + upstreamPath(ctx, resolved, route, target) + ' HTTP/1.1\r\n' +
    requestHeaderBlock(req, ctx.headers, false, target.hostHeader) + '\r\n';
  if (ctx.timeoutMs > 0 && req.socket.timeout !== ctx.timeoutMs) req.socket.setTimeout(ctx.timeoutMs);
  new HttpExchange(ctx, req, res, route.path, target, head, requestBody(req.rawHeaders)).start();
}
