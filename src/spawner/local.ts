// LocalProcessSpawner: user servers as processes on the hub's machine (Linux).
//
// Each server runs detached in its own session (it survives a hub SIGKILL), with its output
// in a file under <dataDir>/logs, in the user's home, and (as root) under the user's own
// Unix account. Its state JSON (pid, start ticks, port, log file, account) lets a restarted
// hub poll, tail and stop it; see localState.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, promises as fsp, writeSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { buildChildEnv } from './childEnv.ts';
import { ensureHome, ensureTraversable } from './homeDirs.ts';
import { findCommand, limitText, LocalLimitEnforcer } from './localLimits.ts';
import { Cgroups, type CgroupRef } from './cgroups.ts';
import { resolveLocalOptions, type LocalProcessSpawnerOptions, type LocalServerSettings, type ResolvedLocalOptions } from './localOptions.ts';
import { parseLocalState, toStateJson, type LocalServerState } from './localState.ts';
import { openFreshLog, tailLines } from './logFiles.ts';
import { escapeName, homePath, logPath } from './paths.ts';
import { PortAllocator } from './ports.ts';
import { isRunning, leftoverGroupMembers, readProcStat, signalServerGroup, type ProcessId } from './procfs.ts';
import { SpawnFailedError, SpawnerClosedError, type PollResult, type Spawner, type SpawnSpec, type StartContext, type StartResult } from './types.ts';
import { UnixAccounts, type UnixAccount } from './unixAccounts.ts';

export type { LocalProcessSpawnerOptions } from './localOptions.ts';

type Exited = PollResult & { running: false };
interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}
/** A server started by this hub process: its exit status arrives as an event. */
interface OwnChild {
  child: ChildProcess;
  exit: Promise<ExitInfo>;
  info: ExitInfo | null;
  /** Callers waiting for the exit; while > 0 the child keeps the event loop alive. */
  waiting: number;
}

const TAIL_LINES = 20;
const ADOPTED_POLL_MS = 250;
const STOP_POLL_MS = 50;
const KILL_WAIT_MS = 5000;
const MAX_REMEMBERED_CHILDREN = 1000;

export { SpawnerClosedError };

export class LocalProcessSpawner implements Spawner {
  readonly kind = 'local';
  private readonly o: ResolvedLocalOptions;
  private readonly log: Logger;
  private readonly ports: PortAllocator;
  private readonly accounts: UnixAccounts | null;
  private readonly children = new Map<string, OwnChild>();
  /** Pending waitForExit calls, rejected by close(). */
  private readonly waiters = new Set<(err: Error) => void>();
  private dirsReady: Promise<void> | null = null;
  private readonly limits: LocalLimitEnforcer;
  /** Exit messages already worked out (the group is gone after the first look). */
  private readonly exitReasons = new Map<string, string>();

  constructor(options: LocalProcessSpawnerOptions) {
    this.o = resolveLocalOptions(options);
    this.log = this.o.logger.child({ kind: 'local' });
    this.ports = new PortAllocator({ host: this.o.ip, now: this.o.now });
    this.accounts = this.o.isolate ? new UnixAccounts({ prefix: this.o.accountPrefix, shell: this.o.shell, logger: this.log }) : null;
    if (!this.o.isolate) this.log.warn(`user servers are not isolated: all servers run as ${this.o.hubUser.name}`);
    this.limits = new LocalLimitEnforcer(this.log, {
      requireLimits: this.o.requireLimits,
      guaranteesConfigured: this.o.guaranteesConfigured,
      ...(this.o.enforceLimits ? {} : { cgroups: () => Cgroups.disabled() }),
    });
  }

  async start(spec: SpawnSpec, ctx: StartContext): Promise<StartResult> {
    ctx.signal.throwIfAborted();
    const settings = this.settingsFor(spec);
    const cmd = settings.cmd ?? spec.cmd;
    if (cmd.length === 0 || cmd[0] === '') throw new SpawnFailedError('No command to run: singleuser.cmd is empty', null, []);
    const temporaryHome = this.o.temporaryHomes;
    const home = temporaryHome
      ? path.join(this.o.tmpHomeDir, escapeName(spec.serverName ? `${spec.userName}-${spec.serverName}` : spec.userName))
      : homePath(this.o.homeDir, spec.userName);
    const logFile = logPath(this.o.logsDir, spec.userName, spec.serverName);
    await this.prepareDirs();
    let account: UnixAccount;
    if (this.accounts) {
      ctx.progress({ progress: 20, message: `Preparing Unix account ${this.accounts.nameFor(spec.userName)}` });
      account = await this.accounts.ensure(spec.userName, home);
    } else {
      const me = this.o.hubUser;
      account = { name: me.name, uid: me.uid, gid: me.gid, home, shell: this.o.shell };
    }
    await ensureHome(home, this.accounts ? account : null, this.log);
    const port = await this.ports.allocate();
    ctx.signal.throwIfAborted();

    const host = this.o.ip.includes(':') ? `[${this.o.ip}]` : this.o.ip;
    const specEnv = { ...spec.env, ...settings.env };
    if (settings.defaultUrl) specEnv.JUPYTERHUB_DEFAULT_URL = settings.defaultUrl;
    const env = buildChildEnv({
      hubEnv: process.env,
      specEnv,
      serviceUrl: `http://${host}:${port}${spec.servicePrefix}`,
      user: account.name,
      home,
      shell: account.shell,
    });
    if (settings.pythonEnv) {
      env.PATH = `${path.join(settings.pythonEnv, 'bin')}:${env.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`;
      env.VIRTUAL_ENV = settings.pythonEnv;
    }
    const memory = settings.memory;
    const limits = { memory, cpu: settings.cpu, tasks: this.o.limits.tasks };
    const fullCmd = [...cmd, ...(settings.args ?? spec.args)];
    const fd = await openFreshLog(logFile);
    let child: ChildProcess;
    let cgroup: CgroupRef | null = null;
    try {
      writeSync(fd, `[nbhub] ${this.o.now().toISOString()} starting ${cmd[0]} as ${account.name} on port ${port}\n`);
      if (this.limits.enforced) {
        // The wrapper execs the command: check it here so a missing one is still named.
        // Resolved as the account would find it (the wrapper's own PATH lookup happens after
        // dropping to it), so it is also named when missing.
        const resolved = findCommand(cmd[0], env.PATH, this.accounts ? account : null);
        if (!resolved) throw Object.assign(new Error('not found'), { code: 'ENOENT' });
        fullCmd[0] = resolved;
        cgroup = await this.limits.create(`${spec.userName}${spec.serverName ? `-${spec.serverName}` : ''}`, limits, `user ${spec.userName}`);
      }
      const argv = cgroup ? this.limits.wrap(cgroup, fullCmd, this.accounts ? account : null) : fullCmd;
      child = spawn(argv[0], argv.slice(1), {
        cwd: home,
        env,
        detached: true, // setsid(): own session and process group
        stdio: ['ignore', fd, fd],
        // With a control group the wrapper joins it as root and drops to the account itself.
        ...(this.accounts && !cgroup ? { uid: account.uid, gid: account.gid } : {}),
      });
    } catch (e) {
      if (cgroup) await this.limits.release('', cgroup);
      throw await this.spawnFailure(spec, account, logFile, e);
    } finally {
      closeSync(fd);
    }
    child.on('error', () => undefined); // spawn errors are handled below; later ones (kill) are irrelevant
    if (child.pid === undefined) {
      const err = await new Promise<Error>((resolve) => child.once('error', resolve));
      if (cgroup) await this.limits.release('', cgroup);
      throw await this.spawnFailure(spec, account, logFile, err);
    }
    const pid = child.pid;
    // Read now, synchronously: the child cannot have been reaped before the event loop runs.
    const stat = readProcStat(pid);
    if (!stat) throw new SpawnFailedError(`Server process ${pid} vanished right after it started`, null, await tailLines(logFile, TAIL_LINES));
    this.adoptChild(child, { pid, startTicks: stat.startTicks });
    child.unref();
    const state: LocalServerState = {
      pid,
      port,
      startTicks: stat.startTicks,
      logFile,
      account: account.name,
      uid: account.uid,
      gid: account.gid,
      home,
      cgroup,
      memoryLimit: limitText(memory),
      user: spec.userName,
      server: spec.serverName,
      temporaryHome,
    };
    if (cgroup) this.limits.watch(keyOf(state), { ref: cgroup, user: spec.userName, server: spec.serverName, limit: state.memoryLimit });
    this.log.info(
      { user: spec.userName, server: spec.serverName, pid, port, account: account.name, profile: settings.profile, limits, enforced: cgroup !== null },
      'started user server',
    );
    ctx.progress({ progress: 40, message: `Server process started (pid ${pid}, port ${port})` });
    return { target: `http://${host}:${port}`, state: toStateJson(state) };
  }

  async poll(state: Record<string, unknown>): Promise<PollResult> {
    const s = parseLocalState(state);
    if (isRunning(s)) {
      this.watchAdopted(s);
      return { running: true };
    }
    const own = this.children.get(keyOf(s));
    // Dead but not reaped yet: its exit status is one event-loop turn away.
    const info = own ? (own.info ?? (await Promise.race([awaitExit(own), sleep(1000).then(() => null)]))) : null;
    return this.exited(s, info);
  }

  waitForExit(state: Record<string, unknown>, signal: AbortSignal): Promise<Exited> {
    let s: LocalServerState;
    try {
      s = parseLocalState(state);
      signal.throwIfAborted();
    } catch (e) {
      return Promise.reject(e);
    }
    const own = this.children.get(keyOf(s));
    if (isRunning(s)) this.watchAdopted(s);
    return new Promise<ExitInfo | null>((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null;
      let release: () => void = () => {};
      const finish = (fn: () => void) => {
        if (timer) clearInterval(timer);
        release();
        signal.removeEventListener('abort', onAbort);
        this.waiters.delete(fail);
        fn();
      };
      const fail = (err: Error) => finish(() => reject(err));
      const onAbort = () => fail(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(fail);
      if (own) {
        release = holdLoop(own);
        own.exit.then((info) => finish(() => resolve(info)));
        return;
      }
      // Not our child (started before a hub restart): no exit event, so watch /proc.
      const check = () => {
        if (!isRunning(s)) finish(() => resolve(null));
      };
      timer = setInterval(check, ADOPTED_POLL_MS);
      check();
    }).then((info) => this.exited(s, info));
  }

  async stop(state: Record<string, unknown>, opts: { graceMs: number }): Promise<void> {
    const s = parseLocalState(state);
    const id: ProcessId = { pid: s.pid, startTicks: s.startTicks };
    if (signalServerGroup(id, 'SIGTERM') > 0) {
      if (!(await this.waitGone(id, opts.graceMs))) {
        this.log.warn({ pid: s.pid, graceMs: opts.graceMs }, 'server did not stop in time; killing its process group');
        signalServerGroup(id, 'SIGKILL');
        if (!(await this.waitGone(id, KILL_WAIT_MS))) this.log.error({ pid: s.pid }, 'server process group survived SIGKILL');
      }
    }
    // Reap our own child so it does not linger as a zombie.
    const own = this.children.get(keyOf(s));
    if (own && !own.info) await Promise.race([awaitExit(own), sleep(KILL_WAIT_MS)]);
    await this.cleanup(s);
    this.ports.release(s.port);
  }

  async logTail(state: Record<string, unknown>, lines: number): Promise<string[]> {
    return tailLines(parseLocalState(state).logFile, lines);
  }

  async close(): Promise<void> {
    const closed = new SpawnerClosedError('the local spawner was closed');
    for (const fail of [...this.waiters]) fail(closed);
    this.limits.close();
  }

  private prepareDirs(): Promise<void> {
    this.dirsReady ??= (async () => {
      await fsp.mkdir(this.o.dataDir, { recursive: true, mode: 0o711 });
      await fsp.mkdir(this.o.logsDir, { recursive: true, mode: 0o700 });
      const homes = this.o.temporaryHomes ? this.o.tmpHomeDir : this.o.homeDir;
      await fsp.mkdir(homes, { recursive: true, mode: 0o711 });
      if (this.o.isolate) await ensureTraversable(homes, this.o.dataDir, this.log);
    })().catch((e) => {
      this.dirsReady = null; // let the next spawn try again (e.g. after the admin fixed a mode)
      throw e;
    });
    return this.dirsReady;
  }

  private adoptChild(child: ChildProcess, id: ProcessId): void {
    const own: OwnChild = {
      child,
      info: null,
      waiting: 0,
      exit: new Promise((resolve) =>
        child.once('exit', (code, signal) => {
          own.info = { code, signal };
          resolve(own.info);
        }),
      ),
    };
    this.children.set(keyOf(id), own);
    // Remember exit statuses for a while (the hub may ask after the fact), not forever.
    if (this.children.size > MAX_REMEMBERED_CHILDREN) {
      for (const [k, c] of this.children) {
        if (c.info) {
          this.children.delete(k);
          break;
        }
      }
    }
  }

  /** Polls until the leader and every leftover of its process group are gone. */
  private async waitGone(id: ProcessId, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (!isRunning(id) && leftoverGroupMembers(id).length === 0) return true;
      if (Date.now() >= deadline) return false;
      await sleep(STOP_POLL_MS);
    }
  }

  private async exited(s: LocalServerState, info: ExitInfo | null): Promise<Exited> {
    const key = keyOf(s);
    let oom = this.exitReasons.get(key) ?? null;
    // Killed (or status unknown, after a hub restart) while the kernel killed for memory: say so.
    if (oom === null && (info === null || info.signal === 'SIGKILL')) oom = this.limits.oomReason(s.cgroup, s.memoryLimit);
    if (oom) {
      this.exitReasons.set(key, oom);
      if (this.exitReasons.size > MAX_REMEMBERED_CHILDREN) this.exitReasons.delete(this.exitReasons.keys().next().value!);
    }
    await this.cleanup(s);
    const message = oom
      ? `stopped: ${oom}`
      : info === null
        ? 'Server exited'
        : info.code !== null
          ? `Server exited with code ${info.code}`
          : `Server was killed by signal ${info.signal ?? 'unknown'}`;
    return { running: false, exitCode: info?.code ?? null, message, logTail: await tailLines(s.logFile, TAIL_LINES) };
  }

  /** The settings of one spawn: the chosen profile's, or the spawner's own. */
  private settingsFor(spec: SpawnSpec): LocalServerSettings {
    if (this.o.resolveSettings) {
      try {
        return this.o.resolveSettings(spec.userOptions);
      } catch (e) {
        if (e instanceof Error && 'code' in e && String(e.code).startsWith('UNKNOWN_PROFILE')) throw new SpawnFailedError(e.message, null, []);
        throw e;
      }
    }
    const l = this.o.limits;
    return { cmd: null, args: null, defaultUrl: null, env: {}, memory: l.memory, cpu: l.cpu, pythonEnv: null, profile: null };
  }

  /** Re-found after a hub restart: watch its group for out-of-memory kills again. */
  private watchAdopted(s: LocalServerState): void {
    if (s.cgroup && !this.children.has(keyOf(s))) {
      this.limits.watch(keyOf(s), { ref: s.cgroup, user: s.user ?? s.account, server: s.server ?? '', limit: s.memoryLimit });
    }
  }

  /** After the server is gone: its control group and temporary home. Idempotent. */
  private async cleanup(s: LocalServerState): Promise<void> {
    await this.limits.release(keyOf(s), s.cgroup);
    if (s.temporaryHome && s.home.startsWith(this.o.tmpHomeDir + path.sep)) {
      await fsp.rm(s.home, { recursive: true, force: true }).catch((e: Error) => this.log.error({ home: s.home, err: e.message }, 'could not remove a temporary home'));
    }
  }

  private async spawnFailure(spec: SpawnSpec, account: UnixAccount, logFile: string, e: unknown): Promise<SpawnFailedError> {
    const code = (e as NodeJS.ErrnoException).code;
    const cmd = spec.cmd[0];
    const message =
      code === 'ENOENT'
        ? `Cannot start the server: command not found: ${cmd}`
        : code === 'EACCES'
          ? `Cannot start the server: permission denied running ${cmd} as ${account.name}`
          : `Cannot start the server (${cmd}): ${code ?? (e instanceof Error ? e.message : String(e))}`;
    await fsp.appendFile(logFile, `[nbhub] ${message}\n`).catch(() => undefined);
    this.log.warn({ user: spec.userName, server: spec.serverName, cmd, code }, 'could not start user server');
    return new SpawnFailedError(message, null, await tailLines(logFile, TAIL_LINES));
  }
}

/** Keeps the event loop alive until the returned release() (the child itself is unref'd so a
 *  hub can exit while its servers run, but someone waiting for the exit must get it). */
function holdLoop(own: OwnChild): () => void {
  if (own.waiting++ === 0) own.child.ref();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--own.waiting === 0) own.child.unref();
  };
}

/** The child's exit status, holding the event loop while waiting. */
async function awaitExit(own: OwnChild): Promise<ExitInfo> {
  if (own.info) return own.info;
  const release = holdLoop(own);
  try {
    return await own.exit;
  } finally {
    release();
  }
}

function keyOf(id: ProcessId): string {
  return `${id.pid}:${id.startTicks}`;
}
