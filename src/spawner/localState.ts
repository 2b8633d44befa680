// The JSON a LocalProcessSpawner persists for one running server (SpawnStartResult.state).
// Everything needed to poll, stop and tail the server after a hub restart is in here.

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
  };
}
