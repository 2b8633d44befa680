// Starting a hub under benchmark (nbhub or JupyterHub) as its own process: start it, wait until
// its REST API answers through its public URL (failing at once, with the log's tail, if the
// process exits first), and adopt the configurable-http-proxy JupyterHub starts, if any, so the
// run stops it too.
import { existsSync, readFileSync } from 'node:fs';
import { waitForHttp } from './http.ts';
import { logTail, type ManagedProcess, type ProcessRegistry, type ProcessSpec } from './processes.ts';

export interface StartedHub {
  process: ManagedProcess;
  /** http://127.0.0.1:<port>/ */
  publicUrl: string;
  /** The hub's log, line by line (empty when it cannot be read). */
  logLines(): string[];
  /** Why the hub is gone (exit status and log tail), or null while it runs. */
  failure(): string | null;
}

export async function startHubProcess(
  procs: ProcessRegistry,
  spec: ProcessSpec & { port: number; /** JupyterHub's c.ConfigurableHTTPProxy.pid_file */ chpPidFile?: string },
): Promise<StartedHub> {
  const { port, chpPidFile, ...processSpec } = spec;
  const hub = procs.start(processSpec);
  const failure = () => {
    const e = hub.exited();
    return e ? `${spec.name} exited (${e.code ?? e.signal}); log tail:\n${logTail(spec.logFile)}` : null;
  };
  const publicUrl = `http://127.0.0.1:${port}/`;
  try {
    await waitForHttp(`${publicUrl}hub/api`, { timeoutMs: 90_000, intervalMs: 100, abortIf: failure });
  } finally {
    if (chpPidFile !== undefined && existsSync(chpPidFile)) procs.adopt(Number(readFileSync(chpPidFile, 'utf8').trim()), 'configurable-http-proxy');
  }
  return {
    process: hub,
    publicUrl,
    failure,
    logLines: () => {
      try {
        return readFileSync(spec.logFile, 'utf8').split('\n');
      } catch {
        return [];
      }
    },
  };
}
