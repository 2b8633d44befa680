// Route activity from proxied traffic, rate-limited per route so a busy websocket costs one
// store.touch per interval, not one per frame.

import type { RouteStore } from './types.ts';

export class ActivityRecorder {
  /** route path → wall-clock ms of the last touch. */
  private readonly lastTouch = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly routes: RouteStore,
    private readonly now: () => Date,
    private readonly intervalMs: number,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(60_000, intervalMs * 2));
    this.sweeper.unref();
  }

  record(path: string): void {
    const ms = Date.now();
    const last = this.lastTouch.get(path);
    if (last !== undefined && ms - last < this.intervalMs) return;
    this.lastTouch.set(path, ms);
    this.routes.touch(path, this.now());
  }

  private sweep(): void {
    const cutoff = Date.now() - this.intervalMs;
    for (const [path, ms] of this.lastTouch) if (ms < cutoff) this.lastTouch.delete(path);
  }

  close(): void {
    clearInterval(this.sweeper);
    this.lastTouch.clear();
  }
}
