// Process identity and signalling through /proc (Linux).
//
// A process is identified by (pid, start ticks): field 22 of /proc/<pid>/stat, the time the
// process started in clock ticks after boot. A PID reused by an unrelated process after a hub
// restart has different start ticks, so it is never mistaken for (or killed as) a user server.
import { readFileSync, readdirSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  /** R, S, D, Z (zombie), T, X (dead), ... */
  state: string;
  pgrp: number;
  session: number;
  startTicks: number;
}

/** Parses /proc/<pid>/stat; null when the process does not exist. Synchronous on purpose:
 *  right after spawn() the child cannot have been reaped yet. */
export function readProcStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may contain spaces and ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); field n is rest[n - 3].
  return { pid, state: rest[0], pgrp: Number(rest[2]), session: Number(rest[3]), startTicks: Number(rest[19]) };
}

export interface ProcessId {
  pid: number;
  startTicks: number;
}

/** Running iff it exists, is not a zombie, and is the same process (start ticks match). */
export function isRunning(id: ProcessId): boolean {
  const st = readProcStat(id.pid);
  return st !== null && st.startTicks === id.startTicks && st.state !== 'Z' && st.state !== 'X';
}

/**
 * Live processes of the group the server led: same process group and session as the leader's
 * pid (it was started with setsid) and started no earlier than it. Used once the leader is
 * gone, when the group id can no longer be checked through the leader itself.
 */
export function leftoverGroupMembers(id: ProcessId): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const st = readProcStat(Number(e));
    if (!st || st.state === 'Z' || st.state === 'X') continue;
    if (st.pgrp === id.pid && st.session === id.pid && st.startTicks >= id.startTicks) out.push(st.pid);
  }
  return out;
}

/**
 * Sends `signal` to the server's whole process group. While the leader lives this is one
 * kill(-pgid); afterwards each leftover member is signalled by pid. Returns how many
 * processes (or groups) were signalled; 0 means nothing of the server is left.
 */
export function signalServerGroup(id: ProcessId, signal: NodeJS.Signals): number {
  if (isRunning(id)) {
    if (trySignal(-id.pid, signal)) return 1;
  }
  const st = readProcStat(id.pid);
  // A different process now holds the pid: the group id was freed, so nothing of ours is left.
  if (st && st.startTicks !== id.startTicks) return 0;
  let n = 0;
  for (const pid of leftoverGroupMembers(id)) if (trySignal(pid, signal)) n++;
  return n;
}

function trySignal(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}
