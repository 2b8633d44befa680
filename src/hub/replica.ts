// This hub replica's presence in the shared database (issue 13): a row in the replica registry
// refreshed by a heartbeat, and the leases of the servers whose work it holds renewed with it.
// A replica that misses DEAD_AFTER_MISSED heartbeats is dead: its claims expire, and another
// replica's sweep (ServerManager.recoverExpired) finishes or cleans up its work.
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { ReplicaRecord, Store } from '../store/types.ts';

export const DEAD_AFTER_MISSED = 3;
export const DEFAULT_HEARTBEAT_MS = 5000;

/**
 * The replica's id: NBHUB_REPLICA_ID (the chart sets it to the pod name), else 'hub'. The
 * single-process default keeps one id across restarts, so a restarted hub resumes its own claims
 * at once instead of waiting for them to expire.
 */
export function replicaIdFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const id = env.NBHUB_REPLICA_ID?.trim();
  return id ? id : 'hub';
}

/**
 * The heartbeat interval: NBHUB_REPLICA_HEARTBEAT_MS (200 … 60000), else 5 s. A claim lasts
 * DEAD_AFTER_MISSED intervals, so this sets how fast a dead replica's work is taken over.
 */
export function heartbeatMsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.NBHUB_REPLICA_HEARTBEAT_MS?.trim();
  if (!raw) return DEFAULT_HEARTBEAT_MS;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 200 || ms > 60_000) {
    throw new Error(`NBHUB_REPLICA_HEARTBEAT_MS must be an integer from 200 to 60000 (milliseconds), got ${JSON.stringify(raw)}`);
  }
  return ms;
}

export interface ReplicaPresenceDeps {
  store: Store;
  id: string;
  intervalMs: number;
  now: () => Date;
  logger: Logger;
  /** Runs after each heartbeat (e.g. the sweep of expired claims); its errors are logged. */
  afterBeat?: () => Promise<void>;
}

export class ReplicaPresence {
  private timer: NodeJS.Timeout | null = null;
  private beating: Promise<void> | null = null;

  constructor(private readonly d: ReplicaPresenceDeps) {}

  get id(): string {
    return this.d.id;
  }

  /** Until when a claim taken now holds if this replica stops beating right away. */
  leaseUntil(): Date {
    return new Date(this.d.now().getTime() + DEAD_AFTER_MISSED * this.d.intervalMs);
  }

  /** Registers the replica (one beat) and keeps beating until stop(). */
  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beatOnce(), this.d.intervalMs);
    this.timer.unref();
  }

  /** One beat; concurrent calls share the beat in flight. */
  beatOnce(): Promise<void> {
    this.beating ??= this.beat()
      .catch((err) => this.d.logger.warn({ err }, 'replica heartbeat failed'))
      .finally(() => {
        this.beating = null;
      });
    return this.beating;
  }

  private async beat(): Promise<void> {
    const { store, id, now } = this.d;
    await store.heartbeatReplica(id, now(), { host: hostname(), pid: process.pid });
    await store.renewClaims(id, this.leaseUntil());
    await this.d.afterBeat?.().catch((err) => this.d.logger.warn({ err }, 'work after the replica heartbeat failed'));
  }

  /**
   * Takes or keeps the named singleton lease (culler, expiry sweep) for `forMs`; true when this
   * replica should do that work now. A holder that stops renewing loses it after `forMs`.
   */
  holdLease(name: string, forMs: number): Promise<boolean> {
    const now = this.d.now();
    return this.d.store.acquireLease(name, this.d.id, new Date(now.getTime() + forMs), now);
  }

  /** Replicas whose last heartbeat is recent enough, this one included. */
  async liveReplicas(): Promise<ReplicaRecord[]> {
    const cutoff = this.d.now().getTime() - DEAD_AFTER_MISSED * this.d.intervalMs;
    return (await this.d.store.listReplicas()).filter((r) => r.heartbeat.getTime() > cutoff);
  }

  /**
   * Stops beating. The registry row is left for diagnostics and the claims stay: a restart with
   * the same id resumes them, another replica takes them over once they expire.
   */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.beating;
  }
}
