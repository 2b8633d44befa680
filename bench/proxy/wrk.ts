// wrk (Debian's package) against a loopback URL for a bounded time, with bench/proxy/load.lua:
// requests/s, bytes/s, latency percentiles and errors (non-2xx/3xx answers count as errors).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProcessRegistry } from '../lib/processes.ts';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'load.lua');

export interface LoadOptions {
  /** Origin on 127.0.0.1, e.g. http://127.0.0.1:8000 */
  origin: string;
  connections: number;
  durationS: number;
  /** Requests spread over /user/u0 … /user/u<routes-1>. */
  routes: number;
  /** Path after the route prefix (default /x). */
  suffix?: string;
  /** Pause between requests on each connection (fixed offered load), 0 = as fast as possible. */
  delayMs?: number;
  label: string;
  workDir: string;
}

export interface LoadResult {
  rps: number;
  bytesPerS: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  requests: number;
  errors: number;
  /** CPU time (user + system) the proxy process (the backend, for direct) spent per request, in µs. */
  cpuUsPerRequest?: number;
}

interface Raw {
  requests: number;
  duration_us: number;
  bytes: number;
  latency_us: { mean: number; p50: number; p90: number; p99: number; max: number };
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
}

export async function runLoad(o: LoadOptions, procs: ProcessRegistry): Promise<LoadResult> {
  const host = new URL(o.origin).hostname;
  if (host !== '127.0.0.1') throw new Error(`refusing to send load to ${host}: benchmarks only target 127.0.0.1`);
  const slug = o.label.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  const logFile = path.join(o.workDir, `wrk-${slug}.out`);
  writeFileSync(logFile, '');
  const args = ['-t1', `-c${o.connections}`, `-d${o.durationS}s`, '--timeout', '5s', '-s', SCRIPT, `${o.origin}/`];
  const env = {
    PATH: process.env.PATH,
    BENCH_ROUTES: String(o.routes),
    BENCH_SUFFIX: o.suffix ?? '/x',
    BENCH_DELAY_MS: String(o.delayMs ?? 0),
  };
  const p = procs.start({ name: `wrk ${o.label}`, command: 'wrk', args, env, logFile });
  const limitMs = (o.durationS + 20) * 1000;
  const outcome = await Promise.race([p.exit, new Promise<'limit'>((r) => setTimeout(() => r('limit'), limitMs).unref())]);
  if (outcome === 'limit') {
    await procs.stop(p, 2_000);
    throw new Error(`wrk (${o.label}) did not finish within ${limitMs / 1000} s; killed`);
  }
  const out = readFileSync(logFile, 'utf8');
  const line = out.split('\n').find((l) => l.startsWith('WRKJSON '));
  if (outcome.code !== 0 || !line) throw new Error(`wrk (${o.label}) exited with ${outcome.code ?? outcome.signal}:\n${out.slice(-2000)}`);
  const r = JSON.parse(line.slice('WRKJSON '.length)) as Raw;
  const seconds = r.duration_us / 1e6;
  const e = r.errors;
  return {
    rps: r.requests / seconds,
    bytesPerS: r.bytes / seconds,
    p50Ms: r.latency_us.p50 / 1000,
    p90Ms: r.latency_us.p90 / 1000,
    p99Ms: r.latency_us.p99 / 1000,
    maxMs: r.latency_us.max / 1000,
    requests: r.requests,
    errors: e.connect + e.read + e.write + e.status + e.timeout,
  };
}
