// What the Kubernetes benchmark needs from each hub (nbhub, and JupyterHub + KubeSpawner).

export interface K8sHub {
  /** e.g. "nbhub 0.1.0" */
  label: string;
  /** The public proxy URL, with a trailing slash: http://127.0.0.1:P/ */
  publicUrl: string;
  /** Admin-scoped API token. */
  token: string;
  /** The hub process (its descendants, e.g. a proxy, are measured with it). */
  pid: number;
  logFile: string;
  /** How this hub is set up, for the report. */
  setup: string;
  errorLines(): string[];
  warnLines(): string[];
  /** Why the hub is no longer usable (exited), or null while it runs. */
  failure(): string | null;
  stop(): Promise<void>;
}

export interface K8sSideOptions {
  /** Fresh directory for this side's config, data and logs. */
  workDir: string;
  repoDir: string;
  token: string;
  /** kubeconfig pointing at the counting proxy. */
  kubeconfig: string;
  namespace: string;
  users: number;
  storage: 'dynamic' | 'none';
  spawnTimeoutMs: number;
}
