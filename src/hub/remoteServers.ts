// What this replica knows of the servers other hub replicas are working on (issue 13): their
// lifecycle states read from the database, and progress streams that follow the events the
// owning replica writes there. Read while another replica is alive: woken by the database's
// change feed where there is one (PostgreSQL LISTEN/NOTIFY; then polled only as a safety net),
// polled every pollMs otherwise (SQLite, MySQL). With a single replica it stays idle.
import type { Logger } from 'pino';
import type { Store } from '../store/types.ts';
import type { ServerState } from '../domain/serverState.ts';
import { ProgressLog, type ProgressMessage } from './progress.ts';

interface Remote {
  id: number;
  owner: string;
  state: ServerState;
}

interface Follower {
  serverId: number;
  log: ProgressLog;
  cursor: number;
  /** The read in flight (reads of one follower never overlap, so no event is pushed twice). */
  reading: Promise<void> | null;
}

const key = (u: string, s: string) => `${u}/${s}`;

/** With a change feed, polling only catches what a dropped listening connection missed. */
const SAFETY_POLL_MS = 2000;

export interface RemoteServersDeps {
  store: Store;
  replicaId: string;
  pollMs: number;
  logger: Logger;
  /** Called when another replica's server became ready or went away (e.g. to reconcile routes). */
  onChange?: () => void;
  /** Called after each read with how many spawns other replicas run (they count toward concurrentSpawnLimit). */
  onSpawnsInFlight?: (n: number) => void;
}

export class RemoteServers {
  private servers = new Map<string, Remote>();
  private readonly followers = new Map<string, Follower>();
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  private unwatch: Promise<(() => Promise<void>) | null> | null = null;
  /** A wake-up arrived while reading: read once more when done. */
  private again = false;

  constructor(private readonly d: RemoteServersDeps) {}

  /** Polls while `on`; switched by the heartbeat when other replicas come and go. */
  setActive(on: boolean): void {
    if (on && !this.timer) {
      this.poll(this.d.pollMs);
      void this.refresh();
      this.unwatch = this.d.store.watchServers(() => void this.refresh()).then(
        (stop) => {
          if (stop && this.timer) this.poll(Math.max(this.d.pollMs, SAFETY_POLL_MS));
          return stop;
        },
        (err) => {
          this.d.logger.warn({ err }, 'no change feed from the database: polling');
          return null;
        },
      );
    } else if (!on && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
      const unwatch = this.unwatch;
      this.unwatch = null;
      void unwatch?.then((stop) => stop?.());
      this.servers = new Map();
      this.d.onSpawnsInFlight?.(0);
      for (const f of this.followers.values()) f.log.push({ progress: 100, failed: true, message: 'The hub replica starting this server is gone' });
      this.followers.clear();
    }
  }

  /** How many active servers other replicas hold (as last read; 0 while idle). */
  get size(): number {
    return this.servers.size;
  }

  state(userName: string, serverName: string): ServerState | undefined {
    return this.servers.get(key(userName, serverName))?.state;
  }

  /** The server's row id, when another replica holds it (as last read). */
  idOf(userName: string, serverName: string): number | undefined {
    return this.servers.get(key(userName, serverName))?.id;
  }

  /** A progress stream following another replica's spawn (replayed from its first event), if there is one. */
  progressOf(userName: string, serverName: string): ProgressLog | undefined {
    const k = key(userName, serverName);
    const existing = this.followers.get(k);
    if (existing) return existing.log;
    const remote = this.servers.get(k);
    if (!remote || !['spawn-queued', 'spawning', 'waiting-ready'].includes(remote.state.phase)) return undefined;
    return this.followSpawn(userName, serverName, remote.id);
  }

  /** Follows the spawn of the server with this id, whoever runs it (ends with its ready or failed event). */
  followSpawn(userName: string, serverName: string, serverId: number): ProgressLog {
    const k = key(userName, serverName);
    const existing = this.followers.get(k);
    if (existing?.serverId === serverId) return existing.log;
    const f: Follower = { serverId, log: new ProgressLog(), cursor: 0, reading: null };
    this.followers.set(k, f);
    void this.follow(k, f);
    return f.log;
  }

  private poll(everyMs: number): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = setInterval(() => void this.refresh(), everyMs);
    this.timer.unref();
  }

  /** One read; concurrent calls share the read in flight (a wake-up during it reads again after). */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = this.read()
      .catch((err) => this.d.logger.warn({ err }, 'reading the servers of other replicas failed'))
      .finally(() => {
        this.refreshing = null;
        if (this.again) {
          this.again = false;
          void this.refresh();
        }
      });
    return this.refreshing;
  }

  private async read(): Promise<void> {
    const next = new Map<string, Remote>();
    const rows = await this.d.store.listActiveServers();
    if (!this.timer) return; // switched off while reading: nothing to keep
    for (const r of rows) {
      if (!r.claim || r.claim.owner === this.d.replicaId) continue;
      next.set(key(r.userName, r.name), { id: r.id, owner: r.claim.owner, state: r.lifecycle });
    }
    const readyOf = (m: Map<string, Remote>) =>
      [...m].filter(([, r]) => r.state.phase === 'running').map(([k, r]) => `${k} ${r.state.phase === 'running' ? r.state.target : ''}`).sort().join('\n');
    const changed = readyOf(next) !== readyOf(this.servers);
    this.servers = next;
    if (changed) this.d.onChange?.();
    this.d.onSpawnsInFlight?.([...next.values()].filter((r) => r.state.phase === 'spawning' || r.state.phase === 'waiting-ready').length);
    await Promise.all([...this.followers].map(([k, f]) => this.follow(k, f)));
  }

  private follow(k: string, f: Follower): Promise<void> {
    f.reading ??= this.readEvents(k, f)
      .catch((err) => this.d.logger.warn({ err }, 'reading the progress of another replica\'s spawn failed'))
      .finally(() => {
        f.reading = null;
      });
    return f.reading;
  }

  private async readEvents(k: string, f: Follower): Promise<void> {
    for (const e of await this.d.store.listServerProgress(f.serverId, f.cursor)) {
      f.cursor = Math.max(f.cursor, e.id);
      f.log.push(e.event as unknown as ProgressMessage);
    }
    if (f.log.done && this.followers.get(k) === f) this.followers.delete(k);
  }

  stop(): void {
    this.setActive(false);
  }
}
