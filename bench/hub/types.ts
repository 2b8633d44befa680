// What the hub benchmark needs from each side (the JupyterHub peer and nbhub).

export interface HubUnderTest {
  /** e.g. "JupyterHub 5.5.4" */
  label: string;
  /** The public proxy URL a user opens, with a trailing slash: http://127.0.0.1:P/ */
  publicUrl: string;
  /** The hub process itself, behind the proxy, with a trailing slash: http://127.0.0.1:H/ */
  hubUrl: string;
  /** Admin-scoped API token (a service token from the configuration). */
  token: string;
  /** How this side starts user servers, for the report. */
  spawnSetup: string;
  /** Other components in play (proxy), for the report. */
  components: string;
  logFile: string;
  /** PID of the hub process (user servers are its children). */
  pid: number;
  /** Error-level lines its log holds so far (for reporting misbehaviour under load). */
  errorLines(): string[];
  /** Why the hub is no longer usable (exited), or null while it runs. */
  failure(): string | null;
  /** Stops the hub and what it started; safe to call twice. */
  stop(): Promise<void>;
  /**
   * After stop: removes what spawning `users` left outside the work dir (nbhub's per-user
   * Unix accounts). Returns one line per thing removed, for the report.
   */
  cleanupAfterStop(users: string[]): Promise<string[]>;
}

export interface SideOptions {
  /** Fresh directory for this side's data, config and logs. */
  workDir: string;
  token: string;
  /** Absolute path of the repository checkout. */
  repoDir: string;
  /** $NBHUB_CACHE_DIR/venv */
  venvDir: string;
}
