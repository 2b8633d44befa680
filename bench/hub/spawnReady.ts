// Measurement 4: spawn → ready of the real jupyterhub-singleuser through the REST API, one
// server at a time: create a user, POST /users/<u>/server, then (if it answered 202) read
// the progress stream until its ready event. Each server is stopped through the API before
// the next spawn. Between spawns the same server is started without a hub (alternating which
// goes first), so "hub overhead = spawn→ready − server start-up" compares like with like.
import { performance } from 'node:perf_hooks';
import { fetchBounded } from '../lib/http.ts';
import { awaitReadyEvent } from '../lib/progress.ts';
import { max, median, min } from '../lib/stats.ts';
import type { StandaloneSingleuser } from './singleuserStartup.ts';
import type { HubUnderTest } from './types.ts';
import type { SpawnMeasurement, SpawnSample, SpawnTimeline } from './measurements.ts';
import { watchServer } from './serverWatch.ts';
import { HubApi } from './hubApi.ts';

const SPAWN_LIMIT_MS = 180_000;
const STOP_LIMIT_MS = 60_000;

async function stopServer(api: HubApi, user: string): Promise<number> {
  const t0 = performance.now();
  await api.expect('DELETE', `users/${encodeURIComponent(user)}/server`, [202, 204], undefined, STOP_LIMIT_MS);
  const deadline = Date.now() + STOP_LIMIT_MS;
  while (Date.now() < deadline) {
    const u = await api.getUser(user);
    if (!u.servers || Object.keys(u.servers).length === 0) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server of ${user} still listed ${STOP_LIMIT_MS / 1000} s after DELETE`);
}

async function spawnOnce(hub: HubUnderTest, api: HubApi, user: string): Promise<SpawnSample> {
  await api.createUser(user);
  const watching = new AbortController();
  const watch = watchServer(hub.pid, user, watching.signal);
  watch.catch(() => undefined);
  const t0 = performance.now();
  let t1: number;
  let postStatus: number;
  try {
    const r = await api.call('POST', `users/${encodeURIComponent(user)}/server`, undefined, SPAWN_LIMIT_MS);
    const text = await r.text();
    if (r.status === 202) await awaitReadyEvent(hub, user, SPAWN_LIMIT_MS);
    else if (r.status !== 201) throw new Error(`${hub.label}: POST /users/${user}/server answered ${r.status}: ${text.slice(0, 300)}`);
    t1 = performance.now();
    postStatus = r.status;
  } catch (e) {
    watching.abort();
    throw e;
  }
  const readyMs = t1 - t0;
  // The hub saw the server answer, so the watcher should have too (or within a poll or two).
  const giveUp = setTimeout(() => watching.abort(), 2_000);
  let timeline: SpawnTimeline | string;
  try {
    const w = await watch;
    const beforeStartMs = w.startedAt - t0;
    const afterAnswerMs = t1 - w.answeredAt;
    timeline = { beforeStartMs, serverMs: w.answeredAt - w.startedAt, afterAnswerMs, overheadMs: beforeStartMs + afterAnswerMs };
  } catch (e) {
    timeline = (e as Error).message;
  } finally {
    clearTimeout(giveUp);
  }
  const model = await api.getUser(user);
  if (model.servers?.['']?.ready !== true) {
    throw new Error(`${hub.label}: ${user}'s server not ready in GET /users/${user} after the hub said ready: ${JSON.stringify(model.servers)}`);
  }
  let proxiedStatus: number | string;
  try {
    const p = await fetchBounded(`${hub.publicUrl}user/${encodeURIComponent(user)}/api`, { timeoutMs: 10_000 });
    await p.arrayBuffer();
    proxiedStatus = p.status;
  } catch (e) {
    proxiedStatus = (e as Error).message;
  }
  const stopMs = await stopServer(api, user);
  return { user, readyMs, postStatus, proxiedStatus, stopMs, timeline };
}

export async function measureSpawns(hub: HubUnderTest, users: string[], alone: StandaloneSingleuser): Promise<SpawnMeasurement> {
  const api = new HubApi(hub);
  const samples: SpawnSample[] = [];
  const aloneMs: number[] = [];
  try {
    for (const [i, user] of users.entries()) {
      const why = hub.failure();
      if (why) throw new Error(why);
      if (i % 2 === 0) aloneMs.push(await alone.timeOnce(`alone-${user}`));
      samples.push(await spawnOnce(hub, api, user));
      if (i % 2 === 1) aloneMs.push(await alone.timeOnce(`alone-${user}`));
    }
  } finally {
    // Whatever happened, ask the hub to stop every server this measurement may have started.
    for (const user of users.slice(samples.length)) {
      await api.call('DELETE', `users/${encodeURIComponent(user)}/server`, undefined, STOP_LIMIT_MS).then((r) => r.arrayBuffer()).catch(() => undefined);
    }
  }
  const times = samples.map((s) => s.readyMs);
  const seen = samples.map((s) => s.timeline).filter((t): t is SpawnTimeline => typeof t !== 'string');
  const direct = seen.length
    ? {
        samples: seen.length,
        beforeStartMs: median(seen.map((t) => t.beforeStartMs)),
        serverMs: median(seen.map((t) => t.serverMs)),
        afterAnswerMs: median(seen.map((t) => t.afterAnswerMs)),
        overheadMs: median(seen.map((t) => t.overheadMs)),
        maxOverheadMs: max(seen.map((t) => t.overheadMs)),
      }
    : null;
  return {
    direct,
    samples,
    medianMs: median(times),
    minMs: min(times),
    alone: {
      samplesMs: aloneMs,
      medianMs: median(aloneMs),
      minMs: min(aloneMs),
      command: alone.command,
      stubRequests: alone.stubRequests,
      firstStatus: alone.firstStatus,
    },
    overheadMs: median(times) - median(aloneMs),
    overheadMinMs: min(times) - min(aloneMs),
    overheadPairedMs: median(times.map((t, i) => t - aloneMs[i])),
  };
}
