// A throwaway Kubernetes control plane for tests, all on 127.0.0.1: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and KWOK (fake kubelet), built from the Go module proxy
// by scripts/k8s/build.sh into $NBHUB_CACHE_DIR/k8s/bin. Pods on the fake nodes go Running with a
// loopback pod IP (a random 127.x.y.0/24 per cluster, so a test can serve on it); a pod whose image
// starts with FAILING_IMAGE_PREFIX gets ErrImagePull, then ImagePullBackOff, with Events
// (scripts/k8s/kwok-stages.yaml). stop() ends exactly the processes this call started and removes
// its temp dir; if the test process dies first, a watchdog does the same. See docs/k8s-test-cluster.md.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { get as httpGet } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Images starting with this never "pull" on the KWOK nodes (ErrImagePull, then ImagePullBackOff). */
export const FAILING_IMAGE_PREFIX = 'nbhub.test/does-not-exist';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BUILD_SH = join(REPO, 'scripts/k8s/build.sh');
const STAGES = join(REPO, 'scripts/k8s/kwok-stages.yaml');
const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'] as const;

export interface StartTestClusterOptions {
  /** Fake (KWOK) node names; default ['kwok-node-0']. Each gets cpu 32, memory 256Gi, pods 110. */
  nodeNames?: string[];
  /** Pod IP pool; default a random 127.X.Y.0/24 (loopback, never the same twice in a row). */
  podCidr?: string;
  /** Run scripts/k8s/build.sh first (a no-op when the binaries are cached); default true. */
  build?: boolean;
  /** Time allowed from the first process start to "node Ready"; default 180 s. */
  startTimeoutMs?: number;
  /** Keep the temp dir (logs, etcd data, kubeconfig) after stop(); default NBHUB_K8S_KEEP=1. */
  keepRunDir?: boolean;
  /** For scripts/k8s/start.sh: processes outlive this Node process (no watchdog); stop with stop.sh. */
  detach?: boolean;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /**
   * Client rate limit of kube-controller-manager and kube-scheduler towards the apiserver
   * (--kube-api-qps, with --kube-api-burst twice that); default: their own defaults (KCM 20,
   * scheduler 50). Raise it for load tests, where binding hundreds of PVCs at 20 QPS dominates.
   */
  controlPlaneQps?: number;
}

export interface TestCluster {
  /** kubeconfig (bearer token of a system:masters user) for @kubernetes/client-node, kubectl, helm. */
  kubeconfigPath: string;
  /** https://127.0.0.1:PORT */
  server: string;
  token: string;
  /** CA bundle of the apiserver's self-signed serving certificate. */
  caFile: string;
  /** Temp dir with <component>.log files; removed by stop() unless keepRunDir. */
  runDir: string;
  /** Where etcd, kube-apiserver, …, kubectl and helm live. */
  binDir: string;
  nodeNames: string[];
  podCidr: string;
  /** PIDs of the processes started (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok). */
  pids: number[];
  /** Stops exactly the processes above (SIGTERM, then SIGKILL after 10 s) and removes runDir. Idempotent. */
  stop(): Promise<void>;
}

interface Started {
  name: string;
  child: ChildProcess;
}

/** Directory build.sh installs into (without building anything). */
export function k8sBinDir(): string {
  const r = spawnSync('bash', [BUILD_SH, '--print-bin-dir'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/k8s/build.sh --print-bin-dir failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** Runs scripts/k8s/build.sh for the named binaries (default: the control plane). Cold: ~minutes. */
export async function buildK8sBinaries(names: readonly string[] = COMPONENTS, log?: (l: string) => void): Promise<string> {
  await new Promise<void>((ok, fail) => {
    const p = spawn('bash', [BUILD_SH, ...names], { stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const onData = (d: Buffer) => {
      tail = (tail + d.toString()).slice(-8000);
      for (const line of d.toString().split('\n')) if (line.startsWith('[k8s-build')) log?.(line);
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    p.on('error', fail);
    p.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`scripts/k8s/build.sh failed (${code}):\n${tail}`))));
  });
  return k8sBinDir();
}

export async function startTestCluster(opts: StartTestClusterOptions = {}): Promise<TestCluster> {
  const log = opts.log ?? (() => undefined);
  const detach = opts.detach ?? false;
  const keep = opts.keepRunDir ?? process.env.NBHUB_K8S_KEEP === '1';
  const nodeNames = opts.nodeNames ?? ['kwok-node-0'];
  const podCidr = opts.podCidr ?? `127.${randomInt(100, 255)}.${randomInt(0, 256)}.0/24`;
  const binDir = opts.build === false ? k8sBinDir() : await buildK8sBinaries(COMPONENTS, log);
  for (const c of COMPONENTS) {
    if (!existsSync(join(binDir, c))) throw new Error(`${join(binDir, c)} missing: run scripts/k8s/build.sh`);
  }

  const runDir = mkdtempSync(join(tmpdir(), 'nbhub-k8s-'));
  const token = randomBytes(24).toString('hex');
  const caFile = join(runDir, 'pki', 'apiserver.crt');
  const kubeconfigPath = join(runDir, 'kubeconfig');
  const started: Started[] = [];
  const watchdog = detach ? null : startWatchdog(runDir, keep);
  const killAllSync = () => {
    for (const s of started) if (isRunning(s.child)) s.child.kill('SIGKILL');
  };
  if (!detach) process.on('exit', killAllSync);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    watchdog?.kill('SIGKILL');
    // Clients first (kwok, scheduler, KCM together), then kube-apiserver, then etcd: each gets
    // SIGTERM and 10 s to exit, then SIGKILL. (All at once, etcd and the apiserver wait on each other.)
    const clients = started.filter((s) => s.name !== 'etcd' && s.name !== 'kube-apiserver');
    for (const group of [clients, started.filter((s) => s.name === 'kube-apiserver'), started.filter((s) => s.name === 'etcd')]) {
      const t0 = Date.now();
      const running = group.filter((s) => isRunning(s.child));
      for (const s of running) s.child.kill('SIGTERM');
      await Promise.all(running.map((s) => exited(s.child, 10_000)));
      for (const s of running) if (isRunning(s.child)) s.child.kill('SIGKILL');
      await Promise.all(running.map((s) => exited(s.child, 10_000)));
      if (running.length) log(`stopped ${running.map((s) => s.name).join(', ')} in ${Date.now() - t0} ms`);
    }
    process.off('exit', killAllSync);
    if (!keep) rmSync(runDir, { recursive: true, force: true });
  };

  const startProc = (name: string, args: string[]) => {
    const out = openSync(join(runDir, `${name}.log`), 'a');
    const child = spawn(join(binDir, name), args, { stdio: ['ignore', out, out], detached: detach });
    closeSync(out);
    if (child.pid === undefined) throw new Error(`could not start ${name}`);
    if (detach) child.unref();
    started.push({ name, child });
    appendFileSync(join(runDir, 'pids'), `${child.pid} ${name}\n`);
    watchdog?.stdin?.write(`${child.pid}\n`);
    log(`started ${name} (pid ${child.pid})`);
  };
  const deadline = Date.now() + (opts.startTimeoutMs ?? 180_000);
  const waitFor = async (what: string, check: () => Promise<boolean>) => {
    for (;;) {
      const dead = started.find((s) => !isRunning(s.child));
      if (dead) throw new Error(`${dead.name} exited while waiting for ${what}:\n${logTail(runDir, dead.name)}`);
      if (await check().catch(() => false)) return;
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; logs in ${runDir}\n${started.map((s) => logTail(runDir, s.name, 5)).join('\n')}`);
      }
      await sleep(250);
    }
  };

  try {
    const [etcdPort, etcdPeerPort, apiPort] = await freePorts(3);
    const server = `https://127.0.0.1:${apiPort}`;
    writeFileSync(join(runDir, 'tokens.csv'), `${token},admin,admin,"system:masters"\n`, { mode: 0o600 });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(join(runDir, 'sa.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
    writeFileSync(kubeconfigPath, kubeconfig(server, caFile, token), { mode: 0o600 });
    const api = (method: string, path: string, body?: unknown) => apiCall(server, caFile, token, method, path, body);

    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    startProc('etcd', [
      '--name=nbhub', `--data-dir=${join(runDir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=nbhub=${peerUrl}`, '--unsafe-no-fsync', '--log-level=warn',
    ]);
    await waitFor('etcd /health', async () => (await httpGetText(`${etcdUrl}/health`)).includes('"true"'));

    startProc('kube-apiserver', [
      `--etcd-servers=${etcdUrl}`, '--bind-address=127.0.0.1', `--secure-port=${apiPort}`,
      '--advertise-address=127.0.0.1', '--endpoint-reconciler-type=none',
      `--cert-dir=${join(runDir, 'pki')}`, `--token-auth-file=${join(runDir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${join(runDir, 'sa.key')}`, `--service-account-signing-key-file=${join(runDir, 'sa.key')}`,
      '--service-cluster-ip-range=10.96.0.0/24', '--allow-privileged=true',
      '--disable-admission-plugins=ServiceAccount', '--enable-priority-and-fairness=false',
      '--profiling=false', '--v=1',
    ]);
    await waitFor('kube-apiserver /readyz', async () => existsSync(caFile) && (await api('GET', '/readyz')).status === 200);
    log(`kube-apiserver ready at ${server}`);

    await mustCreate(api, '/apis/storage.k8s.io/v1/storageclasses', {
      apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
      metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'kubernetes.io/host-path', volumeBindingMode: 'Immediate', reclaimPolicy: 'Delete',
    });
    for (const name of nodeNames) await mustCreate(api, '/api/v1/nodes', nodeObject(name));

    const kc = `--kubeconfig=${kubeconfigPath}`;
    const qps = opts.controlPlaneQps;
    const qpsFlags = qps ? [`--kube-api-qps=${qps}`, `--kube-api-burst=${2 * qps}`] : [];
    startProc('kube-controller-manager', [
      kc, `--authentication-kubeconfig=${kubeconfigPath}`, `--authorization-kubeconfig=${kubeconfigPath}`,
      '--bind-address=127.0.0.1', '--secure-port=0', '--leader-elect=false',
      `--service-account-private-key-file=${join(runDir, 'sa.key')}`, `--root-ca-file=${caFile}`,
      '--use-service-account-credentials=false', '--enable-hostpath-provisioner=true', '--v=1', ...qpsFlags,
    ]);
    startProc('kube-scheduler', [
      kc, `--authentication-kubeconfig=${kubeconfigPath}`, `--authorization-kubeconfig=${kubeconfigPath}`,
      '--bind-address=127.0.0.1', '--secure-port=0', '--leader-elect=false', '--v=1', ...qpsFlags,
    ]);
    startProc('kwok', [
      kc, `--config=${STAGES}`, '--manage-all-nodes=true', `--cidr=${podCidr}`, '--node-ip=127.0.0.1',
      '--node-lease-duration-seconds=40',
    ]);

    await waitFor(`node(s) ${nodeNames.join(', ')} Ready and untainted`, async () => {
      for (const name of nodeNames) {
        const r = await api('GET', `/api/v1/nodes/${name}`);
        if (r.status !== 200) return false;
        const node = JSON.parse(r.body) as NodeLike;
        const ready = (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
        if (!ready || (node.spec?.taints ?? []).length > 0) return false;
      }
      return true;
    });
    // Pods need the default ServiceAccount only when they mount its token; wait anyway, so that a
    // test creating a namespace right away sees KCM running.
    await waitFor('default ServiceAccount', async () => (await api('GET', '/api/v1/namespaces/default/serviceaccounts/default')).status === 200);
    log(`cluster ready: KUBECONFIG=${kubeconfigPath}`);
    return { kubeconfigPath, server, token, caFile, runDir, binDir, nodeNames, podCidr, pids: started.map((s) => s.child.pid as number), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

interface NodeLike {
  spec?: { taints?: unknown[] };
  status?: { conditions?: { type: string; status: string }[] };
}

function nodeObject(name: string): object {
  const resources = { cpu: '32', memory: '256Gi', pods: '110' };
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: {
      name,
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok' },
      annotations: { 'kwok.x-k8s.io/node': 'fake' },
    },
    status: { allocatable: resources, capacity: resources },
  };
}

function kubeconfig(server: string, caFile: string, token: string): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Config',
    clusters: [{ name: 'nbhub-test', cluster: { server, 'certificate-authority': caFile } }],
    users: [{ name: 'admin', user: { token } }],
    contexts: [{ name: 'nbhub-test', context: { cluster: 'nbhub-test', user: 'admin', namespace: 'default' } }],
    'current-context': 'nbhub-test',
  }, null, 2);
}

/** A detached bash that, when our stdin pipe closes (this process died), kills the PIDs written to
 * it that still name runDir on their command line, newest first, and removes runDir. */
function startWatchdog(runDir: string, keep: boolean): ChildProcess {
  const script = `
run="$1"; keep="$2"; pids=""
while IFS= read -r p; do pids="$p $pids"; done
ours() { [ -r "/proc/$1/cmdline" ] && tr '\\0' '\\n' < "/proc/$1/cmdline" | grep -qF -- "$run"; }
for p in $pids; do
  ours "$p" || continue
  kill -TERM "$p" 2>/dev/null
  for _ in $(seq 50); do ours "$p" || break; sleep 0.2; done
  ours "$p" && kill -KILL "$p" 2>/dev/null
done
[ "$keep" = 1 ] || rm -rf -- "$run"`;
  const w = spawn('bash', ['-c', script, 'nbhub-k8s-watchdog', runDir, keep ? '1' : '0'], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  w.unref();
  (w.stdin as unknown as Socket).unref();
  return w;
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function exited(child: ChildProcess, ms: number): Promise<void> {
  if (!isRunning(child)) return Promise.resolve();
  return new Promise((ok) => {
    const t = setTimeout(ok, ms);
    child.once('exit', () => {
      clearTimeout(t);
      ok();
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, ms));
}

function logTail(runDir: string, name: string, lines = 30): string {
  try {
    const text = readFileSync(join(runDir, `${name}.log`), 'utf8').trimEnd().split('\n');
    return `--- ${name}.log (last ${lines} lines) ---\n${text.slice(-lines).join('\n')}`;
  } catch {
    return `--- ${name}.log: none ---`;
  }
}

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((ok, fail) => {
      const s = createServer();
      s.once('error', fail);
      s.listen(0, '127.0.0.1', () => ok(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  return ports;
}

function httpGetText(url: string): Promise<string> {
  return new Promise((ok, fail) => {
    const req = httpGet(url, { timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => ok(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', fail);
  });
}

interface ApiResponse {
  status: number;
  body: string;
}
type Api = (method: string, path: string, body?: unknown) => Promise<ApiResponse>;

function apiCall(server: string, caFile: string, token: string, method: string, path: string, body?: unknown): Promise<ApiResponse> {
  return new Promise((ok, fail) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(new URL(path, server), {
      method,
      ca: readFileSync(caFile),
      timeout: 5000,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json' },
    }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', fail);
    req.end(data);
  });
}

async function mustCreate(api: Api, path: string, obj: object): Promise<void> {
  const r = await api('POST', path, obj);
  if (r.status !== 201) throw new Error(`POST ${path} -> ${r.status}: ${r.body}`);
}
