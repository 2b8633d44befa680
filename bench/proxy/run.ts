// Proxy benchmark: a tiny Node backend reached directly, through configurable-http-proxy 5.x
// (npm) and through `nbhub proxy`, all in the same run on this machine, measured the same way.
// Prints Markdown tables with nbhub ÷ CHP and nbhub ÷ direct ratios and writes them to
// bench/results/proxy-<date>.md.
//
//   node --import tsx bench/proxy/run.ts [--duration 5] [--repeat 3] [--routes 10000] [--no-write]
//
// Each load cell runs the three peers in rotation `repeat` times and keeps the median run.
// Everything is bounded: wrk runs for --duration seconds, the whole run for at most 30 minutes.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ProcessRegistry } from '../lib/processes.ts';
import { routeAddLatency, websocketEcho, type RouteAddResult, type WsResult } from './extras.ts';
import { chpVersion, closeApiAgent, installRoutes, nginxVersion, REPO, startBackend, startNginx, startProxyPeer, type Peer, type PeerName } from './peers.ts';
import { renderReport, type Cell, type Report } from './report.ts';
import { runLoad, type LoadResult } from './wrk.ts';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    repeat: { type: 'string', default: '3' },
    routes: { type: 'string', default: '10000' },
    'no-write': { type: 'boolean', default: false },
  },
  strict: true,
});

function intArg(name: string, value: string | undefined, lo: number, hi: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new Error(`--${name} must be an integer from ${lo} to ${hi}, not ${value}`);
  return n;
}

const durationS = intArg('duration', args.duration, 1, 60);
const repeat = intArg('repeat', args.repeat, 1, 9);
const manyRoutes = intArg('routes', args.routes, 10, 100_000);
const RUN_LIMIT_MS = 30 * 60_000;
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const log = (msg: string) => process.stderr.write(`[bench/proxy] ${msg}\n`);

function preflight(): void {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore', timeout: 10_000 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('wrk is missing (apt-get install wrk)');
  }
  if (!existsSync(path.join(REPO, 'node_modules/configurable-http-proxy/bin/configurable-http-proxy'))) {
    throw new Error('configurable-http-proxy is missing (npm ci installs it as a devDependency)');
  }
}

/** utime + stime of a process in seconds (/proc/<pid>/stat fields 14 and 15). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function medianBy<T>(runs: T[], key: (r: T) => number): T {
  const sorted = [...runs].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

async function main(): Promise<void> {
  preflight();
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'nbhub-bench-proxy-'));
  const procs = new ProcessRegistry(`proxy-${process.pid}-${Date.now()}`);
  process.on('exit', () => procs.killAllSync());
  const limit = setTimeout(() => {
    log(`run exceeded ${RUN_LIMIT_MS / 60_000} minutes; stopping everything`);
    procs.killAllSync();
    process.exit(1);
  }, RUN_LIMIT_MS);
  limit.unref();
  const started = new Date();
  let succeeded = false;
  try {
    log(`work dir ${workDir}`);
    const direct = await startBackend(procs, workDir);
    const chp = await startProxyPeer('chp', procs, workDir);
    const nbhub = await startProxyPeer('nbhub', procs, workDir);
    const nginxAt = nginxVersion();
    const nginx = nginxAt === null ? null : await startNginx(procs, workDir, direct.origin);
    if (nginx === null) log('nginx is not installed (apt-get install nginx-light): no reference column');
    const peers: Peer[] = nginx === null ? [direct, chp, nbhub] : [direct, chp, nbhub, nginx];
    const proxies = [chp, nbhub];
    for (const p of proxies) await installRoutes(p.apiUrl!, direct.origin, 0, 10);

    const cells: Cell[] = [];
    const loadCell = async (label: string, options: { connections: number; routes: number; suffix?: string; delayMs?: number }) => {
      const runs: Record<PeerName, LoadResult[]> = { direct: [], chp: [], nbhub: [], nginx: [] };
      for (let r = 0; r < repeat; r++) {
        for (const peer of peers) {
          const cpuBefore = cpuSeconds(peer.process.pid);
          const result = await runLoad({ origin: peer.origin, durationS, label: `${label} ${peer.name} ${r}`, workDir, ...options }, procs);
          result.cpuUsPerRequest = ((cpuSeconds(peer.process.pid) - cpuBefore) * 1e6) / Math.max(1, result.requests);
          if (result.errors > 0) log(`${label} ${peer.name}: ${result.errors} errors`);
          runs[peer.name].push(result);
        }
      }
      // a paced cell offers the same load to every peer: its representative run is the one with
      // the median p99, not the median throughput
      const key = options.delayMs ? (x: LoadResult) => x.p99Ms : (x: LoadResult) => x.rps;
      const cell: Cell = {
        label,
        direct: medianBy(runs.direct, key),
        chp: medianBy(runs.chp, key),
        nbhub: medianBy(runs.nbhub, key),
        nginx: runs.nginx.length > 0 ? medianBy(runs.nginx, key) : null,
      };
      log(`${label}: direct ${Math.round(cell.direct.rps)}/s, CHP ${Math.round(cell.chp.rps)}/s, nbhub ${Math.round(cell.nbhub.rps)}/s` + (cell.nginx ? `, nginx ${Math.round(cell.nginx.rps)}/s` : ''));
      cells.push(cell);
      return cell;
    };

    await loadCell('small, 10 routes, 10 connections', { connections: 10, routes: 10 });
    await loadCell('small, 10 routes, 50 connections', { connections: 50, routes: 10 });
    await loadCell('small, 10 routes, 100 connections', { connections: 100, routes: 10 });
    const paced = await loadCell('small, 10 routes, 50 connections, paced', { connections: 50, routes: 10, delayMs: 10 });
    const download = await loadCell('10 MB download, 4 connections', { connections: 4, routes: 1, suffix: '/big' });

    const ws: Record<PeerName, WsResult[]> = { direct: [], chp: [], nbhub: [], nginx: [] };
    for (let r = 0; r < repeat; r++) for (const peer of peers) ws[peer.name].push(await websocketEcho(peer.origin, 10, durationS));
    const wsCell = {
      direct: medianBy(ws.direct, (x) => x.messagesPerS),
      chp: medianBy(ws.chp, (x) => x.messagesPerS),
      nbhub: medianBy(ws.nbhub, (x) => x.messagesPerS),
      nginx: ws.nginx.length > 0 ? medianBy(ws.nginx, (x) => x.messagesPerS) : null,
    };
    log(`websocket echo: direct ${Math.round(wsCell.direct.messagesPerS)}/s, CHP ${Math.round(wsCell.chp.messagesPerS)}/s, nbhub ${Math.round(wsCell.nbhub.messagesPerS)}/s`);

    const routeAdd: Record<'chp' | 'nbhub', RouteAddResult> = {
      chp: await routeAddLatency(chp.apiUrl!, direct.origin, 1000),
      nbhub: await routeAddLatency(nbhub.apiUrl!, direct.origin, 1000),
    };
    log(`route add p50: CHP ${routeAdd.chp.p50Ms.toFixed(3)} ms, nbhub ${routeAdd.nbhub.p50Ms.toFixed(3)} ms`);

    const install: Record<'chp' | 'nbhub', number> = { chp: 0, nbhub: 0 };
    for (const p of proxies) {
      const t0 = Date.now();
      await installRoutes(p.apiUrl!, direct.origin, 10, manyRoutes);
      install[p.name as 'chp' | 'nbhub'] = (Date.now() - t0) / 1000;
    }
    await loadCell(`small, ${manyRoutes.toLocaleString('en-US')} routes, 10 connections`, { connections: 10, routes: manyRoutes });
    await loadCell(`small, ${manyRoutes.toLocaleString('en-US')} routes, 100 connections`, { connections: 100, routes: manyRoutes });

    const report: Report = {
      date: started,
      durationS,
      repeat,
      manyRoutes,
      node: process.version,
      chpVersion: chpVersion(),
      nginxVersion: nginxAt,
      cpus: os.cpus().length,
      commit: gitCommit(),
      cells,
      paced,
      download,
      ws: wsCell,
      routeAdd,
      installS: install,
    };
    const markdown = renderReport(report);
    process.stdout.write(`\n${markdown}\n`);
    if (!args['no-write']) {
      const dir = path.join(REPO, 'bench/results');
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `proxy-${started.toISOString().slice(0, 10)}.md`);
      writeFileSync(file, markdown);
      log(`wrote ${path.relative(REPO, file)}`);
    }
    succeeded = true;
  } finally {
    closeApiAgent();
    const leftovers = await procs.stopAll(5_000);
    if (leftovers.length > 0) log(`had to clean up: ${leftovers.join(', ')}`);
    clearTimeout(limit);
    // logs (wrk output, each peer's log) stay for a look when something failed
    if (succeeded) rmSync(workDir, { recursive: true, force: true });
    else log(`logs kept in ${workDir}`);
  }
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8', timeout: 5_000 }).trim();
  } catch {
    return 'unknown';
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    log(`FAILED: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exit(1);
  },
);
