// The Spawner contract. Implementations: local process (this folder), kubernetes (later).
// Every implementation runs the shared conformance suite `spawner.case.ts`.

export interface SpawnSpec {
  userName: string;
  /** '' for the default server. */
  serverName: string;
  /** Full environment from the hub (protocol.md §1.2) minus JUPYTERHUB_SERVICE_URL,
   *  which the spawner sets once it knows the address it binds. */
  env: Record<string, string>;
  /** The URL prefix the server serves under, e.g. /user/alice/ . */
  servicePrefix: string;
  /** Command to run (argv); already resolved from singleuser.cmd. */
  cmd: string[];
  /** Extra args appended after cmd. */
  args: string[];
  userOptions: Record<string, unknown>;
  /**
   * The user's stable id, for `{userid}` in storage and pod name templates: the identity
   * provider's id when the authenticator has one (MediaWiki's `sub`, which survives a rename
   * on the wiki), else the hub's numeric user id (KubeSpawner's `{userid}`). Absent: unknown.
   */
  userId?: string;
}

export interface ProgressEvent {
  progress: number; // 0..100
  message: string;
  html_message?: string;
}

export interface StartResult {
  /** Origin the proxy targets, no path, e.g. http://127.0.0.1:54321 */
  target: string;
  /** JSON persisted by the hub; given back to poll/stop, also after a hub restart. */
  state: Record<string, unknown>;
}

/** exitCode is null when it is unknown: killed by a signal, or the process was not started by
 *  this hub process (re-adopted after a hub restart: only its parent can read its status). */
export type PollResult =
  | { running: true }
  | { running: false; exitCode: number | null; message: string; logTail: string[] };

/** Raised by start() when the server cannot be started or died during start-up. */
export class SpawnFailedError extends Error {
  readonly code = 'SPAWN_FAILED';
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly logTail: string[],
  ) {
    super(message);
  }
}

/** Raised by calls on a spawner after close() (pending waitForExit calls reject with it). */
export class SpawnerClosedError extends Error {
  readonly code = 'SPAWNER_CLOSED';
}

export interface StartContext {
  /** Called by the spawner to report progress to the user. */
  progress(ev: ProgressEvent): void;
  /** Aborted when the hub cancels the spawn (user pressed stop, timeout). */
  signal: AbortSignal;
}

export interface Spawner {
  readonly kind: string;
  /**
   * Starts the server and resolves once the process/pod exists and has an address
   * (not necessarily answering HTTP yet: the hub polls readiness itself).
   */
  start(spec: SpawnSpec, ctx: StartContext): Promise<StartResult>;
  /** Cheap liveness check from persisted state (no network per user for kubernetes). */
  poll(state: Record<string, unknown>): Promise<PollResult>;
  /**
   * Resolves when the server exits; used by the hub to fail a spawn within a second
   * and to notice crashes. Resolves with the same shape as poll's not-running result.
   * Rejects with `signal.reason` when the signal aborts (the server keeps running), and
   * when the spawner is closed. While pending it keeps the event loop alive.
   */
  waitForExit(state: Record<string, unknown>, signal: AbortSignal): Promise<PollResult & { running: false }>;
  /** Stops the server: graceful signal, then force after the grace period. Idempotent. */
  stop(state: Record<string, unknown>, opts: { graceMs: number }): Promise<void>;
  /** Last lines of the server's output (of its latest start), for error pages; [] if none. */
  logTail(state: Record<string, unknown>, lines: number): Promise<string[]>;
  /**
   * Called when the hub deletes a user: removes what the spawner keeps per user beyond servers
   * (e.g. volume claims, when configured). Returns what was removed. Optional.
   */
  removeUserData?(userName: string): Promise<string[]>;
  /** Releases watchers/timers (not the servers); pending waitForExit calls reject. */
  close(): Promise<void>;
}
