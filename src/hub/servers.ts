// Spawn orchestration: queue → token + OAuth client → spawner.start → readiness (raced
// against the process exiting) → proxy route → running; and the reverse for stop.
// Handlers call this; it is the only place that changes a server's lifecycle. Every transition
// is applied in this process's memory (what handlers read) and then in the database as a
// compare-and-set (Store.transitionServer), claimed by this replica while the server is active;
// progress events go to the database too, so other replicas can follow them (issue 13).
import type { Logger } from 'pino';
import type { Store, ServerRecord, SpawnFailure } from '../store/types.ts';
import type { Spawner, PollResult } from '../spawner/types.ts';
import { SpawnFailedError } from '../spawner/types.ts';
import type { ProxyClient } from '../proxy/types.ts';
import { serverPrefix, routeSpec } from '../domain/names.ts';
import { buildServerEnv } from './serverEnv.ts';
import { ProgressLog } from './progress.ts';
import { SpawnQueue } from './spawnQueue.ts';
import { waitUntilReady } from './readiness.ts';
import { HubError } from './errors.ts';
import { issueServerCredentials, revokeServerCredentials } from './serverCredentials.ts';
import { escapeHtml } from '../http/html.ts';
import { LifecycleWriter, type ReplicaLease, type Runtime } from './serverRuntime.ts';
import { RemoteServers } from './remoteServers.ts';
import { stopForAnotherReplica } from './remoteStop.ts';
import { ServerRecovery } from './serverRecovery.ts';
import { transition, pendingOf, isReady as stateIsReady, type ServerPhaseName } from '../domain/serverState.ts';

export interface ServerManagerSettings {
  baseUrl: string;
  hubApiUrl: string;
  cmd: string[];
  args: string[];
  defaultUrl: string | null;
  notebookDir: string | null;
  extraEnv: Record<string, string>;
  startTimeoutMs: number;
  httpTimeoutMs: number;
  stopGraceMs: number;
  concurrentSpawnLimit: number;
  activeServerLimit: number | null;
  debug: boolean;
}

export interface ServerManagerDeps {
  store: Store;
  spawner: Spawner;
  proxy: ProxyClient;
  logger: Logger;
  now: () => Date;
  settings: ServerManagerSettings;
  /** Called after a server's token and OAuth client are revoked (drop cached identities). */
  onCredentialsRevoked?: () => void;
  /** The user's stable id for {userid} in name templates (SpawnSpec.userId), read at each spawn. */
  userId?: (userName: string) => Promise<string | undefined>;
  /** Extra environment from the user's auth state (singleuser.authStateEnv), read at each spawn. */
  authStateEnv?: (userName: string) => Promise<Record<string, string>>;
  /** This hub replica: its id and until when a claim taken now holds (src/hub/replica.ts). */
  replica?: ReplicaLease;
  /** How often the servers of other replicas are read while any is alive (default 250 ms). */
  remotePollMs?: number;
  /** Called when a server of another replica became ready or went away. */
  onRemoteServersChanged?: () => void;
}

/** What a spawn request gets back: when it has finished, and its progress events. */
export interface SpawnHandle {
  settled: Promise<void>;
  progress: ProgressLog;
}

const key = (u: string, s: string) => `${u}/${s}`;

export class ServerManager {
  private readonly runtimes = new Map<string, Runtime>();
  /** Progress of the last finished attempt, kept so a late page load can still show the failure. */
  private readonly lastProgress = new Map<string, ProgressLog>();
  readonly queue: SpawnQueue;
  private readonly lc: LifecycleWriter;
  private readonly recovery: ServerRecovery;
  /** The servers other replicas are working on (idle while this replica is alone). */
  private readonly remote: RemoteServers;

  constructor(private readonly d: ServerManagerDeps) {
    this.queue = new SpawnQueue(d.settings.concurrentSpawnLimit);
    // another replica took the server over: a spawn in flight here is cancelled
    this.lc = new LifecycleWriter(d.store, d.logger, d.now, d.replica, (rt) => rt.abort.abort());
    this.remote = new RemoteServers({
      store: d.store,
      replicaId: this.lc.replicaId,
      pollMs: d.remotePollMs ?? 250,
      logger: d.logger,
      onChange: () => d.onRemoteServersChanged?.(),
      onSpawnsInFlight: (n) => this.queue.setOthersInFlight(n),
    });
    this.recovery = new ServerRecovery({
      deps: d,
      lc: this.lc,
      hasRuntime: (u, s) => this.runtimes.has(key(u, s)),
      register: (rt) => this.runtimes.set(key(rt.userName, rt.serverName), rt),
      watch: (rt, exited) => this.watchForCrash(rt, exited),
      revoke: (u, s) => this.revoke(u, s),
    });
  }

  /** Called after each heartbeat: whether other hub replicas are alive (then their servers are followed). */
  setPeersAlive(alive: boolean): void {
    this.remote.setActive(alive);
  }

  /** This replica's state of the server, else another replica's (as last read), else none. */
  private stateOf(userName: string, serverName: string) {
    return this.runtimes.get(key(userName, serverName))?.state ?? this.remote.state(userName, serverName);
  }

  get replicaId(): string {
    return this.lc.replicaId;
  }

  get spawnerKind(): string {
    return this.d.spawner.kind;
  }

  /** 'spawn' | 'stop' | null, as the API's `pending` field. */
  pending(userName: string, serverName: string): 'spawn' | 'stop' | null {
    const s = this.stateOf(userName, serverName);
    return s ? pendingOf(s) : null;
  }

  isReady(userName: string, serverName: string): boolean {
    const s = this.stateOf(userName, serverName);
    return s ? stateIsReady(s) : false;
  }

  phase(userName: string, serverName: string): ServerPhaseName {
    return this.stateOf(userName, serverName)?.phase ?? 'stopped';
  }

  /** Active servers of this replica and (as last read) of the others. */
  activeCount(): number {
    return this.runtimes.size + this.remote.size;
  }

  progressOf(userName: string, serverName: string): ProgressLog | undefined {
    const k = key(userName, serverName);
    return this.runtimes.get(k)?.progress ?? this.remote.progressOf(userName, serverName) ?? this.lastProgress.get(k);
  }

  /** Resolves when the spawn in progress (if any) has finished. */
  async whenSettled(userName: string, serverName: string): Promise<void> {
    await this.runtimes.get(key(userName, serverName))?.settled;
  }

  /**
   * Starts a spawn and returns without waiting for it. Errors that make a spawn
   * impossible (already running, limits) are thrown as HubError.
   */
  async spawn(userName: string, serverName: string, userOptions: Record<string, unknown>): Promise<SpawnHandle> {
    const k = key(userName, serverName);
    const existing = this.runtimes.get(k);
    if (existing) {
      const refused = transition(existing.state, { type: 'request-spawn', position: 1 }, this.d.now());
      if (!refused.ok && refused.error.code === 'already-pending') return existing;
      if (!refused.ok && refused.error.code === 'stop-pending') throw new HubError(400, `${serverLabel(userName, serverName)} is stopping, please wait`);
      throw new HubError(400, `${serverLabel(userName, serverName)} is already running`);
    }
    // held by another replica (as last read): answer as for a local one, before the limit
    const elsewhere = this.remote.state(userName, serverName);
    const elsewhereId = this.remote.idOf(userName, serverName);
    if (elsewhere && elsewhereId !== undefined) {
      const refused = transition(elsewhere, { type: 'request-spawn', position: 1 }, this.d.now());
      if (!refused.ok) return this.answerForElsewhere(refused.error.code, userName, serverName, elsewhereId);
    }
    const limit = this.d.settings.activeServerLimit;
    if (limit && this.activeCount() >= limit) {
      throw new HubError(429, 'Active user limit exceeded. Try again in a few minutes.', undefined, { 'Retry-After': '30' });
    }
    const progress = new ProgressLog((m) => {
      void this.lc.persist(rt, 'progress', async (id) => {
        await this.d.store.appendServerProgress(id, { ...m }, this.d.now());
      });
    });
    const rt = this.lc.newRuntime(userName, serverName, progress, null);
    rt.persisted = this.d.store.ensureServer(userName, serverName).then(
      (rec) => {
        rt.recordId = rec.id;
      },
      (err) => this.d.logger.warn({ err, user: userName }, 'no server record: its lifecycle is not written'),
    );
    const requested = this.lc.applyChecked(rt, { type: 'request-spawn', position: this.queue.queued + 1 });
    progress.push({ progress: 0, message: 'Server requested' });
    this.runtimes.set(k, rt);
    // The database decides between replicas: one that is already starting, running or stopping
    // this server elsewhere wins, and this request follows it.
    const refused = await requested;
    if (refused) {
      if (this.runtimes.get(k) === rt) this.runtimes.delete(k);
      this.remote.setActive(true);
      return this.answerForElsewhere(refused.code, userName, serverName, refused.serverId);
    }
    this.lastProgress.delete(k);
    rt.settled = this.runSpawn(rt, userOptions).catch((e) => {
      this.d.logger.error({ err: e, user: userName }, 'unexpected error in spawn');
    });
    return rt;
  }

  /** A spawn request for a server another replica holds: follow its spawn, or refuse as for a local one. */
  private answerForElsewhere(code: string, userName: string, serverName: string, serverId: number): SpawnHandle {
    if (code === 'already-running') throw new HubError(400, `${serverLabel(userName, serverName)} is already running`);
    if (code === 'stop-pending') throw new HubError(400, `${serverLabel(userName, serverName)} is stopping, please wait`);
    const follower = this.remote.followSpawn(userName, serverName, serverId);
    return { progress: follower, settled: new Promise((resolve) => follower.subscribe((m) => void ((m.ready || m.failed) && resolve()))) };
  }

  private async runSpawn(rt: Runtime, userOptions: Record<string, unknown>): Promise<void> {
    const { store, spawner, proxy, logger, settings } = this.d;
    const { userName, serverName } = rt;
    const log = logger.child({ user: userName, server: serverName });
    const ticket = this.queue.enter(rt.abort.signal, (pos) => {
      void this.lc.apply(rt, { type: 'queue-position', position: pos });
      rt.progress.push({ progress: 0, message: `Waiting for a free spawn slot: you are number ${pos} in the queue`, queue_position: pos });
    });
    let record: ServerRecord | null = null;
    let startedState: Record<string, unknown> | null = null;
    const t0 = Date.now();
    try {
      await ticket.granted;
      const now = this.d.now();
      record = await store.ensureServer(userName, serverName);
      rt.recordId ??= record.id;
      await this.lc.apply(rt, { type: 'slot-granted' }, { started: now, lastActivity: now, userOptions, lastFailure: null, target: null });
      const prefix = serverPrefix(settings.baseUrl, userName, serverName);
      const { apiToken, clientId } = await issueServerCredentials(store, { baseUrl: settings.baseUrl, userName, serverName, now });
      await store.bumpUserActivity(userName, now);
      rt.progress.push({ progress: 10, message: 'Spawning server...' });
      const authStateEnv = (await this.d.authStateEnv?.(userName)) ?? {};
      const env = buildServerEnv({
        userName,
        serverName,
        apiToken,
        clientId,
        baseUrl: settings.baseUrl,
        servicePrefix: prefix,
        hubApiUrl: settings.hubApiUrl,
        defaultUrl: settings.defaultUrl,
        notebookDir: settings.notebookDir,
        extraEnv: settings.extraEnv,
        authStateEnv,
        debug: settings.debug,
      });
      const startAbort = AbortSignal.any([rt.abort.signal, AbortSignal.timeout(settings.startTimeoutMs)]);
      const started = await spawner.start(
        { userName, serverName, env, servicePrefix: prefix, cmd: settings.cmd, args: settings.args, userOptions, userId: await this.d.userId?.(userName) },
        { progress: (ev) => rt.progress.push(ev), signal: startAbort },
      );
      startedState = started.state;
      rt.spawnerState = started.state;
      // written with the transition: a replica taking over finds the process through it
      await this.lc.apply(rt, { type: 'started', target: started.target }, { spawnerState: started.state });
      rt.progress.push({ progress: 50, message: 'Server started, waiting for it to respond...' });
      const exitWatch = new AbortController();
      rt.exitWatch = exitWatch;
      const exited = spawner.waitForExit(started.state, AbortSignal.any([exitWatch.signal, rt.abort.signal]));
      exited.catch(() => undefined);
      const readyAbort = new AbortController();
      const outcome = await Promise.race([
        waitUntilReady(`${started.target}${prefix}api`, {
          timeoutMs: settings.httpTimeoutMs,
          signal: AbortSignal.any([readyAbort.signal, rt.abort.signal]),
        }).then(() => 'ready' as const),
        exited.then((r) => r),
      ]);
      readyAbort.abort();
      if (outcome !== 'ready') {
        throw new SpawnFailedError(outcome.message, outcome.exitCode, outcome.logTail);
      }
      if (rt.abort.signal.aborted) throw new HubError(400, 'Spawn cancelled');
      await proxy.addRoute(routeSpec(settings.baseUrl, userName, serverName), started.target, {
        user: userName,
        server_name: serverName,
        jupyterhub: true,
      });
      await this.lc.apply(rt, { type: 'ready' });
      if (rt.abort.signal.aborted) throw new HubError(400, 'Spawn cancelled');
      log.info({ ms: Date.now() - t0 }, 'server ready');
      const url = prefix;
      rt.progress.push({
        progress: 100,
        ready: true,
        message: `Server ready at ${url}`,
        html_message: `Server ready at <a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`,
        url,
      });
      this.watchForCrash(rt, exited);
    } catch (e) {
      const failure = await this.describeFailure(e, startedState, rt.abort.signal.aborted);
      log.warn({ reason: failure.message, exitCode: failure.exitCode }, 'spawn failed');
      if (rt.abort.signal.aborted) await this.lc.apply(rt, { type: 'cancel' });
      else await this.lc.apply(rt, { type: 'spawn-failed', reason: failure.message, exitCode: failure.exitCode, logTail: failure.logTail });
      rt.exitWatch?.abort();
      if (startedState) await spawner.stop(startedState, { graceMs: settings.stopGraceMs }).catch(() => undefined);
      // routed only when the server was taken over between its route and its ready transition
      if (rt.abort.signal.aborted) await proxy.deleteRoute(routeSpec(settings.baseUrl, userName, serverName)).catch(() => undefined);
      await this.revoke(userName, serverName).catch(() => undefined);
      // a spawn cancelled while queued never had a server: nothing to record
      const cleared = record ? { target: null, spawnerState: {}, lastFailure: failure } : {};
      if (rt.state.phase === 'stopping') await this.lc.apply(rt, { type: 'stopped' }, cleared);
      else if (record) {
        const id = record.id;
        await this.lc.persist(rt, 'spawn failure', async () => {
          await store.updateServer(id, cleared);
        });
      }
      rt.progress.push({
        progress: 100,
        failed: true,
        message: `Spawn failed: ${failure.message}`,
        exit_code: failure.exitCode,
        log_tail: failure.logTail,
      });
      this.finish(rt);
    } finally {
      ticket.release();
    }
  }

  private async describeFailure(e: unknown, state: Record<string, unknown> | null, cancelled: boolean): Promise<SpawnFailure> {
    const at = this.d.now();
    if (e instanceof SpawnFailedError) return { message: e.message, exitCode: e.exitCode, logTail: e.logTail, at };
    if (cancelled) return { message: 'cancelled by a stop request', exitCode: null, logTail: [], at };
    const message = e instanceof HubError ? e.userMessage : e instanceof Error ? e.message : String(e);
    const logTail = state ? await this.d.spawner.logTail(state, 20).catch(() => []) : [];
    return { message, exitCode: null, logTail, at };
  }

  /** After ready: a server that exits on its own is taken out of the proxy and marked stopped. */
  private watchForCrash(rt: Runtime, exited: Promise<PollResult & { running: false }>): void {
    exited.then(
      async (r) => {
        if (rt.state.phase !== 'running' || this.runtimes.get(key(rt.userName, rt.serverName)) !== rt) return;
        if (await this.stoppedElsewhere(rt)) return;
        this.d.logger.warn({ user: rt.userName, server: rt.serverName, exitCode: r.exitCode }, 'server exited on its own');
        await this.lc.apply(rt, { type: 'exited', exitCode: r.exitCode, logTail: r.logTail, reason: r.message });
        await this.cleanupStopped(rt, { message: r.message, exitCode: r.exitCode, logTail: r.logTail, at: this.d.now() });
      },
      () => undefined,
    );
  }

  /**
   * A server this replica watches ended because another replica stopped it (or took it over):
   * let go quietly, leaving the record to that replica.
   */
  private async stoppedElsewhere(rt: Runtime): Promise<boolean> {
    const rec = await this.d.store.getServer(rt.userName, rt.serverName).catch(() => null);
    if (!rec || (rec.lifecycle.phase === 'running' && rec.claim?.owner === this.replicaId)) return false;
    this.d.logger.info({ user: rt.userName, server: rt.serverName, owner: rec.claim?.owner ?? null }, 'server stopped by another replica');
    rt.exitWatch?.abort();
    await this.d.proxy.deleteRoute(routeSpec(this.d.settings.baseUrl, rt.userName, rt.serverName)).catch(() => undefined);
    this.finish(rt);
    return true;
  }

  /**
   * Stops a server (cancelling a pending spawn). Resolves when it is stopped.
   * Stopping a server that is not running is a no-op.
   */
  stop(userName: string, serverName: string): Promise<void> {
    const k = key(userName, serverName);
    const rt = this.runtimes.get(k);
    if (!rt && this.remote.state(userName, serverName)) return this.stopRemote(userName, serverName);
    if (!rt) return Promise.resolve();
    if (rt.state.phase === 'stopping') return rt.settled;
    if (rt.state.phase !== 'running') {
      rt.abort.abort();
      return rt.settled;
    }
    void this.lc.apply(rt, { type: 'request-stop' });
    rt.settled = this.cleanupStopped(rt, null);
    return rt.settled;
  }

  private async stopRemote(userName: string, serverName: string): Promise<void> {
    const { settings } = this.d;
    await stopForAnotherReplica(
      {
        ...this.d,
        baseUrl: settings.baseUrl,
        stopGraceMs: settings.stopGraceMs,
        replicaId: this.replicaId,
        leaseUntil: () => this.lc.leaseUntil(),
        revoke: (u, s) => this.revoke(u, s),
      },
      userName,
      serverName,
    );
    await this.remote.refresh();
  }

  private async cleanupStopped(rt: Runtime, failure: SpawnFailure | null): Promise<void> {
    const { store, spawner, proxy, settings, logger } = this.d;
    rt.exitWatch?.abort();
    try {
      await proxy.deleteRoute(routeSpec(settings.baseUrl, rt.userName, rt.serverName));
      if (rt.spawnerState) await spawner.stop(rt.spawnerState, { graceMs: settings.stopGraceMs });
      await this.revoke(rt.userName, rt.serverName);
      const cleared = { target: null, spawnerState: {}, lastFailure: failure };
      if (rt.state.phase === 'stopping') await this.lc.apply(rt, { type: 'stopped' }, cleared);
      else {
        // it exited on its own: the 'exited' transition already moved it to stopped or failed
        await this.lc.persist(rt, 'stop', async (id) => {
          await store.updateServer(id, cleared);
        });
      }
    } catch (err) {
      logger.error({ err, user: rt.userName }, 'error while stopping server');
    } finally {
      if (rt.state.phase === 'stopping') await this.lc.apply(rt, { type: 'stopped' });
      this.finish(rt);
    }
  }

  private finish(rt: Runtime): void {
    const k = key(rt.userName, rt.serverName);
    if (this.runtimes.get(k) === rt) this.runtimes.delete(k);
    this.lastProgress.set(k, rt.progress);
  }

  private async revoke(userName: string, serverName: string): Promise<void> {
    await revokeServerCredentials(this.d.store, this.d.settings.baseUrl, userName, serverName);
    this.d.onCredentialsRevoked?.();
  }

  /**
   * After a hub (re)start: servers the store says are active are re-adopted if their process is
   * still there, and cleaned up otherwise; servers another live replica holds are left to it.
   */
  restore(): Promise<{ adopted: number; cleaned: number }> {
    return this.recovery.restore();
  }

  /** Takes over the work of replicas that stopped renewing their claims (src/hub/serverRecovery.ts). */
  recoverExpired(): Promise<{ adopted: number; cleaned: number }> {
    return this.recovery.recoverExpired();
  }

  /** After the hub deleted a user: the spawner's per-user data (e.g. volume claims, when configured). */
  async removeUserData(userName: string): Promise<string[]> {
    const removed = (await this.d.spawner.removeUserData?.(userName)) ?? [];
    if (removed.length) this.d.logger.info({ user: userName, removed }, 'removed user data');
    return removed;
  }

  /** Stops watching (servers keep running: a restarted hub re-adopts them). */
  async close(): Promise<void> {
    this.remote.stop();
    for (const rt of this.runtimes.values()) {
      rt.exitWatch?.abort();
      if (rt.state.phase !== 'running') rt.abort.abort();
    }
  }
}

function serverLabel(u: string, s: string): string {
  return s ? `${u}'s server ${s}` : `${u}'s server`;
}
