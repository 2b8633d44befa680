// The measurement: N users, N spawn requests at once, then N stops, against one hub.
//
// Spawn: POST /hub/api/users/<u>/server for every user (at most `concurrency` POSTs in flight);
// 201 = ready; 202 = read that user's progress event stream until its ready event. Meanwhile
// the bench's own pod watch (podTimes.ts) says when every pod was Running, and a poll of
// GET /hub/api/users?state=ready (every 2 s) says when the hub listed all as ready.
// Stop: DELETE …/server for every user, then until the watch has seen every pod gone and the
// hub lists no active server. Every wait is bounded in time.
import { performance } from 'node:perf_hooks';
import { fetchBounded } from '../lib/http.ts';
import { awaitReadyEvent } from '../lib/progress.ts';
import type { PodTimes } from './podTimes.ts';
import { processTree, TreeSampler, type ProcSample } from './procStats.ts';
import type { K8sHub } from './types.ts';

export interface StormOptions {
  users: string[];
  concurrency: number;
  spawnTimeoutMs: number;
  stopTimeoutMs: number;
  log: (msg: string) => void;
}

export interface PhaseCpu {
  /** CPU seconds of the hub process itself during the phase. */
  hubS: number;
  /** CPU seconds of the hub and all its descendants (e.g. a separate proxy process). */
  treeS: number;
  wallS: number;
  procs: ProcSample[];
}

export interface StormResult {
  users: number;
  createUsersMs: number;
  spawn: {
    /** Epoch ms (performance.timeOrigin + now()) of the first POST and of the phase's end: the API call window. */
    from: number;
    to: number;
    postStatuses: Record<string, number>;
    /** POST sent → ready, per user that got ready */
    readyMs: number[];
    /** pod Running (bench watch) → hub said ready, per user */
    runningToReadyMs: number[];
    failures: string[];
    /** from the first POST */
    /** null unless every pod got Running / every spawn got ready */
    allRunningMs: number | null;
    allReadyMs: number | null;
    /** when the last pod that got Running did, and how many did; the same for ready */
    lastRunning: { ms: number; count: number } | null;
    lastReady: { ms: number; count: number } | null;
    allListedReadyMs: number | null;
    /** how many users answered 200 on /user/<u>/api through the hub's proxy, of how many tried */
    proxied: { ok: number; tried: number; other: string[] };
    podsPerNode: Record<string, number>;
    cpu: PhaseCpu;
  };
  stop: {
    from: number;
    to: number;
    deleteStatuses: Record<string, number>;
    failures: string[];
    allGoneMs: number | null;
    allListedStoppedMs: number | null;
    cpu: PhaseCpu;
  };
  peakRssMb: number;
  peakTreeRssMb: number;
}

/** performance.now() → epoch ms, comparable with the counting proxy's (another process) timestamps. */
const epoch = (t: number) => performance.timeOrigin + t;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Api {
  constructor(private readonly hub: K8sHub) {}
  call(method: string, p: string, body?: unknown, timeoutMs = 60_000, headers: Record<string, string> = {}): Promise<Response> {
    return fetchBounded(`${this.hub.publicUrl}hub/api/${p}`, {
      method,
      timeoutMs,
      headers: { Authorization: `token ${this.hub.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }
  /**
   * Users with a ready server: pages of GET /hub/api/users?state=ready (200 per page) over the
   * paginated total. (JupyterHub's _pagination.total counts *active* users for state=ready, since
   * it filters ready after the query; so the items are counted, not the total.)
   */
  async countReady(): Promise<number> {
    let ready = 0;
    for (let offset = 0, page = 0; page < 50; page++, offset += 200) {
      const { items, total } = await this.page(`users?state=ready&limit=200&offset=${offset}`);
      ready += items.filter((u) => u.servers?.['']?.ready === true).length;
      if (offset + 200 >= total) break;
    }
    return ready;
  }
  /** Users with an active (starting, running or stopping) server: the pagination total. */
  async countActive(): Promise<number> {
    return (await this.page('users?state=active&limit=1')).total;
  }
  private async page(p: string): Promise<{ items: { servers?: Record<string, { ready?: boolean }> }[]; total: number }> {
    const r = await this.call('GET', p, undefined, 30_000, { Accept: 'application/jupyterhub-pagination+json' });
    const text = await r.text();
    const body = r.status === 200 ? (JSON.parse(text) as { items?: []; _pagination?: { total?: number } }) : null;
    if (!body || !Array.isArray(body.items) || typeof body._pagination?.total !== 'number') {
      throw new Error(`GET /hub/api/${p} gave no paginated list (${r.status}): ${text.slice(0, 200)}`);
    }
    return { items: body.items, total: body._pagination.total };
  }
}

/** Runs `fn` over `items` with at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

function cpuDelta(before: ProcSample[], after: ProcSample[], wallS: number, hubPid: number): PhaseCpu {
  const b = new Map(before.map((p) => [p.pid, p.cpuS]));
  const procs = after.map((p) => ({ ...p, cpuS: p.cpuS - (b.get(p.pid) ?? 0) }));
  return { hubS: procs.find((p) => p.pid === hubPid)?.cpuS ?? Number.NaN, treeS: procs.reduce((a, p) => a + p.cpuS, 0), wallS, procs };
}

const inc = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);

/** Polls until `check` returns true; returns the time it did, or null after `timeoutMs`. */
async function pollUntil(check: () => Promise<boolean>, timeoutMs: number, intervalMs: number, errors: string[]): Promise<number | null> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    try {
      if (await check()) return performance.now();
    } catch (e) {
      if (errors.length < 20) errors.push((e as Error).message);
    }
    await sleep(intervalMs);
  }
  return null;
}

export async function spawnStorm(hub: K8sHub, pods: PodTimes, o: StormOptions): Promise<StormResult> {
  const api = new Api(hub);
  const n = o.users.length;
  const sampler = new TreeSampler(hub.pid);
  sampler.start();

  // Users: one bulk POST (as an admin script would).
  const t = performance.now();
  const cr = await api.call('POST', 'users', { usernames: o.users }, 120_000);
  const crText = await cr.text();
  if (cr.status !== 201) throw new Error(`POST /hub/api/users answered ${cr.status}: ${crText.slice(0, 300)}`);
  const createUsersMs = performance.now() - t;
  o.log(`${hub.label}: created ${n} users in ${createUsersMs.toFixed(0)} ms`);

  // Spawn.
  const cpu0 = processTree(hub.pid);
  const t0 = performance.now();
  const postStatuses: Record<string, number> = {};
  /** user → POST sent → ready (ms) */
  const readyAt = new Map<string, number>();
  /** user → performance.now() when the hub said ready */
  const readyAtAbs = new Map<string, number>();
  const failures: string[] = [];
  const pollErrors: string[] = [];
  const spawns = pool(o.users, o.concurrency, async (user) => {
    const sent = performance.now();
    try {
      const r = await api.call('POST', `users/${encodeURIComponent(user)}/server`, undefined, o.spawnTimeoutMs);
      const text = await r.text();
      inc(postStatuses, String(r.status));
      if (r.status === 202) await awaitReadyEvent(hub, user, Math.round(Math.max(1_000, o.spawnTimeoutMs - (performance.now() - sent))));
      else if (r.status !== 201) throw new Error(`POST answered ${r.status}: ${text.slice(0, 200)}`);
      const now = performance.now();
      readyAt.set(user, now - sent);
      readyAtAbs.set(user, now);
    } catch (e) {
      if ((e as Error).name === 'TimeoutError' || (e as Error).name === 'AbortError') inc(postStatuses, 'client timeout');
      failures.push(`${user}: ${(e as Error).message}`);
    }
  });
  const allRunning = pods.until(`${n} pods Running`, () => pods.running() >= n, o.spawnTimeoutMs).then((at) => at - t0, (e: Error) => {
    o.log(`${hub.label}: ${e.message}`);
    return null;
  });
  // Poll the user list every 2 s until the hub lists every server as ready (or all spawns ended).
  let spawnsDone = false;
  const listed = pollUntil(async () => spawnsDone || (await api.countReady()) >= n, o.spawnTimeoutMs + 5_000, 2_000, pollErrors);
  let lastLog = 0;
  const progress = setInterval(() => {
    const s = Math.round((performance.now() - t0) / 1000);
    if (s - lastLog >= 10) {
      lastLog = s;
      o.log(`${hub.label}: ${s} s: pods present ${pods.present()}, Running ${pods.running()}; ready ${readyAt.size}, failed ${failures.length}`);
    }
  }, 1_000);
  await spawns;
  spawnsDone = readyAt.size < n; // nothing more to wait for when some failed
  const listedAt = await listed;
  clearInterval(progress);
  // Every spawn has ended: if some failed, their pods may never run; wait at most 10 s more.
  const allRunningMs = await Promise.race([allRunning, new Promise<null>((r) => setTimeout(() => r(null), readyAt.size === n ? o.spawnTimeoutMs : 10_000).unref())]);
  const tSpawnEnd = performance.now();
  const cpu1 = processTree(hub.pid);
  const allListedReadyMs = listedAt !== null && readyAt.size === n ? listedAt - t0 : null;
  o.log(`${hub.label}: spawns done: ${readyAt.size}/${n} ready, ${failures.length} failed; all Running at ${allRunningMs?.toFixed(0) ?? 'never'} ms`);

  const ranAt = [...pods.pods.values()].flatMap((p) => (p.runningAt !== null && p.runningAt >= t0 ? [p.runningAt] : []));
  const runningToReadyMs: number[] = [];
  const podsPerNode: Record<string, number> = {};
  const byUser = new Map([...pods.pods.values()].filter((p) => p.goneAt === null).map((p) => [p.user, p]));
  for (const p of byUser.values()) if (p.node) inc(podsPerNode, p.node);
  for (const [user, at] of readyAtAbs.entries()) {
    const pod = byUser.get(user);
    if (pod?.runningAt != null) runningToReadyMs.push(at - pod.runningAt);
  }

  // A sample of users through the hub's proxy: the route must lead to the pod IP.
  const proxied = { ok: 0, tried: 0, other: [] as string[] };
  for (const user of [...readyAt.keys()].slice(0, 20)) {
    proxied.tried++;
    try {
      const r = await fetchBounded(`${hub.publicUrl}user/${encodeURIComponent(user)}/api`, { timeoutMs: 10_000 });
      await r.arrayBuffer();
      if (r.status === 200) proxied.ok++;
      else proxied.other.push(`${user}: ${r.status}`);
    } catch (e) {
      proxied.other.push(`${user}: ${(e as Error).message}`);
    }
  }

  // Stop.
  const cpu2 = processTree(hub.pid);
  const s0 = performance.now();
  const deleteStatuses: Record<string, number> = {};
  const stopFailures: string[] = [];
  const deletes = pool(o.users, o.concurrency, async (user) => {
    try {
      const r = await api.call('DELETE', `users/${encodeURIComponent(user)}/server`, undefined, o.stopTimeoutMs);
      await r.arrayBuffer();
      inc(deleteStatuses, String(r.status));
    } catch (e) {
      inc(deleteStatuses, 'client error');
      stopFailures.push(`${user}: ${(e as Error).message}`);
    }
  });
  const gone = pods.until('all pods gone', () => pods.present() === 0, o.stopTimeoutMs).then((at) => at - s0, (e: Error) => {
    stopFailures.push(e.message);
    return null;
  });
  await deletes;
  const allGoneMs = await gone;
  const stoppedAt = await pollUntil(async () => (await api.countActive()) === 0, o.stopTimeoutMs, 250, stopFailures);
  const tStopEnd = performance.now();
  const cpu3 = processTree(hub.pid);
  sampler.stop();
  o.log(`${hub.label}: stopped: all pods gone after ${allGoneMs?.toFixed(0) ?? 'never'} ms; hub lists none after ${stoppedAt === null ? 'never' : (stoppedAt - s0).toFixed(0)} ms`);
  return {
    users: n,
    createUsersMs,
    spawn: {
      from: epoch(t0),
      to: epoch(tSpawnEnd),
      postStatuses,
      readyMs: [...readyAt.values()],
      runningToReadyMs,
      failures: [...failures, ...pollErrors.map((e) => `poll: ${e}`)],
      allRunningMs,
      allReadyMs: readyAt.size === n ? Math.max(...readyAtAbs.values()) - t0 : null,
      lastRunning: ranAt.length ? { ms: Math.max(...ranAt) - t0, count: ranAt.length } : null,
      lastReady: readyAtAbs.size ? { ms: Math.max(...readyAtAbs.values()) - t0, count: readyAtAbs.size } : null,
      allListedReadyMs,
      proxied,
      podsPerNode,
      cpu: cpuDelta(cpu0, cpu1, (tSpawnEnd - t0) / 1000, hub.pid),
    },
    stop: {
      from: epoch(s0),
      to: epoch(tStopEnd),
      deleteStatuses,
      failures: stopFailures,
      allGoneMs,
      allListedStoppedMs: stoppedAt === null ? null : stoppedAt - s0,
      cpu: cpuDelta(cpu2, cpu3, (tStopEnd - s0) / 1000, hub.pid),
    },
    peakRssMb: cpu3.find((p) => p.pid === hub.pid)?.peakRssMb ?? Number.NaN,
    peakTreeRssMb: sampler.peakTreeRssMb,
  };
}
