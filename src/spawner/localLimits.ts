// Enforced limits of local user servers: one control group per server (cgroups.ts), the
// command wrapped so the server is in its group before it runs any code of its own, out-of-memory
// kills noticed and reported with the user's name.
//
// Joining the group: the spawned process is `/bin/sh -c <join>` running as root; it writes its
// own pid into each hierarchy's cgroup.procs, then execs the server (through setpriv, dropping to
// the user's account, when servers are isolated). "Spawn, then move the pid from the hub" would
// leave a window in which the server could fork children that stay outside the group (and v1
// moves only the one task); with the wrapper every process of the server starts inside it. The
// pid (and so the state's pid/start time) is the same before and after exec.
import { accessSync, closeSync, constants as fsConstants, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { parseSize } from '../config/quantity.ts';
import { Cgroups, CgroupError, oomKills, procsFiles, removeGroup, type CgroupLimits, type CgroupRef } from './cgroups.ts';
import type { LocalLimits } from './localOptions.ts';

const JOIN_SCRIPT =
  'unset PWD; for f do [ "$f" = -- ] && break; echo $$ > "$f" || { echo "[nbhub] cannot join control group $f" >&2; exit 125; }; shift; done; shift; exec "$@"';
const OOM_POLL_MS = 1000;

export class LimitsUnavailableError extends Error {
  readonly code = 'LIMITS_UNAVAILABLE';
}

interface Watched {
  ref: CgroupRef;
  user: string;
  server: string;
  limit: string | null;
  kills: number;
}

export class LocalLimitEnforcer {
  private readonly cgroups: Cgroups | null;
  private readonly watched = new Map<string, Watched>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly log: Logger,
    opts: { requireLimits: boolean; guaranteesConfigured: boolean; cgroups?: () => Cgroups },
  ) {
    let cg: Cgroups | null = null;
    try {
      cg = (opts.cgroups ?? (() => Cgroups.detect()))();
      const pruned = cg.pruneEmpty();
      log.info({ cgroups: cg.describe(), prunedEmptyGroups: pruned }, 'user server limits (memory, CPU, tasks) are enforced with control groups');
    } catch (e) {
      if (!(e instanceof CgroupError)) throw e;
      if (opts.requireLimits) {
        throw new LimitsUnavailableError(
          `spawner.local.requireLimits is true but user server limits cannot be enforced: ${e.message}. ` +
            'Run the hub as root on a machine with a writable cgroup tree, or set spawner.local.requireLimits to false',
        );
      }
      log.warn(`user server limits (singleuser.memory.limit, singleuser.cpu.limit, spawner.local.tasksLimit) are NOT enforced: ${e.message}`);
    }
    this.cgroups = cg;
    if (opts.guaranteesConfigured) {
      log.info('singleuser.memory.guarantee and singleuser.cpu.guarantee have no meaning for the local spawner: nothing is reserved on one machine');
    }
  }

  get enforced(): boolean {
    return this.cgroups !== null;
  }

  /** The server's group with its limits written; null when nothing is enforced. */
  async create(label: string, l: LocalLimits, where: string): Promise<CgroupRef | null> {
    if (!this.cgroups) return null;
    return this.cgroups.create(label, toCgroupLimits(l, where));
  }

  /** argv that joins `ref` and then runs `cmd` (as `account` when given). */
  wrap(ref: CgroupRef, cmd: string[], account: { uid: number; gid: number } | null): string[] {
    const drop = account ? ['setpriv', `--reuid=${account.uid}`, `--regid=${account.gid}`, '--clear-groups', '--'] : [];
    return ['/bin/sh', '-c', JOIN_SCRIPT, 'nbhub-join', ...procsFiles(ref), '--', ...drop, ...cmd];
  }

  /** Starts noticing out-of-memory kills inside the server (idempotent). */
  watch(key: string, w: Omit<Watched, 'kills'>): void {
    if (this.watched.has(key)) return;
    this.watched.set(key, { ...w, kills: oomKills(w.ref) ?? 0 });
    this.timer ??= setInterval(() => this.checkOom(), OOM_POLL_MS).unref();
  }

  /** Stops watching; removes the group (killing anything left in it). */
  async release(key: string, ref: CgroupRef | null): Promise<void> {
    const w = this.watched.get(key);
    if (w) this.checkOne(w);
    this.watched.delete(key);
    if (!this.watched.size && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
    if (!ref) return;
    try {
      await removeGroup(ref);
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'could not remove a user server’s control group');
    }
  }

  /** "out of memory (limit 1G)" when the kernel killed a process in the group, else null. */
  oomReason(ref: CgroupRef | null, limit: string | null): string | null {
    if (!ref) return null;
    const n = oomKills(ref);
    return n !== null && n > 0 ? `out of memory (limit ${limit ?? 'unknown'})` : null;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.watched.clear();
  }

  private checkOom(): void {
    for (const w of this.watched.values()) this.checkOne(w);
  }

  private checkOne(w: Watched): void {
    const n = oomKills(w.ref);
    if (n === null || n <= w.kills) return;
    this.log.warn(
      { user: w.user, server: w.server, oomKills: n - w.kills, limit: w.limit },
      `out of memory: the kernel killed ${n - w.kills} process(es) in ${w.user}'s server (limit ${w.limit ?? 'unknown'})`,
    );
    w.kills = n;
  }
}

function toCgroupLimits(l: LocalLimits, where: string): CgroupLimits {
  let memoryBytes: number | null = null;
  if (l.memory !== null) {
    try {
      memoryBytes = parseSize(l.memory);
    } catch (e) {
      throw new CgroupError(`${where}: memory limit ${JSON.stringify(l.memory)} is not a size: ${(e as Error).message}`);
    }
  }
  return { memoryBytes, cpu: l.cpu, tasks: l.tasks };
}

/** The limit as the user wrote it: '256M', or bytes as a number. */
export function limitText(v: string | number | null): string | null {
  return v === null ? null : String(v);
}

/**
 * Whether `cmd` can be run: the wrapper execs it, so a missing command would otherwise show up
 * only as exit 127; this keeps "command not found" a spawn error with the command's name.
 */
export function findCommand(cmd: string, envPath: string | undefined, runAs: { uid: number; gid: number } | null = null): string | null {
  const ok = (p: string) => (runAs ? runnableBy(p, runAs) : accessible(p, fsConstants.X_OK));
  if (cmd.includes('/')) return ok(cmd) ? cmd : null;
  for (const dir of (envPath ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    if (dir && ok(path.join(dir, cmd))) return path.join(dir, cmd);
  }
  return null;
}

function accessible(p: string, mode: number): boolean {
  try {
    accessSync(p, mode);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether `account` (not the root hub) may run `file`: every directory above it searchable and the
 * file executable by that uid/gid, and readable too when it is a script. The wrapper's exec looks
 * PATH up as the account, where a root-only directory early in the hub's PATH (e.g. a pyenv shim
 * under /root) would otherwise be taken and fail as "Permission denied"; so the command is
 * resolved here and handed to the wrapper as an absolute path.
 */
function runnableBy(file: string, account: { uid: number; gid: number }): boolean {
  const allows = (st: { uid: number; gid: number; mode: number }, bit: number) =>
    st.uid === account.uid ? (st.mode & (bit << 6)) !== 0 : st.gid === account.gid ? (st.mode & (bit << 3)) !== 0 : (st.mode & bit) !== 0;
  try {
    const abs = path.resolve(file);
    const parts = abs.split('/').filter(Boolean);
    for (let i = 0; i < parts.length; i++) {
      if (!allows(statSync(`/${parts.slice(0, i).join('/')}`), 1)) return false;
    }
    const st = statSync(abs);
    if (!st.isFile() || !allows(st, 1)) return false;
    return !isScript(abs) || allows(st, 4);
  } catch {
    return false;
  }
}

function isScript(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && head.toString('latin1') === '#!';
  } finally {
    closeSync(fd);
  }
}
