// Kubernetes benchmark: N simultaneous spawns against the test cluster (real etcd, kube-apiserver,
// controller-manager, scheduler; KWOK fake nodes, no containers). For each hub, on a fresh cluster:
// a responder answers on every pod IP as jupyterhub-singleuser would, the hub's kube API traffic
// goes through a counting proxy, and spawnStorm.ts measures N spawns at once and N stops.
// Prints Markdown tables and writes bench/results/k8s-<date>.md.
//
//   node --import tsx bench/k8s/run.ts [--users 500] [--nodes 5] [--storage dynamic|none] [--control-plane-qps 500]
//        [--concurrency N] [--spawn-timeout 600] [--stop-timeout 300] [--only nbhub|kubespawner] [--keep] [--no-write]
import { parseArgs } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes, randomInt } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { ProcessRegistry, logTail } from '../lib/processes.ts';
import { freePort } from '../lib/http.ts';
import { startTestCluster, type TestCluster } from '../../test/support/k8sCluster.ts';
import { writeKubeconfig, type ApiCall } from './countingProxy.ts';
import { watchPods } from './podTimes.ts';
import { spawnStorm } from './spawnStorm.ts';
import { startNbhubK8s } from './nbhubSide.ts';
import { startKubeSpawnerHub, kubespawnerVersions } from './kubespawnerPeer.ts';
import { sideDetails, summaryTable, type SideResult } from './report.ts';
import type { K8sHub, K8sSideOptions } from './types.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const NAMESPACE = 'bench-k8s';
const POD_PORT = 8888;

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '500' },
    nodes: { type: 'string' },
    storage: { type: 'string', default: 'dynamic' },
    'control-plane-qps': { type: 'string', default: '500' },
    concurrency: { type: 'string' },
    'spawn-timeout': { type: 'string', default: '600' },
    'stop-timeout': { type: 'string', default: '300' },
    only: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
  strict: true,
});

function intArg(name: string, v: string | undefined, lo: number, hi: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new Error(`--${name} must be an integer from ${lo} to ${hi}, not ${v}`);
  return n;
}

const users = intArg('users', args.users, 1, 2000);
/** 110 pods fit on a KWOK node of the test cluster; keep ~10% headroom. */
const nodes = intArg('nodes', args.nodes ?? String(Math.ceil(users / 100)), 1, 50);
/** --kube-api-qps of kube-controller-manager and kube-scheduler (0: their defaults, 20 and 50). */
const controlPlaneQps = intArg('control-plane-qps', args['control-plane-qps'], 0, 10_000);
const concurrency = intArg('concurrency', args.concurrency ?? String(users), 1, 2000);
const spawnTimeoutMs = intArg('spawn-timeout', args['spawn-timeout'], 10, 3600) * 1000;
const stopTimeoutMs = intArg('stop-timeout', args['stop-timeout'], 10, 3600) * 1000;
const storage = args.storage === 'none' ? 'none' : args.storage === 'dynamic' ? 'dynamic' : null;
if (!storage) throw new Error(`--storage must be dynamic or none, not ${args.storage}`);
if (args.only && args.only !== 'nbhub' && args.only !== 'kubespawner') throw new Error(`--only must be nbhub or kubespawner, not ${args.only}`);
if (nodes * 110 < users) throw new Error(`--nodes ${nodes}: 110 pods per node cannot hold ${users} pods`);

const log = (msg: string) => process.stderr.write(`[bench/k8s ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const loadAverage = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A random loopback pod CIDR with room for twice the pods: 127.X.Y.0/N, N from 24 down to 20. */
function pickPodCidr(): string {
  let bits = 24;
  while (bits > 20 && 2 ** (32 - bits) < 2 * users) bits--;
  const block = 2 ** (24 - bits); // how many /24s the block spans
  const third = randomInt(0, 256 / block) * block;
  return `127.${randomInt(100, 255)}.${third}.0/${bits}`;
}

const runId = randomBytes(3).toString('hex');
const procs = new ProcessRegistry(`k8s-${runId}-${process.pid}`);
const workRoot = mkdtempSync(path.join(os.tmpdir(), 'nbhub-bench-k8s-'));
let keepWork = args.keep;
const clusters = new Set<TestCluster>();
let cleanedUp = false;

async function cleanup(): Promise<string[]> {
  if (cleanedUp) return [];
  cleanedUp = true;
  const leftovers = await procs.stopAll();
  for (const c of clusters) await c.stop();
  clusters.clear();
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

async function responderStats(port: number): Promise<{ listening: number; failed: string[]; requests: number; addressesHit: number }> {
  const r = await fetch(`http://127.0.0.1:${port}/stats`, { signal: AbortSignal.timeout(5_000) });
  return (await r.json()) as { listening: number; failed: string[]; requests: number; addressesHit: number };
}

/**
 * The hostpath provisioner keeps each PV as a directory under /tmp/hostpath_pv, outside the
 * cluster's run dir: delete the claims (reclaim policy Delete) and wait, bounded, for the PVs to go.
 */
async function removeVolumes(kc: k8s.KubeConfig): Promise<string[]> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  try {
    await core.deleteCollectionNamespacedPersistentVolumeClaim({ namespace: NAMESPACE });
    for (let i = 0; i < 240; i++) {
      if ((await core.listPersistentVolume()).items.length === 0) return [];
      await sleep(500);
    }
    return [`${(await core.listPersistentVolume()).items.length} PersistentVolumes (dirs under /tmp/hostpath_pv) still there 120 s after deleting the claims`];
  } catch (e) {
    return [`could not delete the volume claims: ${(e as Error).message}`];
  }
}

async function measureSide(name: string, dir: string, start: (o: K8sSideOptions) => Promise<K8sHub>): Promise<SideResult> {
  const workDir = path.join(workRoot, dir);
  mkdirSync(workDir, { recursive: true });
  const problems: string[] = [];
  const podCidr = pickPodCidr();
  const side: SideResult = { label: name, setup: '', result: null, error: null, calls: [], problems, responder: null, loadAverage: '' };
  log(`${name}: starting a fresh test cluster (${nodes} KWOK nodes, pod CIDR ${podCidr}) …`);
  const cluster = await startTestCluster({ nodeNames: Array.from({ length: nodes }, (_, i) => `kwok-node-${i}`), podCidr, build: false, keepRunDir: keepWork, controlPlaneQps: controlPlaneQps || undefined, log: (l) => log(`  cluster: ${l}`) });
  clusters.add(cluster);
  let hub: K8sHub | null = null;
  let logSkip = { errors: 0, warns: 0 };
  const controlPort = await freePort();
  const responder = procs.start({
    name: 'responder',
    command: process.execPath,
    args: ['--import', 'tsx', path.join(REPO, 'bench', 'k8s', 'responder.ts'), '--cidr', podCidr, '--port', String(POD_PORT), '--control-port', String(controlPort)],
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    cwd: REPO,
    logFile: path.join(workDir, 'responder.log'),
  });
  const [portFile, callsFile] = [path.join(workDir, 'counting-proxy.port'), path.join(workDir, 'counting-proxy-calls.json')];
  const proxy = procs.start({
    name: 'counting-proxy',
    command: process.execPath,
    args: ['--import', 'tsx', path.join(REPO, 'bench', 'k8s', 'countingProxy.ts'), '--server', cluster.server, '--ca', cluster.caFile, '--port-file', portFile, '--calls-file', callsFile],
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    cwd: REPO,
    logFile: path.join(workDir, 'counting-proxy.log'),
  });
  let pods: Awaited<ReturnType<typeof watchPods>> | null = null;
  let kc: k8s.KubeConfig | null = null;
  try {
    let listening = 0;
    for (let i = 0; i < 240 && listening === 0; i++) {
      await sleep(250);
      if (responder.exited()) throw new Error(`responder exited: ${logTail(responder.logFile)}`);
      const s = await responderStats(controlPort).catch(() => null);
      if (s) {
        listening = s.listening;
        if (s.failed.length) problems.push(`responder could not listen on some pod IPs: ${s.failed.join('; ')}`);
      }
    }
    if (!listening) throw new Error('the responder did not come up within 60 s');
    for (let i = 0; i < 240 && !existsSync(portFile); i++) {
      if (proxy.exited()) throw new Error(`counting proxy exited: ${logTail(proxy.logFile)}`);
      await sleep(250);
    }
    const proxyUrl = `http://127.0.0.1:${readFileSync(portFile, 'utf8').trim()}`;
    log(`${name}: responder listens on ${listening} pod IPs, port ${POD_PORT}`);
    kc = new k8s.KubeConfig();
    kc.loadFromFile(cluster.kubeconfigPath);
    await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: NAMESPACE } } });
    pods = await watchPods(kc, NAMESPACE, 'component=singleuser-server');
    const kubeconfig = writeKubeconfig(path.join(workDir, 'kubeconfig-counting.json'), proxyUrl, cluster.token, NAMESPACE);
    log(`${name}: starting the hub …`);
    hub = await start({ workDir, repoDir: REPO, token: randomBytes(32).toString('hex'), kubeconfig, namespace: NAMESPACE, users, storage: storage!, spawnTimeoutMs });
    side.setup = hub.setup;
    side.label = hub.label;
    log(`${hub.label} is up at ${hub.publicUrl} (pid ${hub.pid}); log: ${hub.logFile}`);
    // Only what the hub logged from here on counts as a problem (not start-up notices).
    logSkip = { errors: hub.errorLines().length, warns: hub.warnLines().length };
    const names = Array.from({ length: users }, (_, i) => `bu${String(i).padStart(4, '0')}`);
    side.result = await spawnStorm(hub, pods, { users: names, concurrency, spawnTimeoutMs, stopTimeoutMs, log });
    const r = side.result;
    if (r.spawn.failures.length) problems.push(`${r.spawn.failures.length} spawn failures/poll errors; first: ${r.spawn.failures.slice(0, 5).join(' | ')}`);
    if (r.stop.failures.length) problems.push(`${r.stop.failures.length} stop failures; first: ${r.stop.failures.slice(0, 5).join(' | ')}`);
    if (r.spawn.proxied.other.length) problems.push(`through the hub's proxy: ${r.spawn.proxied.other.slice(0, 5).join('; ')}`);
  } catch (e) {
    side.error = (e as Error).message;
    keepWork = true;
    log(`${name}: FAILED: ${side.error}`);
  } finally {
    side.loadAverage = loadAverage();
    if (pods?.errors.length) problems.push(`bench pod watch: ${pods.errors.slice(0, 3).join('; ')}`);
    if (hub) {
      const why = hub.failure();
      if (why) problems.push(why);
      const errs = hub.errorLines().slice(logSkip.errors);
      if (errs.length) problems.push(`${errs.length} error-level lines in the hub log; first: ${errs.slice(0, 3).join(' | ')}`);
      const warns = hub.warnLines().slice(logSkip.warns);
      if (warns.length) problems.push(`${warns.length} warn-level lines in the hub log; first: ${warns.slice(0, 3).join(' | ')}`);
      await hub.stop();
    }
    side.responder = await responderStats(controlPort).catch(() => null);
    if (kc) problems.push(...(await removeVolumes(kc)));
    await procs.stop(responder, 5_000);
    pods?.stop();
    await procs.stop(proxy, 5_000);
    try {
      side.calls = JSON.parse(readFileSync(callsFile, 'utf8')) as ApiCall[];
    } catch (e) {
      problems.push(`no API call record from the counting proxy: ${(e as Error).message}`);
    }
    await cluster.stop();
    clusters.delete(cluster);
  }
  return side;
}

async function main(): Promise<void> {
  const sides: SideResult[] = [];
  let leftovers: string[] = [];
  try {
    if (args.only !== 'kubespawner') sides.push(await measureSide('nbhub', 'nbhub', (o) => startNbhubK8s(o, procs)));
    if (args.only !== 'nbhub') sides.push(await measureSide('JupyterHub + KubeSpawner', 'kubespawner', (o) => startKubeSpawnerHub(o, procs)));
  } finally {
    leftovers = await cleanup();
  }
  const date = new Date().toISOString().slice(0, 10);
  const versions = [`Node ${process.version}`, 'Kubernetes v1.36.3 (kube-apiserver, controller-manager, scheduler), etcd v3.6.8, KWOK v0.8.0 (scripts/k8s/versions.sh)'];
  if (args.only !== 'nbhub') versions.push(kubespawnerVersions());
  const md = [
    `# Kubernetes benchmark: ${users} simultaneous spawns (${date})`,
    '',
    `Command: \`${['node --import tsx bench/k8s/run.ts', ...process.argv.slice(2)].join(' ')}\``,
    '',
    `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}; load average at the end ${loadAverage()}.`,
    `Versions: ${versions.join('; ')}.`,
    `Cluster (fresh per hub): ${nodes} KWOK nodes (110 pods each), pods Running at once with a loopback IP; kube-controller-manager and kube-scheduler ${controlPlaneQps ? `--kube-api-qps ${controlPlaneQps} --kube-api-burst ${2 * controlPlaneQps}` : 'at their default client rate limits (20 and 50 QPS)'}; storage ${storage}; spawn requests in flight at most ${concurrency}. Everything (hub, cluster, responder, bench) shares the machine.`,
    '',
    '## Summary',
    '',
    summaryTable(sides),
    '',
    sides.length === 2 && sides.every((s) => s.result) ? 'Ratios are nbhub ÷ JupyterHub + KubeSpawner: below 1× means nbhub took less time / CPU / requests.' : '',
    '',
    '## Details',
    '',
    ...sides.map(sideDetails),
    leftovers.length ? `Processes that had to be killed at the end: ${leftovers.join(', ')}` : '',
    '',
  ].join('\n');
  process.stdout.write(`\n${md}\n`);
  if (!args['no-write'] && sides.some((s) => s.result)) {
    const outDir = path.join(REPO, 'bench', 'results');
    mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `k8s-${date}.md`);
    writeFileSync(file, md);
    log(`written to ${path.relative(process.cwd(), file)}`);
  }
}

main().then(() => process.exit(0), async (e: unknown) => {
  log(`failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  keepWork = true;
  await cleanup();
  process.exit(1);
});
