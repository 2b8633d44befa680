// CPU time and memory of a process and its descendants, from /proc: utime+stime (clock ticks,
// 100/s on Linux) and VmRSS / VmHWM (peak RSS as the kernel recorded it).
import { readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_S = 100;

export interface ProcSample {
  pid: number;
  command: string;
  cpuS: number;
  rssMb: number;
  peakRssMb: number;
}

function stat(pid: number): { ppid: number; cpuS: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // after "pid (comm) ": state=f[0], ppid=f[1], … utime=f[11], stime=f[12]
    return { ppid: Number(f[1]), cpuS: (Number(f[11]) + Number(f[12])) / TICKS_PER_S };
  } catch {
    return null;
  }
}

function memMb(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function command(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(0, 3).map((a) => a.split('/').slice(-2).join('/')).join(' ');
  } catch {
    return '?';
  }
}

/** The process and every live descendant, root first. */
export function processTree(root: number): ProcSample[] {
  const parent = new Map<number, number>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const s = stat(Number(e));
    if (s) parent.set(Number(e), s.ppid);
  }
  const inTree = (pid: number): boolean => {
    for (let p = pid, i = 0; p > 1 && i < 64; p = parent.get(p) ?? 0, i++) if (p === root) return true;
    return false;
  };
  return [...parent.keys()]
    .filter(inTree)
    .sort((a, b) => (a === root ? -1 : b === root ? 1 : a - b))
    .map((pid) => ({ pid, command: command(pid), cpuS: stat(pid)?.cpuS ?? 0, rssMb: memMb(pid, 'VmRSS'), peakRssMb: memMb(pid, 'VmHWM') }));
}

/** Polls the tree's RSS so a peak across several processes is seen (VmHWM is per process). */
export class TreeSampler {
  peakTreeRssMb = 0;
  private timer: NodeJS.Timeout | null = null;
  constructor(private readonly root: number) {}
  start(intervalMs = 500): void {
    this.timer = setInterval(() => {
      const rss = processTree(this.root).reduce((a, p) => a + p.rssMb, 0);
      this.peakTreeRssMb = Math.max(this.peakTreeRssMb, rss);
    }, intervalMs);
    this.timer.unref();
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
