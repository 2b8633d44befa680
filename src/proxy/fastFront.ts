// The proxy's fast path: client connections are read here, not by node's HTTP server. A request
// the fast path understands (requestHead.ts: GET/HEAD, no body, no upgrade) with a route and a
// valid target is forwarded over the upstream pool (upstream.ts) and answered from the parsed
// response (responseParser.ts) with one write when the answer came at once. Node's
// IncomingMessage/ServerResponse cost about half of a proxied request's CPU; this path has
// neither.
//
// Everything else is handed off: the unread bytes are put back into the socket and node's HTTP
// server takes the connection over for the rest of its life (bodies, websockets, 400/404/431,
// health checks, error pages). The same happens when the target fails before answering: the
// request has no body, so node's side answers it through the usual error-page path, told the
// failure (takeFailure) instead of trying the target again.
//
// Timeouts as node's server applies them: keep-alive idle time between requests, 60 s for a head
// to arrive, and the proxy's idle timeout (CHP --timeout) while a request is in flight; checked by
// one sweep timer for all connections.

import type http from 'node:http';
import type https from 'node:https';
import type net from 'node:net';
import tls from 'node:tls';
import { clientResponseHead } from './clientResponseHead.ts';
import { upstreamPath, type ProxyContext } from './context.ts';
import { requestHeaderBlock } from './forwardHeaders.ts';
import { isRetryable, MAX_RETRIES } from './httpForward.ts';
import { parseFastRequestHead } from './requestHead.ts';
import { resolveRequestPath } from './requestPath.ts';
import type { ResponseHead } from './responseParser.ts';
import type { Target } from './targets.ts';
import type { RouteStore } from './types.ts';
import type { UpstreamConnection, UpstreamUser } from './upstream.ts';

const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
/** Node's default limit for a request head (it answers 431 beyond it). */
const MAX_HEAD_BYTES = 16 * 1024;
/** Node's default headersTimeout. */
const HEADERS_TIMEOUT_MS = 60_000;
/** Bytes of pipelined requests buffered before the socket is paused. */
const MAX_BUFFERED = 64 * 1024;
const LAST_CHUNK = '0\r\n\r\n';
const REQUEST_TIMEOUT = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

/** The target failed before answering a fast-path request; node's side answers with this. */
export interface FastPathFailure {
  url: string;
  err: NodeJS.ErrnoException | null;
  targetUrl: string;
}

export interface FastFrontOptions {
  routes: RouteStore;
  hostRouting: boolean;
  keepAliveTimeoutMs: number;
  /** The one path answered by node's side although it is a plain GET (CHP's health check). */
  healthPath: string;
}

type Server = http.Server | https.Server;
type Listener = (socket: net.Socket) => void;

export class FastFront {
  private readonly connections = new Set<FastConnection>();
  private readonly failures = new WeakMap<net.Socket, FastPathFailure>();
  private readonly sweeper: NodeJS.Timeout;
  readonly keepAliveS: number;

  constructor(
    readonly ctx: ProxyContext,
    readonly options: FastFrontOptions,
  ) {
    this.keepAliveS = Math.max(1, Math.round(options.keepAliveTimeoutMs / 1000));
    const limits = [options.keepAliveTimeoutMs, ctx.timeoutMs, HEADERS_TIMEOUT_MS].filter((x) => x > 0);
    const every = Math.min(1000, Math.max(25, Math.floor(Math.min(...limits) / 4)));
    this.sweeper = setInterval(() => this.sweep(Date.now()), every);
    this.sweeper.unref();
  }

  /** Takes over `server`'s connections; node's own connection handling gets the handed-off ones. */
  take(server: Server): void {
    const event = server instanceof tls.Server ? 'secureConnection' : 'connection';
    const nodeListeners = server.listeners(event) as Listener[];
    server.removeAllListeners(event);
    const handOff: Listener = (socket) => {
      for (const listener of nodeListeners) listener.call(server, socket);
    };
    server.on(event, (socket: net.Socket) => {
      const conn = new FastConnection(this, socket, handOff);
      this.connections.add(conn);
    });
    // server.close() closes idle connections through closeIdleConnections (node ≥ 19)
    const closeIdle = server.closeIdleConnections.bind(server);
    const closeAll = server.closeAllConnections.bind(server);
    server.closeIdleConnections = () => {
      this.closeConnections(false);
      closeIdle();
    };
    server.closeAllConnections = () => {
      this.closeConnections(true);
      closeAll();
    };
  }

  /** The failure a handed-off request met on the fast path (once), for node's side to answer. */
  takeFailure(socket: net.Socket, url: string): FastPathFailure | null {
    const failure = this.failures.get(socket);
    if (failure === undefined || failure.url !== url) return null;
    this.failures.delete(socket);
    return failure;
  }

  recordFailure(socket: net.Socket, failure: FastPathFailure): void {
    this.failures.set(socket, failure);
  }

  forget(conn: FastConnection): void {
    this.connections.delete(conn);
  }

  get size(): number {
    return this.connections.size;
  }

  private closeConnections(all: boolean): void {
    for (const conn of [...this.connections]) if (all || conn.idle) conn.destroy();
  }

  private sweep(now: number): void {
    for (const conn of this.connections) conn.checkTimeouts(now);
  }

  close(): void {
    clearInterval(this.sweeper);
    this.closeConnections(true);
  }
}

function uncork(socket: net.Socket): void {
  socket.uncork();
}

class FastConnection implements UpstreamUser {
  /** Client bytes not yet handled (a partial head, or pipelined requests). */
  private buf: Buffer | null = null;
  private lastActive = Date.now();
  private partialSince = 0;
  private pausedByUs = false;
  private done = false;

  // the exchange in flight (inFlight) and its state
  private inFlight = false;
  private conn: UpstreamConnection | null = null;
  private headBytes: Buffer | null = null;
  private url = '';
  private isHead = false;
  private routePath = '';
  private target: Target | null = null;
  private upstreamHead = '';
  private retries = 0;
  private responded = false;
  private chunked = false;
  private countsAsActivity = false;
  private closeAfter = false;

  private readonly onDataListener = (chunk: Buffer) => this.onData(chunk);
  private readonly onEndListener = () => this.onEnd();
  private readonly onCloseListener = () => this.onClose();
  private readonly onErrorListener = () => this.socket.destroy();

  constructor(
    private readonly front: FastFront,
    private readonly socket: net.Socket,
    private readonly handOffTo: Listener,
  ) {
    socket.on('data', this.onDataListener);
    socket.on('end', this.onEndListener);
    socket.on('close', this.onCloseListener);
    socket.on('error', this.onErrorListener);
  }

  /** No exchange in flight and no partial request: safe to close. */
  get idle(): boolean {
    return !this.inFlight && this.buf === null;
  }

  destroy(): void {
    this.socket.destroy();
  }

  checkTimeouts(now: number): void {
    if (this.done) return;
    const ctx = this.front.ctx;
    if (this.inFlight) {
      if (ctx.timeoutMs > 0 && now - this.lastActive > ctx.timeoutMs) this.socket.destroy();
    } else if (this.buf !== null) {
      if (now - this.partialSince > HEADERS_TIMEOUT_MS) {
        this.socket.end(REQUEST_TIMEOUT, 'latin1');
        this.socket.destroySoon();
        this.finish();
      }
    } else {
      const limit = this.front.options.keepAliveTimeoutMs > 0 ? this.front.options.keepAliveTimeoutMs : ctx.timeoutMs;
      if (limit > 0 && now - this.lastActive > limit) this.socket.destroy();
    }
  }

  private onData(chunk: Buffer): void {
    this.lastActive = Date.now();
    this.buf = this.buf === null ? chunk : Buffer.concat([this.buf, chunk]);
    if (this.inFlight) {
      if (this.buf.length > MAX_BUFFERED && !this.pausedByUs) {
        this.pausedByUs = true;
        this.socket.pause();
      }
      return;
    }
    this.processBuffer();
  }

  /** Starts the next request in the buffer, or hands the connection off. */
  private processBuffer(): void {
    const buf = this.buf;
    if (buf === null || this.done || this.inFlight) return;
    const end = buf.indexOf(CRLFCRLF);
    if (end === -1) {
      if (buf.length > MAX_HEAD_BYTES) this.handOff(buf);
      else if (this.partialSince === 0) this.partialSince = this.lastActive;
      return;
    }
    if (end + 4 > MAX_HEAD_BYTES) {
      this.handOff(buf);
      return;
    }
    const head = parseFastRequestHead(buf.toString('latin1', 0, end));
    if (head === null || head.url === this.front.options.healthPath) {
      this.handOff(buf);
      return;
    }
    const { ctx, options } = this.front;
    const resolved = resolveRequestPath(head.url, head.host, options.hostRouting);
    const route = resolved === null ? null : options.routes.match(resolved.lookup);
    const target = route === null ? null : ctx.targets.get(route.target);
    if (resolved === null || route === null || target === null) {
      this.handOff(buf);
      return;
    }
    this.partialSince = 0;
    this.headBytes = buf.subarray(0, end + 4);
    this.buf = end + 4 === buf.length ? null : buf.subarray(end + 4);
    this.inFlight = true;
    this.url = head.url;
    this.isHead = head.method === 'HEAD';
    this.closeAfter = head.close;
    this.routePath = route.path;
    this.target = target;
    this.retries = 0;
    this.responded = false;
    this.upstreamHead =
      head.method + ' ' + upstreamPath(ctx, resolved!, route, target) + ' HTTP/1.1\r\n' +
      requestHeaderBlock({ rawHeaders: head.rawHeaders, socket: this.socket }, ctx.headers, false, target.hostHeader) + '\r\n';
    this.dispatch();
  }

  private dispatch(): void {
    const conn = this.target!.pool.acquire();
    this.conn = conn;
    conn.assign(this, this.isHead, this.front.ctx.proxyTimeoutMs);
    conn.socket.write(this.upstreamHead, 'latin1');
  }

  // -- UpstreamUser ------------------------------------------------------------------------

  onHead(head: ResponseHead): void {
    this.lastActive = Date.now();
    this.respondWith(head);
    this.chunked = head.bodyLength === -1;
    const socket = this.socket;
    socket.cork();
    socket.write(this.responseHead(head), 'latin1');
    process.nextTick(uncork, socket);
  }

  onBody(chunk: Buffer): void {
    this.lastActive = Date.now();
    if (this.countsAsActivity) this.front.ctx.activity.record(this.routePath);
    const socket = this.socket;
    let ok: boolean;
    if (this.chunked) {
      socket.cork();
      socket.write(chunk.length.toString(16) + '\r\n', 'latin1');
      socket.write(chunk);
      ok = socket.write('\r\n', 'latin1');
      process.nextTick(uncork, socket);
    } else {
      ok = socket.write(chunk);
    }
    if (!ok) {
      const conn = this.conn;
      if (conn === null) return;
      conn.socket.pause();
      socket.once('drain', () => {
        if (this.conn === conn) conn.socket.resume();
      });
    }
  }

  onComplete(head: ResponseHead | null, body: Buffer | null): void {
    this.lastActive = Date.now();
    const conn = this.conn;
    this.conn = null;
    const socket = this.socket;
    if (head !== null) {
      this.respondWith(head);
      this.chunked = false;
      const text = this.responseHead(head);
      if (body === null) {
        socket.write(text, 'latin1');
      } else {
        const out = Buffer.allocUnsafe(text.length + body.length);
        out.write(text, 0, 'latin1');
        body.copy(out, text.length);
        socket.write(out);
      }
    } else if (this.chunked) {
      socket.write(LAST_CHUNK, 'latin1');
    }
    // the client's answer first, then the bookkeeping
    conn?.release(true);
    if (this.countsAsActivity) this.front.ctx.activity.record(this.routePath);
    this.endExchange();
  }

  onUpstreamFailure(err: NodeJS.ErrnoException | null, reused: boolean): void {
    this.conn = null;
    if (!this.inFlight || this.done) return;
    if (this.responded) {
      // the answer is already flowing: the client sees the truncation
      this.socket.destroy();
      return;
    }
    if (this.retries < MAX_RETRIES && reused && isRetryable(err)) {
      this.retries++;
      this.dispatch();
      return;
    }
    // node's side answers (error page, logging, metrics) without trying the target again
    this.front.recordFailure(this.socket, { url: this.url, err, targetUrl: this.target!.url });
    const rest = this.buf;
    this.handOff(rest === null ? this.headBytes! : Buffer.concat([this.headBytes!, rest]));
  }

  // -----------------------------------------------------------------------------------------

  private respondWith(head: ResponseHead): void {
    this.responded = true;
    this.countsAsActivity = head.statusCode < 300;
    this.front.ctx.metrics?.proxied(head.statusCode);
  }

  private responseHead(head: ResponseHead): string {
    const chunked = head.bodyLength === -1 && !this.isHead;
    return clientResponseHead(head, chunked, this.closeAfter, this.front.keepAliveS);
  }

  private endExchange(): void {
    this.inFlight = false;
    this.headBytes = null;
    this.target = null;
    this.upstreamHead = '';
    if (this.closeAfter) {
      this.finish();
      this.socket.destroySoon();
      return;
    }
    if (this.pausedByUs) {
      this.pausedByUs = false;
      this.socket.resume();
    }
    // a pipelined request: started once the parser that completed this one has returned
    if (this.buf !== null) process.nextTick(() => this.processBuffer());
  }

  private onEnd(): void {
    // the client closed its side: as node's server does (httpAllowHalfOpen false), that aborts
    // the exchange in flight (onClose destroys the upstream connection)
    this.socket.destroy();
  }

  private onClose(): void {
    const conn = this.conn;
    this.conn = null;
    conn?.destroy();
    this.finish();
  }

  /** This connection is no longer ours to serve. */
  private finish(): void {
    if (this.done) return;
    this.done = true;
    this.front.forget(this);
  }

  private handOff(bytes: Buffer): void {
    const socket = this.socket;
    this.finish();
    this.inFlight = false;
    this.buf = null;
    socket.removeListener('data', this.onDataListener);
    socket.removeListener('end', this.onEndListener);
    socket.removeListener('close', this.onCloseListener);
    socket.removeListener('error', this.onErrorListener);
    if (bytes.length > 0) socket.unshift(bytes);
    if (this.pausedByUs) socket.resume();
    this.handOffTo(socket);
  }
}
