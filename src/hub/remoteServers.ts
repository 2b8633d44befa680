// What this replica knows of the servers other hub replicas are working on (issue 13): their
// lifecycle states read from the database, and progress streams that follow the events the
// owning replica writes there. Polled while another replica is alive (SQLite, MySQL and
// PostgreSQL alike; a LISTEN/NOTIFY wake-up for PostgreSQL is not built yet); with a single
// replica it stays idle and costs nothing.
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

export interface RemoteServersDeps {
  store: Store;
  replicaId: string;
  pollMs: number;
  logger: Logger;
  /** Called when another replica's server became ready or went away (e.g. to reconcile routes). */
  onChange?: () => void;
}

export class RemoteServers {
  private servers = new Map<string, Remote>();
  private readonly followers = new Map<string, Follower>();
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(private readonly d: RemoteServersDeps) {}

  /** Polls while `on`; switched by the heartbeat when other replicas come and go. */
  setActive(on: boolean): void {
    if (on && !this.timer) {
      this.timer = setInterval(() => void this.refresh(), this.d.pollMs);
      this.timer.unref();
      void this.refresh();
    } else if (!on && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
      this.servers = new Map();
      for (const f of this.followers.values()) f.log.push({ progress: 100, failed: true, message: 'The hub replica starting this server is gone' });
      this.followers.clear();
    }
  }

  state(userName: string, serverName: string): ServerState | undefined {
    return this.servers.get(key(userName, serverName))?.state;
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

  /** One poll; concurrent calls share the poll in flight. */
  refresh(): Promise<void> {
    this.refreshing ??= this.poll()
      .catch((err) => this.d.logger.warn({ err }, 'reading the servers of other replicas failed'))
      .finally(() => {
        this.refreshing = null;
      });
    return this.refreshing;
  }

  private async poll(): Promise<void> {
    const next = new Map<string, Remote>();
    for (const r of await this.d.store.listActiveServers()) {
      if (!r.claim || r.claim.owner === this.d.replicaId) continue;
      next.set(key(r.userName, r.name), { id: r.id, owner: r.claim.owner, state: r.lifecycle });
    }
    const readyOf = (m: Map<string, Remote>) =>
      [...m].filter(([, r]) => r.state.phase === 'running').map(([k, r]) => `${k} ${r.state.phase === 'running' ? r.state.target : ''}`).sort().join('\n');
    const changed = readyOf(next) !== readyOf(this.servers);
    this.servers = next;
    if (changed) this.d.onChange?.();
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
