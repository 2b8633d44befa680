// Is a freshly started server answering? Polls `<target><prefix>api` like JupyterHub 5
// (any status below 500 counts, redirects are not followed) with a short back-off so
// the hub adds little to the server's own start-up time.
import http from 'node:http';

export function probeOnce(url: string, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs, headers: { connection: 'close' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? null);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

export interface WaitReadyOptions {
  timeoutMs: number;
  signal: AbortSignal;
  /** Injected for tests; defaults to real timers. */
  sleep?: (ms: number) => Promise<void>;
}

export class NotReadyError extends Error {
  readonly code = 'SERVER_NOT_READY';
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitUntilReady(url: string, o: WaitReadyOptions): Promise<void> {
  const sleep = o.sleep ?? defaultSleep;
  const deadline = Date.now() + o.timeoutMs;
  let delay = 5;
  for (;;) {
    if (o.signal.aborted) throw new NotReadyError('cancelled');
    const status = await probeOnce(url, Math.min(2000, Math.max(100, deadline - Date.now())));
    if (status !== null && status < 500) return;
    if (Date.now() + delay > deadline) {
      throw new NotReadyError(`Server at ${new URL(url).pathname} did not respond within ${Math.round(o.timeoutMs / 1000)} seconds`);
    }
    await sleep(delay);
    // refused connects are cheap, so keep polling often: the wait after the server is up is what users feel
    delay = Math.min(20, Math.ceil(delay * 1.5));
  }
}
