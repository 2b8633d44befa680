// One server's in-memory lifecycle as a single state union and a pure transition function
// (instead of JupyterHub's `_spawn_pending` / `_stop_pending` / … booleans).
//
//   from              event                           to
//   stopped, failed   request-spawn                   spawn-queued (position)
//   stopped, failed   adopt (hub restart found it)    running
//   failed            request-stop                    stopped (clears the failure)
//   spawn-queued      queue-position                  spawn-queued (new position)
//   spawn-queued      slot-granted                    spawning
//   spawn-queued      cancel, request-stop            stopped (nothing was started)
//   spawn-queued      spawn-failed                    failed
//   spawning          started                         waiting-ready (target)
//   waiting-ready     ready                           running
//   spawning, w-r     spawn-failed, exited            failed
//   spawning, w-r     cancel, request-stop            stopping
//   running           request-stop                    stopping
//   running           exited                          stopped if code 0 without reason, else failed
//   stopping          stopped, exited                 stopped
//
// Invalid transitions return an error value with a stable code; nothing throws.

export interface FailureInfo {
  /** Message for the user (no secrets). */
  reason: string;
  exitCode: number | null;
  /** Last lines of the server's output, oldest first. */
  logTail: readonly string[];
}

export type ServerState =
  | { phase: 'stopped'; since: Date }
  | { phase: 'spawn-queued'; since: Date; /** 1 = next in line. */ position: number }
  | { phase: 'spawning'; since: Date }
  | { phase: 'waiting-ready'; since: Date; /** http://host:port (no path). */ target: string }
  | { phase: 'running'; since: Date; target: string }
  | { phase: 'stopping'; since: Date }
  | ({ phase: 'failed'; since: Date } & FailureInfo);

export type ServerPhaseName = ServerState['phase'];

export type ServerEvent =
  | { type: 'request-spawn'; position: number }
  | { type: 'queue-position'; position: number }
  | { type: 'slot-granted' }
  | { type: 'started'; target: string }
  | { type: 'ready' }
  | ({ type: 'spawn-failed' } & FailureInfo)
  | { type: 'request-stop' }
  | { type: 'stopped' }
  | { type: 'exited'; exitCode: number | null; logTail: readonly string[]; reason?: string }
  | { type: 'adopt'; target: string }
  | { type: 'cancel' };

export type ServerEventType = ServerEvent['type'];

/**
 * Stable codes for refused events, so callers can map them (e.g. spawn while running → 400,
 * spawn while pending → 202, stop while stopping → 202, stop while stopped → no-op).
 */
export type TransitionErrorCode = 'already-running' | 'already-pending' | 'stop-pending' | 'not-running' | 'invalid-transition';

export interface TransitionError {
  code: TransitionErrorCode;
  from: ServerPhaseName;
  event: ServerEventType;
  message: string;
}

export type TransitionResult = { ok: true; state: ServerState } | { ok: false; error: TransitionError };

export const ALL_PHASES: readonly ServerPhaseName[] = ['stopped', 'spawn-queued', 'spawning', 'waiting-ready', 'running', 'stopping', 'failed'];
export const ALL_EVENT_TYPES: readonly ServerEventType[] = [
  'request-spawn', 'queue-position', 'slot-granted', 'started', 'ready', 'spawn-failed', 'request-stop', 'stopped', 'exited', 'adopt', 'cancel',
];

export function initialServerState(now: Date): ServerState {
  return { phase: 'stopped', since: now };
}

const PENDING_SPAWN: ReadonlySet<ServerPhaseName> = new Set(['spawn-queued', 'spawning', 'waiting-ready']);

function refuse(state: ServerState, event: ServerEvent): TransitionError {
  const from = state.phase;
  const ev = event.type;
  let code: TransitionErrorCode = 'invalid-transition';
  if (ev === 'request-spawn' && from === 'running') code = 'already-running';
  else if (ev === 'request-spawn' && PENDING_SPAWN.has(from)) code = 'already-pending';
  else if ((ev === 'request-spawn' || ev === 'request-stop') && from === 'stopping') code = 'stop-pending';
  else if ((ev === 'request-stop' || ev === 'cancel') && from === 'stopped') code = 'not-running';
  const messages: Record<TransitionErrorCode, string> = {
    'already-running': 'server is already running',
    'already-pending': 'server is already starting',
    'stop-pending': 'server is stopping',
    'not-running': 'server is not running',
    'invalid-transition': `event ${ev} is not valid while the server is ${from}`,
  };
  return { code, from, event: ev, message: messages[code] };
}

function failedFrom(info: FailureInfo, now: Date): ServerState {
  return { phase: 'failed', since: now, reason: info.reason, exitCode: info.exitCode, logTail: [...info.logTail] };
}

function exitReason(exitCode: number | null, reason: string | undefined): string {
  if (reason) return reason;
  return exitCode === null ? 'The server process ended unexpectedly' : `The server process exited with code ${exitCode}`;
}

/** Next state, or null when the event is not valid in this state. */
function next(state: ServerState, event: ServerEvent, now: Date): ServerState | null {
  switch (state.phase) {
    case 'stopped':
    case 'failed':
      if (event.type === 'request-spawn') return { phase: 'spawn-queued', since: now, position: Math.max(1, event.position) };
      if (event.type === 'adopt') return { phase: 'running', since: now, target: event.target };
      if (event.type === 'request-stop' && state.phase === 'failed') return { phase: 'stopped', since: now };
      return null;
    case 'spawn-queued':
      if (event.type === 'queue-position') return { ...state, position: Math.max(1, event.position) };
      if (event.type === 'slot-granted') return { phase: 'spawning', since: now };
      if (event.type === 'cancel' || event.type === 'request-stop') return { phase: 'stopped', since: now };
      if (event.type === 'spawn-failed') return failedFrom(event, now);
      return null;
    case 'spawning':
    case 'waiting-ready':
      if (event.type === 'started' && state.phase === 'spawning') return { phase: 'waiting-ready', since: now, target: event.target };
      if (event.type === 'ready' && state.phase === 'waiting-ready') return { phase: 'running', since: now, target: state.target };
      if (event.type === 'spawn-failed') return failedFrom(event, now);
      if (event.type === 'exited') {
        return failedFrom({ reason: exitReason(event.exitCode, event.reason), exitCode: event.exitCode, logTail: event.logTail }, now);
      }
      if (event.type === 'cancel' || event.type === 'request-stop') return { phase: 'stopping', since: now };
      return null;
    case 'running':
      if (event.type === 'request-stop') return { phase: 'stopping', since: now };
      if (event.type === 'exited') {
        // exit code 0: the user shut the server down themselves (e.g. File → Shut Down)
        if (event.exitCode === 0 && !event.reason) return { phase: 'stopped', since: now };
        return failedFrom({ reason: exitReason(event.exitCode, event.reason), exitCode: event.exitCode, logTail: event.logTail }, now);
      }
      return null;
    case 'stopping':
      if (event.type === 'stopped' || event.type === 'exited') return { phase: 'stopped', since: now };
      return null;
  }
}

/** Applies one event. Pure: `now` stamps the new state's `since`. */
export function transition(state: ServerState, event: ServerEvent, now: Date): TransitionResult {
  const s = next(state, event, now);
  return s ? { ok: true, state: s } : { ok: false, error: refuse(state, event) };
}

/** The API's `pending` field: 'spawn' | 'stop' | null. */
export function pendingOf(state: ServerState): 'spawn' | 'stop' | null {
  if (PENDING_SPAWN.has(state.phase)) return 'spawn';
  return state.phase === 'stopping' ? 'stop' : null;
}

/** The API's `ready`: running (and routed — the caller adds the route before `ready`). */
export function isReady(state: ServerState): boolean {
  return state.phase === 'running';
}

/** JupyterHub's `active`: pending or ready (counts toward activeServerLimit). */
export function isActive(state: ServerState): boolean {
  return state.phase !== 'stopped' && state.phase !== 'failed';
}

/** The phase persisted in the store (src/store/types.ts ServerPhase). */
export function persistedPhase(state: ServerState): 'stopped' | 'spawning' | 'running' | 'stopping' {
  if (PENDING_SPAWN.has(state.phase)) return 'spawning';
  if (state.phase === 'running' || state.phase === 'stopping') return state.phase;
  return 'stopped';
}
