// Runs wrk (Debian's package) against a loopback URL for a bounded time and returns its
// numbers: requests/s, latency mean/p50/p99 and responses by status code (from
// wrk-report.lua, appended to the caller's script).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProcessRegistry } from './processes.ts';

const REPORTER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'wrk-report.lua');

export interface WrkOptions {
  /** Must be on 127.0.0.1: load never leaves this machine. */
  url: string;
  connections: number;
  threads: number;
  durationS: number;
  /** Per-request timeout in seconds (late responses count as timeouts). */
  timeoutS: number;
  headers?: Record<string, string>;
  /** A Lua file defining request()/init() etc.; the reporter is appended to it. */
  script?: string;
  /** Passed to the Lua script (read there with os.getenv). */
  env?: Record<string, string>;
  /** Where the combined script and wrk's output go. */
  workDir: string;
  label: string;
}

export interface WrkResult {
  requests: number;
  durationS: number;
  rps: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  /** Responses by HTTP status code. */
  statuses: Record<string, number>;
}

interface RawReport {
  requests: number;
  duration_us: number;
  latency_us: { mean: number; p50: number; p90: number; p99: number; max: number };
  errors: WrkResult['errors'];
  statuses: Record<string, number>;
}

export function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') {
    throw new Error(`refusing to send load to ${host}: benchmarks only target 127.0.0.1`);
  }
}

export async function runWrk(o: WrkOptions, procs: ProcessRegistry): Promise<WrkResult> {
  assertLoopback(o.url);
  const slug = o.label.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  const scriptFile = path.join(o.workDir, `wrk-${slug}.lua`);
  const user = o.script ? readFileSync(o.script, 'utf8') : '';
  writeFileSync(scriptFile, `${user}\n${readFileSync(REPORTER, 'utf8')}`);
  const logFile = path.join(o.workDir, `wrk-${slug}.out`);
  writeFileSync(logFile, '');
  const args = [
    `-t${o.threads}`,
    `-c${o.connections}`,
    `-d${o.durationS}s`,
    `--timeout`,
    `${o.timeoutS}s`,
    '-s',
    scriptFile,
  ];
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push('-H', `${k}: ${v}`);
  args.push(o.url);
  const p = procs.start({ name: `wrk ${o.label}`, command: 'wrk', args, env: { PATH: process.env.PATH, ...o.env }, logFile });
  // wrk stops itself after durationS; the hard limit covers a wedged connection.
  const limitMs = (o.durationS + o.timeoutS + 15) * 1000;
  const outcome = await Promise.race([p.exit, new Promise<'limit'>((r) => setTimeout(() => r('limit'), limitMs).unref())]);
  if (outcome === 'limit') {
    await procs.stop(p, 2_000);
    throw new Error(`wrk (${o.label}) did not finish within ${limitMs / 1000} s; killed`);
  }
  const out = readFileSync(logFile, 'utf8');
  const line = out.split('\n').find((l) => l.startsWith('WRKJSON '));
  if (outcome.code !== 0 || !line) {
    throw new Error(`wrk (${o.label}) exited with ${outcome.code ?? outcome.signal}; output:\n${out.slice(-2000)}`);
  }
  const r = JSON.parse(line.slice('WRKJSON '.length)) as RawReport;
  const durationS = r.duration_us / 1e6;
  const ms = (us: number) => us / 1000;
  return {
    requests: r.requests,
    durationS,
    rps: r.requests / durationS,
    latencyMs: { mean: ms(r.latency_us.mean), p50: ms(r.latency_us.p50), p90: ms(r.latency_us.p90), p99: ms(r.latency_us.p99), max: ms(r.latency_us.max) },
    errors: r.errors,
    statuses: r.statuses,
  };
}

/** Responses whose status is not one of `expected`, plus socket errors and timeouts. */
export function unexpectedCount(r: WrkResult, expected: number[]): number {
  let n = 0;
  for (const [code, count] of Object.entries(r.statuses)) if (!expected.includes(Number(code))) n += count;
  return n + r.errors.connect + r.errors.read + r.errors.write + r.errors.timeout;
}
