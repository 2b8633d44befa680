// Hub benchmark: JupyterHub 5.x (+ configurable-http-proxy) and nbhub on this machine, one
// after the other, measured the same way; prints tables with nbhub/JupyterHub ratios and
// writes the summary to bench/results/hub-<date>.md.
//
//   node --import tsx bench/hub/run.ts [--duration 10] [--warmup 2] [--connections 10]
//        [--users 2000] [--spawns 5] [--only jupyterhub|nbhub] [--keep]
import { parseArgs } from 'node:util';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcessRegistry } from '../lib/processes.ts';
import { cacheDir } from '../../src/hub/spawnerSetup.ts';
import type { HubResults, LoadSettings, Outcome } from './measurements.ts';
import type { HubUnderTest, SideOptions } from './types.ts';
import { chpVersion, jupyterhubVersion, startJupyterHub } from './jupyterhubPeer.ts';
import { startNbhub } from './nbhubSide.ts';
import { measureApiGet } from './apiLoad.ts';
import { measureLogin } from './loginLoad.ts';
import { measureCreateUsers } from './createUsers.ts';
import { measureSpawns } from './spawnReady.ts';
import { StandaloneSingleuser } from './singleuserStartup.ts';
import { HubApi } from './hubApi.ts';
import { detailTables, problemsSection, setupSection, summaryTable, type RunInfo } from './report.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '10' },
    users: { type: 'string', default: '2000' },
    spawns: { type: 'string', default: '5' },
    only: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
  strict: true,
});

function intArg(name: string, v: string | undefined, lo: number, hi: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new Error(`--${name} must be an integer from ${lo} to ${hi}, not ${v}`);
  return n;
}

const settings = {
  durationS: intArg('duration', args.duration, 1, 120),
  warmupS: intArg('warmup', args.warmup, 0, 30),
  connections: intArg('connections', args.connections, 1, 200),
  threads: 1,
  users: intArg('users', args.users, 1, 20_000),
  spawns: intArg('spawns', args.spawns, 1, 20),
};
if (args.only && args.only !== 'jupyterhub' && args.only !== 'nbhub') throw new Error(`--only must be jupyterhub or nbhub, not ${args.only}`);

const log = (msg: string) => process.stderr.write(`[bench/hub] ${msg}\n`);

async function attempt<T>(what: string, fn: () => Promise<T>, describe: (v: T) => string): Promise<Outcome<T>> {
  log(`${what} …`);
  try {
    const value = await fn();
    log(`${what}: ${describe(value)}`);
    return { ok: true, value };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    log(`${what}: FAILED: ${error}`);
    return { ok: false, error };
  }
}

function preflight(venvDir: string): void {
  const missing: string[] = [];
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore', timeout: 10_000 });
  } catch (e) {
    // wrk --version exits 1 after printing its usage; only a missing binary matters.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') missing.push('wrk (apt-get install wrk)');
  }
  if (!existsSync(path.join(venvDir, 'bin', 'jupyterhub'))) missing.push(`JupyterHub in ${venvDir} (bash scripts/setup-python.sh)`);
  if (!existsSync(path.join(REPO, 'node_modules', '.bin', 'configurable-http-proxy'))) missing.push('configurable-http-proxy (npm install)');
  if (missing.length) throw new Error(`missing: ${missing.join(', ')}`);
}

const loadAverage = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

const errOut = (error: string): Outcome<never> => ({ ok: false, error });

async function measureHub(
  name: string,
  start: () => Promise<HubUnderTest>,
  names: { api: string; login: string; bulk: string; spawn: string[] },
  load: LoadSettings,
  alone: StandaloneSingleuser,
  cleaned: string[],
): Promise<HubResults> {
  let hub: HubUnderTest;
  try {
    log(`starting ${name} …`);
    hub = await start();
  } catch (e) {
    const error = `did not start: ${(e as Error).message}`;
    log(`${name} ${error}`);
    return {
      label: name,
      spawnSetup: '',
      components: '',
      apiViaProxy: errOut(error),
      apiDirect: errOut(error),
      login: errOut(error),
      createUsers: errOut(error),
      spawn: errOut(error),
      logErrors: { count: 0, first: [] },
      loadAverage: loadAverage(),
      failure: error,
    };
  }
  const h = hub;
  // If the run is interrupted, cleanup() still removes what this hub's spawns left behind.
  const pendingCleanup = () => h.cleanupAfterStop(names.spawn);
  afterStop.add(pendingCleanup);
  const load0 = loadAverage();
  log(`${h.label} is up at ${h.publicUrl} (hub at ${h.hubUrl}); log: ${h.logFile}`);
  const rps = (m: { result: { rps: number; latencyMs: { mean: number } }; errors: number }) =>
    `${m.result.rps.toFixed(0)} req/s, mean ${m.result.latencyMs.mean.toFixed(1)} ms, ${m.errors} errors`;
  try {
    await new HubApi(h).createUser(names.api);
    const apiViaProxy = await attempt(`${h.label}: GET /hub/api/users/{name} via proxy`, () => measureApiGet(h, 'proxy', names.api, load, procs), rps);
    const apiDirect = await attempt(`${h.label}: GET /hub/api/users/{name} direct`, () => measureApiGet(h, 'direct', names.api, load, procs), rps);
    const login = await attempt(`${h.label}: POST /hub/login`, () => measureLogin(h, names.login, load, procs), rps);
    const createUsers = await attempt(`${h.label}: POST /hub/api/users (${settings.users})`, () => measureCreateUsers(h, names.bulk, settings.users, names.api), (m) => `${(m.wallMs / 1000).toFixed(2)} s${m.notes.length ? `; ${m.notes.join('; ')}` : ''}`);
    const spawn = await attempt(`${h.label}: spawn → ready ×${names.spawn.length}`, () => measureSpawns(h, names.spawn, alone), (m) =>
      `median ${m.medianMs.toFixed(0)} ms (${m.samples.map((s) => s.readyMs.toFixed(0)).join(', ')}); server alone median ${m.alone.medianMs.toFixed(0)} ms (${m.alone.samplesMs.map((x) => x.toFixed(0)).join(', ')}); overhead ${m.overheadMs.toFixed(0)} ms`,
    );
    const errs = h.errorLines();
    return {
      label: h.label,
      spawnSetup: h.spawnSetup,
      components: h.components,
      apiViaProxy,
      apiDirect,
      login,
      createUsers,
      spawn,
      logErrors: { count: errs.length, first: errs.slice(0, 5) },
      loadAverage: load0,
      failure: h.failure(),
    };
  } finally {
    log(`stopping ${h.label} …`);
    await h.stop();
    afterStop.delete(pendingCleanup);
    cleaned.push(...(await h.cleanupAfterStop(names.spawn)));
  }
}

const runId = randomBytes(3).toString('hex');
const procs = new ProcessRegistry(`hub-${runId}-${process.pid}`);
const workRoot = mkdtempSync(path.join(os.tmpdir(), 'nbhub-bench-hub-'));
// nbhub's per-user accounts must be able to traverse to their homes under the data dir.
chmodSync(workRoot, 0o711);
let keepWork = args.keep;
let cleanedUp = false;
/** Per-hub clean-ups still owed (run by cleanup() after every process is stopped). */
const afterStop = new Set<() => Promise<string[]>>();

async function cleanup(): Promise<string[]> {
  if (cleanedUp) return [];
  cleanedUp = true;
  const leftovers = await procs.stopAll();
  for (const f of afterStop) {
    const removed = await f().catch((e: unknown) => [`clean-up failed: ${(e as Error).message}`]);
    for (const r of removed) log(`removed ${r}`);
  }
  afterStop.clear();
  if (!keepWork) rmSync(workRoot, { recursive: true, force: true });
  else log(`work files kept in ${workRoot}`);
  return leftovers;
}

process.on('exit', () => procs.killAllSync());
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log(`${sig}: stopping everything this run started …`);
    keepWork = true;
    void cleanup().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const venvDir = path.join(cacheDir(), 'venv');
  preflight(venvDir);
  const token = randomBytes(32).toString('hex');
  const load: LoadSettings = { ...settings, workDir: workRoot };
  const names = {
    api: `api-${runId}`,
    login: `login-${runId}-`,
    bulk: `bulk-${runId}-`,
    spawn: Array.from({ length: settings.spawns }, (_, i) => `spawn-${runId}-${i}`),
  };
  const side = (dir: string): SideOptions => {
    const workDir = path.join(workRoot, dir);
    mkdirSync(workDir, { recursive: true });
    return { workDir, token, repoDir: REPO, venvDir };
  };
  const cleaned: string[] = [];
  const hubs: HubResults[] = [];
  let leftovers: string[] = [];
  let alone: StandaloneSingleuser | null = null;
  try {
    alone = await StandaloneSingleuser.start(venvDir, side('singleuser').workDir, procs);
    const a = alone;
    if (args.only !== 'nbhub') hubs.push(await measureHub('JupyterHub', () => startJupyterHub(side('jupyterhub'), procs), names, load, a, cleaned));
    if (args.only !== 'jupyterhub') hubs.push(await measureHub('nbhub', () => startNbhub(side('nbhub'), procs), names, load, a, cleaned));
  } catch (e) {
    keepWork = true;
    throw e;
  } finally {
    await alone?.close();
    if (hubs.some((h) => h.failure || !h.spawn.ok || !h.login.ok)) keepWork = true;
    leftovers = await cleanup();
  }

  const date = new Date().toISOString().slice(0, 10);
  const versions = [`Node ${process.version}`];
  try {
    versions.push(`JupyterHub ${jupyterhubVersion(path.join(cacheDir(), 'venv'))}`, `configurable-http-proxy ${chpVersion(REPO)}`);
  } catch {
    // preflight already said what is missing
  }
  const info: RunInfo = {
    date,
    command: `node --import tsx bench/hub/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, load average (1/5/15 min) at the end ${loadAverage()}`,
    settings,
    versions,
  };
  const md = [
    `# Hub benchmark: nbhub vs JupyterHub (${date})`,
    '',
    '## Summary',
    '',
    summaryTable(hubs, info),
    '',
    'Ratios are nbhub ÷ JupyterHub: above 1× is better for requests/s, below 1× is better for times.',
    '',
    '## Setup',
    '',
    setupSection(hubs, info),
    '',
    '## Details',
    '',
    detailTables(hubs),
    '',
    '## Problems seen',
    '',
    problemsSection(hubs, leftovers, cleaned),
    '',
  ].join('\n');
  process.stdout.write(`\n${md}\n`);
  if (hubs.length === 2) {
    const outDir = path.join(REPO, 'bench', 'results');
    mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `hub-${date}.md`);
    writeFileSync(file, md);
    log(`written to ${path.relative(process.cwd(), file)}`);
  }
}

main().catch(async (e: unknown) => {
  log(`failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  await cleanup();
  process.exit(1);
});
