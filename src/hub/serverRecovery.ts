// Servers whose owner is gone: this replica's previous run (restore at start-up) or another
// hub replica that stopped renewing its claims (recoverExpired after each heartbeat, issue 13).
// Each is adopted (watched from here; a spawn that already answers is finished) or cleaned up
// (process stopped, route and credentials removed, the failure recorded).
import type { PollResult } from '../spawner/types.ts';
import type { ServerRecord, SpawnFailure } from '../store/types.ts';
import { routeSpec, serverPrefix } from '../domain/names.ts';
import { ProgressLog } from './progress.ts';
import { waitUntilReady } from './readiness.ts';
import type { LifecycleWriter, Runtime } from './serverRuntime.ts';
import type { ServerManagerDeps } from './servers.ts';

/** What recovery needs of the ServerManager it works for. */
export interface RecoveryHost {
  deps: ServerManagerDeps;
  lc: LifecycleWriter;
  hasRuntime(userName: string, serverName: string): boolean;
  /** Makes an adopted runtime this replica's. */
  register(rt: Runtime): void;
  /** Watches an adopted server for a crash. */
  watch(rt: Runtime, exited: Promise<PollResult & { running: false }>): void;
  revoke(userName: string, serverName: string): Promise<void>;
}

export class ServerRecovery {
  private sweeping: Promise<{ adopted: number; cleaned: number }> | null = null;

  constructor(private readonly h: RecoveryHost) {}

  /**
   * After a hub (re)start: servers the store says are active are re-adopted if their process is
   * still there, and cleaned up otherwise; servers another live replica holds are left to it.
   */
  async restore(): Promise<{ adopted: number; cleaned: number }> {
    let adopted = 0;
    let cleaned = 0;
    for (const rec of await this.h.deps.store.listActiveServers()) {
      const c = rec.claim;
      if (c && c.owner !== this.h.lc.replicaId && c.expires.getTime() > this.h.deps.now().getTime()) continue;
      if ((await this.recover(rec, null, 2000)) === 'adopted') adopted++;
      else cleaned++;
    }
    this.h.deps.logger.info({ adopted, cleaned }, 'restored servers from the store');
    return { adopted, cleaned };
  }

  /**
   * Takes over the work of replicas that stopped renewing their claims: a running server is
   * watched from here, a spawn whose server answers within singleuser.httpTimeout is finished,
   * any other is stopped and reported as failed, a stop is completed. Run after each heartbeat;
   * a sweep still in flight is shared (it never holds up the heartbeat that renews the claims).
   */
  recoverExpired(): Promise<{ adopted: number; cleaned: number }> {
    this.sweeping ??= this.sweepExpired().finally(() => {
      this.sweeping = null;
    });
    return this.sweeping;
  }

  private async sweepExpired(): Promise<{ adopted: number; cleaned: number }> {
    const now = this.h.deps.now();
    const outcomes = await Promise.all(
      (await this.h.deps.store.listExpiredClaims(now)).map(async (expired) => {
        if (this.h.hasRuntime(expired.userName, expired.name)) return null;
        const rec = await this.h.deps.store.claimServer(expired.id, this.h.lc.replicaId, this.h.lc.leaseUntil(), now);
        if (!rec) return null; // another replica was quicker
        this.h.deps.logger.warn(
          { user: rec.userName, server: rec.name, from: expired.claim?.owner, phase: rec.lifecycle.phase },
          'taking over the work of a replica that stopped',
        );
        const interrupted: SpawnFailure = {
          message: 'The hub replica starting this server stopped; please start it again',
          exitCode: null,
          logTail: [],
          at: now,
        };
        const midSpawn = rec.phase !== 'running' && rec.phase !== 'stopping';
        return this.recover(rec, midSpawn ? interrupted : null, midSpawn ? this.h.deps.settings.httpTimeoutMs : 2000);
      }),
    );
    return { adopted: outcomes.filter((o) => o === 'adopted').length, cleaned: outcomes.filter((o) => o === 'cleaned').length };
  }

  /** Adopts one server whose owner is gone (this replica's previous run, or a dead replica) or cleans it up. */
  private async recover(rec: ServerRecord, interrupted: SpawnFailure | null, readyTimeoutMs: number): Promise<'adopted' | 'cleaned'> {
    const { store, spawner, proxy, settings } = this.h.deps;
    const state = rec.spawnerState;
    const alive = rec.target && Object.keys(state).length > 0 ? await spawner.poll(state) : null;
    const prefix = serverPrefix(settings.baseUrl, rec.userName, rec.name);
    let ok = alive?.running === true && rec.phase !== 'stopping';
    if (ok && rec.phase !== 'running') {
      // The owner died mid-spawn: keep the server only if it already answers.
      ok = await waitUntilReady(`${rec.target}${prefix}api`, { timeoutMs: readyTimeoutMs, signal: new AbortController().signal }).then(
        () => true,
        () => false,
      );
    }
    if (ok && rec.target) {
      const progress = new ProgressLog();
      progress.push({ progress: 100, ready: true, message: `Server ready at ${prefix}`, url: prefix });
      const rt = this.h.lc.newRuntime(rec.userName, rec.name, progress, null);
      rt.spawnerState = state;
      rt.exitWatch = new AbortController();
      this.h.lc.applyInMemory(rt, { type: 'adopt', target: rec.target });
      this.h.register(rt);
      await proxy.addRoute(routeSpec(settings.baseUrl, rec.userName, rec.name), rec.target, {
        user: rec.userName,
        server_name: rec.name,
        jupyterhub: true,
      });
      // a spawn finished for a dead replica: its progress stream (in the database) ends here,
      // written before the row so that whoever sees the server running also finds the event
      if (interrupted) await store.appendServerProgress(rec.id, { ...progress.last }, this.h.deps.now());
      // outside the state machine: the row may be in any active phase of the owner that died
      await store.updateServer(rec.id, { phase: 'running', claim: { owner: this.h.lc.replicaId, expires: this.h.lc.leaseUntil() } });
      rt.recordId = rec.id;
      const exited = spawner.waitForExit(state, rt.exitWatch.signal);
      exited.catch(() => undefined);
      this.h.watch(rt, exited);
      return 'adopted';
    }
    if (alive?.running) await spawner.stop(state, { graceMs: settings.stopGraceMs }).catch(() => undefined);
    await proxy.deleteRoute(routeSpec(settings.baseUrl, rec.userName, rec.name)).catch(() => undefined);
    await this.h.revoke(rec.userName, rec.name);
    const failure: SpawnFailure | null =
      alive && !alive.running ? { message: alive.message, exitCode: alive.exitCode, logTail: alive.logTail, at: this.h.deps.now() } : interrupted;
    if (interrupted && failure) {
      const ended = { progress: 100, failed: true, message: `Spawn failed: ${failure.message}`, exit_code: failure.exitCode, log_tail: failure.logTail };
      await store.appendServerProgress(rec.id, ended, this.h.deps.now());
    }
    await store.updateServer(rec.id, { phase: 'stopped', target: null, spawnerState: {}, lastFailure: failure, claim: null });
    return 'cleaned';
  }
}
