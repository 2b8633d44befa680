// The proxy's own upstream HTTP/1.1 client: one pool of keep-alive TCP (or TLS) connections per
// target, each connection with its socket listeners and response parser installed once, so a
// proxied request costs one write of a prebuilt head and no per-request client objects (node's
// http.request + Agent cost about as much as everything else in the proxy together).
//
// A connection serves one exchange at a time. Idle connections are kept LIFO (the warmest one is
// reused) and closed by a sweep after the idle timeout — or sooner, as the target's Keep-Alive
// hint says — and whenever the target closes them or sends bytes nobody asked for.

import net from 'node:net';
import tls from 'node:tls';
import { ResponseParser, type ResponseSink } from './responseParser.ts';

export interface PoolSettings {
  /** Idle keep-alive connections kept per target. */
  maxFreeSockets: number;
  /** Idle keep-alive connections are closed after this long (shortened by the target's Keep-Alive hint). */
  freeSocketTimeoutMs: number;
}

export const DEFAULT_POOL_SETTINGS: PoolSettings = {
  maxFreeSockets: 256,
  freeSocketTimeoutMs: 15_000,
};

const TCP_KEEPALIVE_MS = 30_000;

/**
 * Plain-TCP upstream sockets read into this one buffer (net's `onread`): no buffer is allocated
 * per read and node's stream machinery is skipped. The parser copies what it keeps or hands on
 * (ResponseParser.execute with `borrowed`), since the next read on any connection overwrites it.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** The user of a connection: the exchange in flight (httpForward.ts). */
export interface UpstreamUser extends ResponseSink {
  /**
   * The connection failed or closed; `err` is null for a plain close. `reused`: it had served an
   * exchange before, so a failure before any answer may just be a stale keep-alive connection.
   */
  onUpstreamFailure(err: NodeJS.ErrnoException | null, reused: boolean): void;
}

export interface UpstreamEndpoint {
  secure: boolean;
  hostname: string;
  port: number;
}

export class UpstreamConnection {
  readonly socket: net.Socket;
  readonly parser: ResponseParser;
  user: UpstreamUser | null = null;
  /** Has served an exchange before (a failure before any answer may be a stale keep-alive). */
  reused = false;
  /** When it went idle (ms), for the sweep. */
  idleSince = 0;
  idleLimitMs = 0;
  destroyed = false;
  private connected = false;
  /** Idle timeout while an exchange is in flight (proxy timeout), 0 = none. */
  private activeTimeoutMs = 0;

  constructor(
    private readonly pool: UpstreamPool,
    endpoint: UpstreamEndpoint,
  ) {
    this.parser = new ResponseParser(IDLE_SINK);
    const { secure, hostname: host, port } = endpoint;
    let socket: net.Socket;
    if (secure) {
      socket = tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'] });
      socket.on('data', (chunk: Buffer) => this.onData(chunk, false));
    } else {
      const callback = (n: number): boolean => {
        this.onData(READ_BUFFER.subarray(0, n), true);
        return true; // back-pressure pauses the socket itself (fastFront.ts, httpForward.ts)
      };
      socket = net.connect({ host, port, onread: { buffer: READ_BUFFER, callback } });
    }
    this.socket = socket;
    socket.once(secure ? 'secureConnect' : 'connect', () => this.onConnect());
    socket.on('end', () => this.onEnd());
    socket.on('error', (err: NodeJS.ErrnoException) => this.fail(err));
    socket.on('close', () => this.fail(null));
    socket.on('timeout', () => this.onTimeout());
  }

  private onConnect(): void {
    this.connected = true;
    this.socket.setKeepAlive(true, TCP_KEEPALIVE_MS);
    // the connect timeout is over; an exchange in flight keeps its own
    this.socket.setTimeout(this.user !== null ? this.activeTimeoutMs : 0);
  }

  /** `borrowed`: `chunk` is READ_BUFFER's, valid only during this call. */
  private onData(chunk: Buffer, borrowed: boolean): void {
    const user = this.user;
    if (user === null) {
      // an idle connection has nothing to say: a late or unsolicited answer poisons it
      this.destroy();
      return;
    }
    try {
      this.parser.execute(chunk, borrowed);
    } catch (err) {
      this.fail(err as NodeJS.ErrnoException);
    }
  }

  private onEnd(): void {
    if (this.user === null) {
      this.destroy();
      return;
    }
    if (!this.parser.headParsed) {
      this.fail(Object.assign(new Error('target closed the connection before answering'), { code: 'UPSTREAM_CLOSED' }));
      return;
    }
    try {
      this.parser.finish();
    } catch (err) {
      this.fail(err as NodeJS.ErrnoException);
      return;
    }
    // a close-delimited answer completed (its user released us) or the answer was already done
    this.destroy();
  }

  private onTimeout(): void {
    const user = this.user;
    if (user === null) {
      this.destroy();
      return;
    }
    const err: NodeJS.ErrnoException = Object.assign(new Error('no answer from the target in time'), { code: 'ETIMEDOUT' });
    this.fail(err);
  }

  private fail(err: NodeJS.ErrnoException | null): void {
    const user = this.user;
    this.user = null;
    this.destroy();
    user?.onUpstreamFailure(err, this.reused);
  }

  /** Gives the connection to `user` for one exchange; `noBody` for HEAD. */
  assign(user: UpstreamUser, noBody: boolean, timeoutMs: number): void {
    this.user = user;
    this.parser.reset(user, noBody);
    this.activeTimeoutMs = timeoutMs;
    if (timeoutMs > 0 && this.connected) this.socket.setTimeout(timeoutMs);
  }

  /** The exchange is over. Back to the pool if the answer allows, else closed. */
  release(reusable: boolean): void {
    this.user = null;
    if (this.destroyed) return;
    if (this.activeTimeoutMs > 0) this.socket.setTimeout(0);
    if (!reusable || !this.parser.keepAlive || this.parser.excess || !this.parser.done) {
      this.destroy();
      return;
    }
    this.reused = true;
    // the last exchange may have paused it for back-pressure right before its answer completed
    if (this.socket.isPaused()) this.socket.resume();
    this.pool.putIdle(this, this.parser.keepAliveHintMs);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.user = null;
    this.pool.forget(this);
    this.socket.destroy();
  }
}

const IDLE_SINK: ResponseSink = {
  onHead() {},
  onBody() {},
  onComplete() {},
};

/** Connections towards one target origin. */
export class UpstreamPool {
  private readonly idle: UpstreamConnection[] = [];
  private open = 0;

  constructor(
    private readonly endpoint: UpstreamEndpoint,
    private readonly settings: PoolSettings,
    private readonly connectTimeoutMs: number,
  ) {}

  /** An idle connection, or a new one (connecting; writes are buffered until it is up). */
  acquire(): UpstreamConnection {
    const conn = this.idle.pop();
    if (conn !== undefined) return conn;
    return this.connect();
  }

  private connect(): UpstreamConnection {
    const conn = new UpstreamConnection(this, this.endpoint);
    conn.socket.setNoDelay(true);
    if (this.connectTimeoutMs > 0) conn.socket.setTimeout(this.connectTimeoutMs);
    this.open++;
    return conn;
  }

  putIdle(conn: UpstreamConnection, hintMs: number): void {
    if (this.idle.length >= this.settings.maxFreeSockets) {
      conn.destroy();
      return;
    }
    let limit = this.settings.freeSocketTimeoutMs;
    // close a little before the target would, so a request never races its close
    if (hintMs > 0) limit = Math.min(limit, Math.max(hintMs - 1000, hintMs / 2));
    conn.idleLimitMs = limit;
    conn.idleSince = Date.now();
    this.idle.push(conn);
  }

  /** Called once per connection when it is destroyed. */
  forget(conn: UpstreamConnection): void {
    this.open--;
    const at = this.idle.lastIndexOf(conn);
    if (at !== -1) this.idle.splice(at, 1);
  }

  /** Closes idle connections past their idle limit; returns how many connections remain. */
  sweep(now: number): number {
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const conn = this.idle[i];
      if (now - conn.idleSince >= conn.idleLimitMs) conn.destroy();
    }
    return this.open;
  }

  /** Connections held (in use + idle). */
  get size(): number {
    return this.open;
  }

  get idleCount(): number {
    return this.idle.length;
  }

  close(): void {
    for (const conn of [...this.idle]) conn.destroy();
  }
}
