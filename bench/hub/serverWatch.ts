// Watches a hub start one user server, from the outside: finds the server process among the
// hub's children (by JUPYTERHUB_USER in its environment), takes its start time from /proc,
// and polls its own URL (JUPYTERHUB_SERVICE_URL) until it answers. With the POST and ready
// times this splits spawn→ready into: hub work before the process starts, the server's own
// start-up, and the hub's delay between the server answering and the hub saying ready.
import { readFileSync, readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fetchBounded } from '../lib/http.ts';

const POLL_MS = 5;
const CLOCK_TICKS_PER_S = 100; // getconf CLK_TCK on Linux x86_64

export interface ServerTimeline {
  pid: number;
  /** When the kernel started the process, on performance.now()'s clock (10 ms resolution). */
  startedAt: number;
  /** When GET <server url>api first got an HTTP answer, on performance.now()'s clock. */
  answeredAt: number;
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/)) if (c) out.push(Number(c));
      } catch {
        // thread gone
      }
    }
  } catch {
    // hub gone
  }
  return out;
}

function environOf(pid: number): Map<string, string> {
  const env = new Map<string, string>();
  try {
    for (const kv of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
      const i = kv.indexOf('=');
      if (i > 0) env.set(kv.slice(0, i), kv.slice(i + 1));
    }
  } catch {
    // gone
  }
  return env;
}

/** The process's start time converted to performance.now()'s clock. */
function startedAt(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const startTicks = Number(fields[19]); // field 22 of stat; fields here start at field 3
  const uptimeS = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  const nowPerf = performance.now();
  const bootPerf = nowPerf - uptimeS * 1000;
  return bootPerf + (startTicks / CLOCK_TICKS_PER_S) * 1000;
}

/**
 * Resolves once the server of `user` started by `hubPid` answers HTTP; rejects when
 * `signal` aborts first. Start it right before asking the hub to spawn.
 */
export async function watchServer(hubPid: number, user: string, signal: AbortSignal): Promise<ServerTimeline> {
  let found: { pid: number; url: string; startedAt: number } | null = null;
  while (!signal.aborted) {
    if (!found) {
      for (const pid of childrenOf(hubPid)) {
        // Read every time: between fork and exec a child still has the hub's environment.
        const env = environOf(pid);
        const url = env.get('JUPYTERHUB_SERVICE_URL');
        if (env.get('JUPYTERHUB_USER') === user && url) {
          found = { pid, url: url.endsWith('/') ? url : `${url}/`, startedAt: startedAt(pid) };
          break;
        }
      }
    }
    if (found) {
      try {
        const r = await fetchBounded(`${found.url}api`, { timeoutMs: 5_000 });
        await r.arrayBuffer();
        return { pid: found.pid, startedAt: found.startedAt, answeredAt: performance.now() };
      } catch {
        // not listening yet
      }
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`did not see ${user}'s server process answer (${found ? `pid ${found.pid} at ${found.url}` : 'no process found among the hub’s children'})`);
}
