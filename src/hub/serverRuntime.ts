// One server's runtime in a ServerManager, and how its lifecycle reaches the database: each
// transition is applied in memory (what this process's handlers read) and then, in order, as a
// compare-and-set in the store (Store.transitionServer), claimed by this replica while the
// server is active (issue 13: other replicas see it and take it over if this one dies).
import type { Logger } from 'pino';
import type { ServerClaim, ServerPatch, ServerTransitionRefusal, Store } from '../store/types.ts';
import type { ProgressLog } from './progress.ts';
import { initialServerState, isActive, transition, type ServerEvent, type ServerState } from '../domain/serverState.ts';

export interface Runtime {
  userName: string;
  serverName: string;
  /** The one lifecycle state (src/domain/serverState.ts); changed only through LifecycleWriter. */
  state: ServerState;
  progress: ProgressLog;
  abort: AbortController;
  /** Settles when the current spawn or stop has finished (never rejects). */
  settled: Promise<void>;
  spawnerState: Record<string, unknown> | null;
  exitWatch: AbortController | null;
  /** The server's row, once known (its transitions and progress are written there). */
  recordId: number | null;
  /** The database writes of this runtime, in the order they were made (never rejects). */
  persisted: Promise<void>;
}

/** This hub replica: its id and until when a claim taken now holds (src/hub/replica.ts). */
export interface ReplicaLease {
  id: string;
  leaseUntil: () => Date;
}

/** Without a ReplicaPresence (tests): the single-process id, and a lease of three 5 s beats. */
const SINGLE_REPLICA_LEASE_MS = 15_000;

export class LifecycleWriter {
  private readonly replica: ReplicaLease;

  /**
   * `onLost`: the database refused a transition because another replica took the server over
   * (it stopped it, or found this replica dead): the runtime must let go of the server.
   */
  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly now: () => Date,
    replica?: ReplicaLease,
    private readonly onLost: (rt: Runtime) => void = () => undefined,
  ) {
    this.replica = replica ?? { id: 'hub', leaseUntil: () => new Date(now().getTime() + SINGLE_REPLICA_LEASE_MS) };
  }

  get replicaId(): string {
    return this.replica.id;
  }

  leaseUntil(): Date {
    return this.replica.leaseUntil();
  }

  newRuntime(userName: string, serverName: string, progress: ProgressLog, recordId: number | null): Runtime {
    return {
      userName,
      serverName,
      state: initialServerState(this.now()),
      progress,
      abort: new AbortController(),
      settled: Promise.resolve(),
      spawnerState: null,
      exitWatch: null,
      recordId,
      persisted: Promise.resolve(),
    };
  }

  /** Moves the state in memory only; an event the state machine refuses is a bug, logged loudly. */
  applyInMemory(rt: Runtime, event: ServerEvent): boolean {
    const r = transition(rt.state, event, this.now());
    if (!r.ok) {
      this.logger.error({ user: rt.userName, server: rt.serverName, code: r.error.code }, r.error.message);
      return false;
    }
    rt.state = r.state;
    return true;
  }

  /** Moves the state in memory, then queues the same transition for the database; resolves when written. */
  apply(rt: Runtime, event: ServerEvent, patch?: Omit<ServerPatch, 'phase' | 'claim'>): Promise<void> {
    if (!this.applyInMemory(rt, event)) return rt.persisted;
    // An active server is this replica's to watch, finish or stop; a server at rest is nobody's.
    const claim: ServerClaim | null = isActive(rt.state) ? { owner: this.replica.id, expires: this.leaseUntil() } : null;
    return this.persist(rt, 'transition', async (id) => {
      const res = await this.store.transitionServer(id, { event, now: this.now(), asOwner: this.replica.id, claim, patch });
      if (!res.ok) {
        this.logger.warn(
          { user: rt.userName, server: rt.serverName, code: res.error.code, event: event.type },
          `the database refused the transition: ${res.error.message}`,
        );
        if (res.error.code === 'claimed' || res.error.code === 'invalid-transition') this.onLost(rt);
      }
    });
  }

  /**
   * apply(), reporting a refusal by the database that concerns the caller: another replica's
   * claim, or a state another replica reached ('already-pending', 'already-running',
   * 'stop-pending'). null: applied (or not written: no row yet, or a database error, logged).
   */
  async applyChecked(rt: Runtime, event: ServerEvent): Promise<(ServerTransitionRefusal & { serverId: number }) | null> {
    if (!this.applyInMemory(rt, event)) return null;
    const claim: ServerClaim | null = isActive(rt.state) ? { owner: this.replica.id, expires: this.leaseUntil() } : null;
    let refusal: (ServerTransitionRefusal & { serverId: number }) | null = null;
    await this.persist(rt, 'transition', async (id) => {
      const res = await this.store.transitionServer(id, { event, now: this.now(), asOwner: this.replica.id, claim });
      if (!res.ok) refusal = { ...res.error, serverId: id };
    });
    return refusal;
  }

  /** Queues a database write of this runtime after the ones before it. */
  persist(rt: Runtime, what: string, write: (id: number) => Promise<void>): Promise<void> {
    rt.persisted = rt.persisted
      .then(() => (rt.recordId === null ? undefined : write(rt.recordId)))
      .catch((err) => this.logger.error({ err, user: rt.userName, server: rt.serverName }, `could not write the server's ${what}`));
    return rt.persisted;
  }
}
