// A RouteStore that survives a restart of the proxy process: routes live in memory (the hot
// path is MemoryRouteStore's trie) and are written to a JSON file after each change — debounced,
// as a temp file renamed over the old one, so a crash leaves either the old or the new table,
// never half of one. `nbhub proxy --routes-file` loads it before it starts listening, so users
// keep reaching their servers without waiting for the hub's next sync.
//
// File shape: CHP's route table, {"routes": {"/user/alice": {"target": …, …data, "last_activity": ISO}}}.

import { renameSync, writeFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { toChpRouteTable } from './chpRoute.ts';
import { MemoryRouteStore } from './memoryRouteStore.ts';
import type { Route, RouteStore } from './types.ts';

export interface PersistentRouteStoreOptions {
  file: string;
  logger: Logger;
  /** Wait this long after a change before writing, so a burst of changes is one write (default 50 ms). */
  debounceMs?: number;
}

export class RoutesFileError extends Error {
  readonly code = 'PROXY_ROUTES_FILE_INVALID';
}

export class PersistentRouteStore implements RouteStore {
  private readonly memory = new MemoryRouteStore();
  private readonly file: string;
  private readonly logger: Logger;
  private readonly debounceMs: number;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  private dirty = false;
  private closed = false;

  constructor(opts: PersistentRouteStoreOptions) {
    this.file = opts.file;
    this.logger = opts.logger;
    this.debounceMs = opts.debounceMs ?? 50;
  }

  /**
   * Loads the routes file; a missing file is an empty table. Returns the number of routes loaded.
   * A file that is not a route table is an error naming the file (it is left in place untouched).
   */
  async load(): Promise<number> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw new RoutesFileError(`cannot read the routes file ${this.file}: ${(err as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new RoutesFileError(`the routes file ${this.file} is not JSON: ${(err as Error).message}`);
    }
    const table = (parsed as { routes?: unknown } | null)?.routes;
    if (typeof table !== 'object' || table === null || Array.isArray(table)) {
      throw new RoutesFileError(`the routes file ${this.file} has no "routes" object`);
    }
    let count = 0;
    for (const [path, value] of Object.entries(table as Record<string, unknown>)) {
      const record = value as Record<string, unknown> | null;
      if (typeof record !== 'object' || record === null || typeof record.target !== 'string') {
        throw new RoutesFileError(`the routes file ${this.file}: route ${JSON.stringify(path)} has no target`);
      }
      const { target, last_activity: lastActivity, ...data } = record;
      const at = typeof lastActivity === 'string' && Number.isFinite(Date.parse(lastActivity)) ? new Date(lastActivity) : new Date();
      await this.memory.add(path, target, data, at);
      count++;
    }
    return count;
  }

  get size(): number {
    return this.memory.size;
  }

  async add(path: string, target: string, data: Record<string, unknown>, now: Date): Promise<void> {
    await this.memory.add(path, target, data, now);
    this.changed();
  }

  async remove(path: string): Promise<boolean> {
    const removed = await this.memory.remove(path);
    if (removed) this.changed();
    return removed;
  }

  get(path: string): Promise<Route | null> {
    return this.memory.get(path);
  }

  list(inactiveSince?: Date): Promise<Route[]> {
    return this.memory.list(inactiveSince);
  }

  match(urlPath: string): Route | null {
    return this.memory.match(urlPath);
  }

  /** Activity is not a change worth a write; it is saved with the next change or at close. */
  touch(path: string, at: Date): void {
    this.memory.touch(path, at);
  }

  /** Writes pending changes now. */
  async flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    while (this.writing !== null) await this.writing;
    if (this.dirty) await this.write();
  }

  /** Stops the timer and writes the table one last time, synchronously (routes and their activity). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    try {
      const temp = this.tempName();
      writeFileSync(temp, this.serialize(this.memory.listSync()), { mode: 0o600 });
      renameSync(temp, this.file);
    } catch (err) {
      this.logger.error({ err, file: this.file }, 'could not write the routes file at shutdown');
    }
  }

  private changed(): void {
    this.dirty = true;
    if (this.closed || this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.write();
    }, this.debounceMs);
    this.timer.unref();
  }

  private write(): Promise<void> {
    if (this.writing !== null) return this.writing; // the pass in flight re-checks `dirty` when done
    this.writing = (async () => {
      try {
        while (this.dirty && !this.closed) {
          this.dirty = false;
          const temp = this.tempName();
          await writeFile(temp, this.serialize(this.memory.listSync()), { mode: 0o600 });
          await rename(temp, this.file);
        }
      } catch (err) {
        this.dirty = true;
        this.logger.error({ err, file: this.file }, 'could not write the routes file; retrying with the next change');
      } finally {
        this.writing = null;
      }
    })();
    return this.writing;
  }

  private tempName(): string {
    return `${this.file}.tmp-${process.pid}`;
  }

  private serialize(routes: Route[]): string {
    return JSON.stringify({ routes: toChpRouteTable(routes) });
  }
}
