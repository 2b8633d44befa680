// Kernel control groups for local user servers: a memory limit (swap held to it), a CPU quota
// and a task (pids) limit per server, on cgroup v2 or v1, whichever the machine mounts.
//
// Where the groups live:
// - v1 (one hierarchy per controller): `<mount>/<the hub's own group>/nbhub/<server>` in the
//   memory, cpu, cpuacct and pids hierarchies (v1 has no rule against processes in inner
//   groups, so nesting under the hub keeps whatever limits the host put on the hub).
// - v2 (one unified tree): `<mount>/nbhub/<server>`, with +memory +cpu +pids enabled in the
//   root's and nbhub's cgroup.subtree_control (v2 forbids enabling controllers for children of a
//   group that holds processes, which the hub's own group does).
// A server's group paths are kept in its spawner state so a restarted hub finds them again.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export type CgroupVersion = 1 | 2;

export interface CgroupLimits {
  /** Bytes; null: no limit. */
  memoryBytes: number | null;
  /** Cores, e.g. 0.5; null: no limit. */
  cpu: number | null;
  /** Most tasks (processes and threads); null: no limit. */
  tasks: number | null;
}

/** One server's group: its directory in each hierarchy (v2: one path). Persisted as JSON. */
export interface CgroupRef {
  version: CgroupVersion;
  /** v1: controller → directory; v2: { unified: directory }. */
  paths: Record<string, string>;
}

export class CgroupError extends Error {
  readonly code = 'CGROUP_UNAVAILABLE';
}

const V1_CONTROLLERS = ['memory', 'cpu', 'cpuacct', 'pids'] as const;
const V2_CONTROLLERS = ['memory', 'cpu', 'pids'] as const;
const CFS_PERIOD_US = 100_000;
const EMPTY_WAIT_MS = 5000;

interface Mount {
  fstype: 'cgroup' | 'cgroup2';
  dir: string;
  /** The mount's root inside the hierarchy (field 4 of mountinfo), usually '/'. */
  root: string;
  controllers: string[];
}

/** cgroup mounts from /proc/self/mountinfo. */
export function readCgroupMounts(mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): Mount[] {
  const out: Mount[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const post = line.slice(sep + 3).split(' ');
    const fstype = post[0];
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    const controllers = fstype === 'cgroup' ? (post[2] ?? '').split(',') : [];
    out.push({ fstype, dir: unescape(pre[4]), root: unescape(pre[3]), controllers });
  }
  return out;
}

/** This process's group in each hierarchy: '' for v2, else the controller list → path. */
function ownGroups(): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const [, ctrls, p] = line.split(/:(.*?):/);
    if (p === undefined) continue;
    if (ctrls === '') m.set('', p);
    else for (const c of ctrls.split(',')) m.set(c, p);
  }
  return m;
}

function within(mount: Mount, groupPath: string): string {
  // A group path is relative to the hierarchy's root; the mount may show a subtree of it.
  const rel = mount.root === '/' ? groupPath : path.posix.relative(mount.root, groupPath);
  return rel.startsWith('..') ? mount.dir : path.join(mount.dir, rel);
}

/**
 * The machine's cgroups as this process can use them. detect() throws CgroupError saying why
 * limits cannot be enforced (no root, no cgroup mounts, a controller missing, read-only tree).
 */
export class Cgroups {
  private constructor(
    readonly version: CgroupVersion,
    /** v1: controller → base directory; v2: { unified: base directory }. */
    private readonly bases: Record<string, string>,
  ) {}

  static detect(opts: { mounts?: Mount[]; isRoot?: boolean } = {}): Cgroups {
    const isRoot = opts.isRoot ?? process.getuid?.() === 0;
    if (!isRoot) throw new CgroupError('the hub does not run as root, so it cannot create control groups');
    const mounts = opts.mounts ?? readCgroupMounts();
    const own = ownGroups();
    const v1 = new Map<string, Mount>();
    for (const m of mounts) if (m.fstype === 'cgroup') for (const c of m.controllers) if (!v1.has(c)) v1.set(c, m);
    if (v1.has('memory')) {
      const missing = V1_CONTROLLERS.filter((c) => !v1.has(c));
      if (missing.length) throw new CgroupError(`cgroup v1 is mounted without the ${missing.join(', ')} controller(s)`);
      const bases: Record<string, string> = {};
      for (const c of V1_CONTROLLERS) bases[c] = path.join(within(v1.get(c)!, own.get(c) ?? '/'), 'nbhub');
      return new Cgroups(1, bases).checkWritable();
    }
    const v2 = mounts.find((m) => m.fstype === 'cgroup2');
    if (!v2) throw new CgroupError('no cgroup file system is mounted (looked in /proc/self/mountinfo)');
    let available: string[] = [];
    try {
      available = readFileSync(path.join(v2.dir, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
    } catch {
      /* reported below */
    }
    const missing = V2_CONTROLLERS.filter((c) => !available.includes(c));
    if (missing.length) throw new CgroupError(`cgroup v2 at ${v2.dir} does not offer the ${missing.join(', ')} controller(s)`);
    return new Cgroups(2, { unified: path.join(v2.dir, 'nbhub') }).checkWritable();
  }

  /** For callers that turn limits off: throws the CgroupError that says so. */
  static disabled(): never {
    throw new CgroupError('control groups are turned off for this spawner');
  }

  /** Creates the nbhub base groups (and on v2 enables the controllers for their children). */
  private checkWritable(): this {
    try {
      for (const base of Object.values(this.bases)) {
        mkdirSync(base, { recursive: true });
        if (this.version === 2) {
          const want = V2_CONTROLLERS.map((c) => `+${c}`).join(' ');
          writeFileSync(path.join(path.dirname(base), 'cgroup.subtree_control'), want);
          writeFileSync(path.join(base, 'cgroup.subtree_control'), want);
        }
      }
    } catch (e) {
      throw new CgroupError(`the cgroup tree is not writable (${(e as Error).message})`);
    }
    return this;
  }

  /**
   * Removes groups left empty by servers that died while no hub watched them (e.g. killed while
   * the hub was down and never polled again). A group younger than `minAgeMs` is left alone: it
   * may belong to a spawn (of this or another hub) whose process has not joined it yet. A group
   * with processes cannot be removed (the kernel refuses), so a live server never loses its own.
   */
  pruneEmpty(minAgeMs = 60_000, now = Date.now()): number {
    let removed = 0;
    for (const base of Object.values(this.bases)) {
      let names: string[] = [];
      try {
        names = readdirSync(base, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
      } catch {
        continue;
      }
      for (const name of names) {
        const dir = path.join(base, name);
        try {
          if (now - statSync(dir).ctimeMs < minAgeMs) continue;
          if (readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').trim() !== '') continue;
          rmdirSync(dir);
          removed++;
        } catch {
          /* in use, or removed by someone else meanwhile */
        }
      }
    }
    return removed;
  }

  describe(): string {
    return `cgroup v${this.version} under ${Object.values(this.bases)[0]}`;
  }

  /** A new group for one server, with the limits written. Name: a readable prefix + random. */
  async create(label: string, limits: CgroupLimits): Promise<CgroupRef> {
    const name = `${label.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60)}-${randomBytes(4).toString('hex')}`;
    const paths: Record<string, string> = {};
    for (const [c, base] of Object.entries(this.bases)) paths[c] = path.join(base, name);
    const ref: CgroupRef = { version: this.version, paths };
    try {
      for (const p of Object.values(paths)) await fsp.mkdir(p);
      await writeLimits(ref, limits);
    } catch (e) {
      await removeGroup(ref).catch(() => undefined);
      throw new CgroupError(`could not set up control group ${name}: ${(e as Error).message}`);
    }
    return ref;
  }
}

async function writeLimits(ref: CgroupRef, l: CgroupLimits): Promise<void> {
  const w = (file: string, v: string | number) => fsp.writeFile(file, String(v));
  if (ref.version === 1) {
    const { memory, cpu, pids } = ref.paths;
    if (l.memoryBytes !== null) {
      await w(path.join(memory, 'memory.limit_in_bytes'), l.memoryBytes);
      // memsw = memory + swap; equal to the memory limit means no swap on top of it.
      const memsw = path.join(memory, 'memory.memsw.limit_in_bytes');
      if (existsSync(memsw)) await w(memsw, l.memoryBytes);
      await w(path.join(memory, 'memory.swappiness'), 0).catch(() => undefined);
    }
    if (l.cpu !== null) {
      await w(path.join(cpu, 'cpu.cfs_period_us'), CFS_PERIOD_US);
      await w(path.join(cpu, 'cpu.cfs_quota_us'), cpuQuota(l.cpu));
    }
    if (l.tasks !== null) await w(path.join(pids, 'pids.max'), l.tasks);
    return;
  }
  const g = ref.paths.unified;
  if (l.memoryBytes !== null) {
    await w(path.join(g, 'memory.max'), l.memoryBytes);
    const swap = path.join(g, 'memory.swap.max');
    if (existsSync(swap)) await w(swap, 0);
  }
  if (l.cpu !== null) await w(path.join(g, 'cpu.max'), `${cpuQuota(l.cpu)} ${CFS_PERIOD_US}`);
  if (l.tasks !== null) await w(path.join(g, 'pids.max'), l.tasks);
}

const cpuQuota = (cores: number) => Math.max(1000, Math.round(cores * CFS_PERIOD_US));

/** The files a process writes its pid into to join the group (one per hierarchy). */
export function procsFiles(ref: CgroupRef): string[] {
  return Object.values(ref.paths).map((p) => path.join(p, 'cgroup.procs'));
}

export function groupExists(ref: CgroupRef): boolean {
  return Object.values(ref.paths).every((p) => existsSync(p));
}

function readKeyed(file: string, key: string): number | null {
  try {
    const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(readFileSync(file, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** How many processes the kernel killed in this group for running out of memory; null: unknown. */
export function oomKills(ref: CgroupRef): number | null {
  if (ref.version === 2) return readKeyed(path.join(ref.paths.unified, 'memory.events'), 'oom_kill');
  return readKeyed(path.join(ref.paths.memory, 'memory.oom_control'), 'oom_kill');
}

/** The memory limit the kernel holds the group to, in bytes; null: none or unknown. */
export function memoryLimit(ref: CgroupRef): number | null {
  try {
    const raw = readFileSync(path.join(ref.version === 2 ? ref.paths.unified : ref.paths.memory, ref.version === 2 ? 'memory.max' : 'memory.limit_in_bytes'), 'utf8').trim();
    const n = Number(raw);
    return raw === 'max' || !Number.isFinite(n) || n >= 2 ** 62 ? null : n;
  } catch {
    return null;
  }
}

/** CPU time used by the group's processes so far, in microseconds; null: unknown. */
export function cpuUsageMicros(ref: CgroupRef): number | null {
  try {
    if (ref.version === 2) return readKeyed(path.join(ref.paths.unified, 'cpu.stat'), 'usage_usec');
    return Math.floor(Number(readFileSync(path.join(ref.paths.cpuacct, 'cpuacct.usage'), 'utf8').trim()) / 1000);
  } catch {
    return null;
  }
}

/** Pids of every process in the group. */
export function groupPids(ref: CgroupRef): number[] {
  const pids = new Set<number>();
  for (const f of procsFiles(ref)) {
    try {
      for (const s of readFileSync(f, 'utf8').split('\n')) if (s) pids.add(Number(s));
    } catch {
      /* group gone */
    }
  }
  return [...pids];
}

/**
 * Kills whatever is left in the group (processes that left the server's process group, e.g. a
 * setsid'd daemon or a fork bomb) and removes its directories. Bounded: gives up after ~5 s.
 */
export async function removeGroup(ref: CgroupRef): Promise<void> {
  const deadline = Date.now() + EMPTY_WAIT_MS;
  for (;;) {
    const left = groupPids(ref);
    if (!left.length) break;
    if (Date.now() >= deadline) throw new CgroupError(`control group ${Object.values(ref.paths)[0]} still has ${left.length} process(es)`);
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await sleep(20);
  }
  for (const p of Object.values(ref.paths)) {
    for (let i = 0; ; i++) {
      try {
        await fsp.rmdir(p);
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        // EBUSY for a moment while the last exited task is released.
        if (code !== 'EBUSY' || i >= 100) throw new CgroupError(`could not remove control group ${p}: ${code}`);
        await sleep(20);
      }
    }
  }
}

/** Validates a group read back from spawner state. */
export function parseCgroupRef(v: unknown): CgroupRef | null {
  if (v === undefined || v === null) return null;
  const o = v as { version?: unknown; paths?: unknown };
  if ((o.version !== 1 && o.version !== 2) || typeof o.paths !== 'object' || o.paths === null) return null;
  const paths: Record<string, string> = {};
  for (const [k, p] of Object.entries(o.paths)) {
    // Only directories below a cgroup mount's nbhub group: state is not trusted to name others.
    if (typeof p !== 'string' || !path.isAbsolute(p) || !p.split('/').includes('nbhub') || p.includes('..')) return null;
    paths[k] = p;
  }
  return { version: o.version, paths };
}
