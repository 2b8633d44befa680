// The JSON a LocalProcessSpawner persists for one running server (SpawnStartResult.state).
// Everything needed to poll, stop and tail the server after a hub restart is in here.
import { parseCgroupRef, type CgroupRef } from './cgroups.ts';

export interface LocalServerState {
  pid: number;
  port: number;
  /** Field 22 of /proc/<pid>/stat at start: guards against PID reuse. */
  startTicks: number;
  logFile: string;
  /** Unix account the server runs as. */
  account: string;
  uid: number;
  gid: number;
  home: string;
  /** The server's control group (null: limits not enforced). */
  cgroup: CgroupRef | null;
  /** The memory limit as configured (e.g. '1G'), for "out of memory (limit 1G)". */
  memoryLimit: string | null;
  /** Hub user and server, for log lines about the server (absent in older state). */
  user: string | null;
  server: string | null;
  /** The home is temporary (singleuser.storage.type none): removed when the server stops. */
  temporaryHome: boolean;
}

export class LocalStateError extends Error {
  readonly code = 'SPAWNER_STATE_INVALID';
}

export function toStateJson(s: LocalServerState): Record<string, unknown> {
  return { ...s };
}

/** Validates state read back from the store (it may come from another nbhub version). */
export function parseLocalState(state: Record<string, unknown>): LocalServerState {
  const int = (k: string): number => {
    const v = state[k];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw new LocalStateError(`local spawner state: field ${k} must be a non-negative integer, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const str = (k: string): string => {
    const v = state[k];
    if (typeof v !== 'string' || v === '') throw new LocalStateError(`local spawner state: field ${k} must be a non-empty string`);
    return v;
  };
  const optStr = (k: string): string | null => (typeof state[k] === 'string' && state[k] !== '' ? (state[k] as string) : null);
  const pid = int('pid');
  if (pid < 2) throw new LocalStateError(`local spawner state: pid ${pid} is not a user server`);
  return {
    pid,
    port: int('port'),
    startTicks: int('startTicks'),
    logFile: str('logFile'),
    account: str('account'),
    uid: int('uid'),
    gid: int('gid'),
    home: str('home'),
    cgroup: parseCgroupRef(state.cgroup),
    memoryLimit: optStr('memoryLimit'),
    user: optStr('user'),
    server: typeof state.server === 'string' ? state.server : null,
    temporaryHome: state.temporaryHome === true,
  };
}
