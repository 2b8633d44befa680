// Free TCP ports for user servers. The OS picks one (bind :0, read, close); the server binds
// it seconds later. Ports handed out recently are remembered so one hub never hands the same
// port to two servers that are both still starting (the kernel could return it again since
// nothing listens on it yet).
import net from 'node:net';

export interface PortAllocatorOptions {
  /** Address to probe on, the one servers will bind. */
  host: string;
  /** How long a handed-out port stays reserved (ms). Default 5 minutes: longer than a start. */
  holdMs?: number;
  now?: () => Date;
  /** Attempts before giving up when the OS keeps returning reserved ports. */
  maxAttempts?: number;
  /** How a free port is found; default probeFreePort (ask the OS). */
  probe?: (host: string) => Promise<number>;
}

export class PortAllocationError extends Error {
  readonly code = 'PORT_ALLOCATION_FAILED';
}

export class PortAllocator {
  private readonly held = new Map<number, number>(); // port -> held until (epoch ms)
  private readonly holdMs: number;
  private readonly now: () => Date;
  private readonly maxAttempts: number;

  constructor(private readonly opts: PortAllocatorOptions) {
    this.holdMs = opts.holdMs ?? 5 * 60_000;
    this.now = opts.now ?? (() => new Date());
    this.maxAttempts = opts.maxAttempts ?? 50;
  }

  async allocate(): Promise<number> {
    const t = this.now().getTime();
    for (const [port, until] of this.held) if (until <= t) this.held.delete(port);
    for (let i = 0; i < this.maxAttempts; i++) {
      const port = await (this.opts.probe ?? probeFreePort)(this.opts.host);
      if (this.held.has(port)) continue;
      this.held.set(port, t + this.holdMs);
      return port;
    }
    throw new PortAllocationError(
      `no free TCP port on ${this.opts.host} after ${this.maxAttempts} attempts (${this.held.size} ports reserved by recent spawns)`,
    );
  }

  /** Makes a port available again before its hold expires (e.g. its server stopped). */
  release(port: number): void {
    this.held.delete(port);
  }
}

/** Asks the OS for a port that is free right now on `host`. */
export function probeFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', (err: NodeJS.ErrnoException) =>
      reject(new PortAllocationError(`cannot bind a TCP port on ${host}: ${err.code ?? err.message}`)),
    );
    srv.listen({ host, port: 0, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new PortAllocationError(`no port reported on ${host}`))));
    });
  });
}
