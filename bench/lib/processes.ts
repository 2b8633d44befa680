// Processes a benchmark starts, tracked by PID so that every one of them (and every
// descendant that inherited the run marker) is stopped at the end, even after a failure.
// Each child runs in its own process group with stdout/stderr appended to a log file.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, readdirSync } from 'node:fs';

/** Environment variable set on every process of one run; children inherit it. */
export const RUN_MARKER_KEY = 'NBHUB_BENCH_RUN';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string | undefined>;
  cwd?: string;
  /** stdout and stderr are appended here. */
  logFile: string;
}

export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  /** Resolves when the process has exited. */
  exit: Promise<ExitInfo>;
  /** The exit status, or null while it runs. */
  exited(): ExitInfo | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** A zombie (exited, not yet reaped) counts as gone. */
function running(pid: number): boolean {
  if (!alive(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the PID is gone (or after the kill). */
export async function stopPid(pid: number, graceMs: number): Promise<void> {
  if (!running(pid)) return;
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!running(pid)) return;
    await sleep(50);
  }
  signal(pid, 'SIGKILL');
  for (let i = 0; i < 40 && running(pid); i++) await sleep(50);
}

export class ProcessRegistry {
  private readonly procs: { p: ManagedProcess; child: ChildProcess }[] = [];
  /** PIDs learned from elsewhere (pid files), stopped with the rest. */
  private readonly extraPids = new Map<number, string>();

  constructor(readonly marker: string) {}

  start(spec: ProcessSpec): ManagedProcess {
    const fd = openSync(spec.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: { ...spec.env, [RUN_MARKER_KEY]: this.marker },
        stdio: ['ignore', fd, fd],
        detached: true,
      });
    } finally {
      closeSync(fd);
    }
    let status: ExitInfo | null = null;
    const exit = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, sig) => {
        status = { code, signal: sig };
        resolve(status);
      });
      child.once('error', () => {
        status = { code: null, signal: null };
        resolve(status);
      });
    });
    if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command}): see ${spec.logFile}`);
    const p: ManagedProcess = { name: spec.name, pid: child.pid, logFile: spec.logFile, exit, exited: () => status };
    this.procs.push({ p, child });
    return p;
  }

  /** Remember a PID this run caused (e.g. read from a pid file) so stopAll ends it too. */
  adopt(pid: number, name: string): void {
    this.extraPids.set(pid, name);
  }

  async stop(p: ManagedProcess, graceMs = 10_000): Promise<void> {
    if (p.exited()) return;
    signal(p.pid, 'SIGTERM');
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
    if ((await Promise.race([p.exit, timer])) === 'timeout') {
      signal(p.pid, 'SIGKILL');
      await Promise.race([p.exit, sleep(2_000)]);
    }
  }

  /** Live processes (other than this one) whose environment carries this run's marker. */
  markedPids(): number[] {
    const want = `${RUN_MARKER_KEY}=${this.marker}`;
    const out: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      if (pid === process.pid) continue;
      try {
        if (readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(want) && running(pid)) out.push(pid);
      } catch {
        // gone or not readable
      }
    }
    return out;
  }

  /**
   * Stops everything: the processes started here (newest first), adopted PIDs, then any
   * leftover descendant still carrying the marker (user servers, a proxy). Returns what had
   * to be cleaned up after the orderly stops, for the report.
   */
  async stopAll(graceMs = 10_000): Promise<string[]> {
    for (const { p } of [...this.procs].reverse()) await this.stop(p, graceMs);
    const leftovers: string[] = [];
    for (const [pid, name] of this.extraPids) {
      if (running(pid)) {
        leftovers.push(`${name} (pid ${pid})`);
        await stopPid(pid, graceMs);
      }
    }
    const marked = this.markedPids();
    for (const pid of marked) {
      leftovers.push(`${commandOf(pid)} (pid ${pid})`);
      signal(pid, 'SIGTERM');
    }
    for (const pid of marked) await stopPid(pid, 3_000);
    return leftovers;
  }

  /** Last resort on process exit: synchronous SIGKILL of everything known and marked. */
  killAllSync(): void {
    for (const { p } of this.procs) if (!p.exited()) signal(p.pid, 'SIGKILL');
    for (const pid of this.extraPids.keys()) if (alive(pid)) signal(pid, 'SIGKILL');
    try {
      for (const pid of this.markedPids()) signal(pid, 'SIGKILL');
    } catch {
      // /proc unreadable: nothing more to do
    }
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(0, 3).join(' ');
  } catch {
    return 'process';
  }
}

/** The last `lines` lines of a log file (for error reports). */
export function logTail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}
