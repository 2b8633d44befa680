// The part of a kubelet that KWOK does not play, for the spawner tests: when KWOK has moved a
// pod to Running with its 127.x pod IP, this runs the pod's notebook container as a real
// process on the host, and reports what a kubelet would report.
//
//   * command + args of the container; its env with valueFrom (fieldRef, secretKeyRef,
//     configMapKeyRef) and $(VAR) references resolved; as runAsUser / fsGroup when we are root.
//   * The pod's own network namespace is emulated by binding the pod IP: "0.0.0.0" in
//     JUPYTERHUB_SERVICE_URL (all interfaces *of the pod*) becomes the pod IP. Nothing else is
//     rewritten.
//   * Volumes: a PVC mount is a host directory per claim (+ subPath) that outlives the pod; it is
//     HOME and the working directory when mounted at the home mount path.
//   * Exit: the container's terminated state (exit code, reason; StartError when the command
//     does not exist) and phase Failed/Succeeded (restartPolicy Never).
//   * Logs: the kubelet API's /containerLogs on HTTPS, which the apiserver proxies `kubectl logs`
//     (and the spawner's readNamespacedPodLog) to; the node status points at it.
//   * Deletion: a finalizer holds the pod object until the process has exited (SIGTERM, then
//     SIGKILL after the grace period), as the real kubelet stops containers before the pod is gone.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import type { TestCluster } from '../support/k8sCluster.ts';

const FINALIZER = 'nbhub.test/fake-kubelet';
const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

interface Running {
  uid: string;
  namespace: string;
  name: string;
  child: ChildProcess | null;
  /** Settles when run() has either started the process or given up; terminate() waits for it. */
  starting: Promise<void>;
  exited: Promise<void>;
  terminating: boolean;
  logFile: string;
}

export interface FakeKubelet {
  /** Host directory standing in for a claim (and subPath). */
  volumeDir(claim: string, subPath?: string): string;
  /** Pods whose process is running now. */
  runningPods(): string[];
  /**
   * PIDs of every process this kubelet started that has not exited, tracked by a pod or not (an
   * orphan is a bug), and how many process set-ups are still under way (they may yet start one).
   */
  processes(): { live: number[]; settingUp: number };
  stop(): Promise<void>;
}

export async function startFakeKubelet(cluster: TestCluster, namespace: string, homeMountPath = '/home/jovyan'): Promise<FakeKubelet> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const root = mkdtempSync(join(tmpdir(), 'nbhub-kubelet-'));
  chmodSync(root, 0o755); // pods run as their runAsUser and must reach their volume directories
  for (const d of ['volumes', 'pods', 'logs']) mkdirSync(join(root, d), { mode: 0o755 });
  const byUid = new Map<string, Running>();
  const byName = new Map<string, Running>();
  const asRoot = process.getuid?.() === 0;
  const children = new Set<ChildProcess>();
  let settingUp = 0;

  const server = https.createServer(
    { cert: readFileSync(join(cluster.runDir, 'pki/apiserver.crt')), key: readFileSync(join(cluster.runDir, 'pki/apiserver.key')) },
    (req, res) => {
      const url = new URL(req.url ?? '/', 'https://kubelet');
      const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      const r = m ? byName.get(`${decodeURIComponent(m[1])}/${decodeURIComponent(m[2])}`) : undefined;
      if (!r) {
        res.writeHead(404).end('no such container\n');
        return;
      }
      let lines = readFileSync(r.logFile, 'utf8').split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      const tail = Number(url.searchParams.get('tailLines') ?? '');
      if (tail > 0) lines = lines.slice(-tail);
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end(lines.map((l) => `${l}\n`).join(''));
    },
  );
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  for (const name of cluster.nodeNames) {
    await core.patchNodeStatus(
      { name, body: { status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } } },
      MERGE,
    );
  }

  const volumeDir = (claim: string, subPath = '') => join(root, 'volumes', claim, subPath);

  async function envOf(pod: k8s.V1Pod, c: k8s.V1Container, home: string): Promise<Record<string, string>> {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: home, USER: 'jovyan', HOSTNAME: pod.metadata!.name! };
    const field = (path: string): string =>
      ({
        'metadata.name': pod.metadata!.name,
        'metadata.namespace': pod.metadata!.namespace,
        'metadata.uid': pod.metadata!.uid,
        'spec.nodeName': pod.spec!.nodeName,
        'spec.serviceAccountName': pod.spec!.serviceAccountName,
        'status.podIP': pod.status!.podIP,
        'status.hostIP': pod.status!.hostIP,
      })[path] ?? '';
    for (const e of c.env ?? []) {
      let v = '';
      if (e.value !== undefined) v = e.value.replace(/\$\((\w+)\)/g, (all, n: string) => env[n] ?? all);
      else if (e.valueFrom?.fieldRef) v = field(e.valueFrom.fieldRef.fieldPath);
      else if (e.valueFrom?.secretKeyRef) {
        const s = await core.readNamespacedSecret({ name: e.valueFrom.secretKeyRef.name!, namespace: pod.metadata!.namespace! });
        v = Buffer.from(s.data?.[e.valueFrom.secretKeyRef.key] ?? '', 'base64').toString();
      } else if (e.valueFrom?.configMapKeyRef) {
        const cm = await core.readNamespacedConfigMap({ name: e.valueFrom.configMapKeyRef.name!, namespace: pod.metadata!.namespace! });
        v = cm.data?.[e.valueFrom.configMapKeyRef.key] ?? '';
      }
      env[e.name] = v;
    }
    if (env.JUPYTERHUB_SERVICE_URL) {
      const u = new URL(env.JUPYTERHUB_SERVICE_URL);
      if (u.hostname === '0.0.0.0') env.JUPYTERHUB_SERVICE_URL = `${u.protocol}//${pod.status!.podIP}:${u.port}${u.pathname}`;
    }
    return env;
  }

  function homeOf(pod: k8s.V1Pod, c: k8s.V1Container): string {
    for (const m of c.volumeMounts ?? []) {
      const vol = pod.spec!.volumes?.find((v) => v.name === m.name);
      if (vol?.persistentVolumeClaim && m.mountPath === homeMountPath) return volumeDir(vol.persistentVolumeClaim.claimName, m.subPath ?? '');
    }
    return join(root, 'pods', pod.metadata!.uid!);
  }

  async function reportTerminated(r: Running, pod: k8s.V1Pod, exitCode: number, reason: string, message?: string): Promise<void> {
    if (r.terminating) return;
    const now = new Date().toISOString();
    const notReady = (type: string) => ({ type, status: 'False', reason: 'PodCompleted', lastTransitionTime: now });
    const c = pod.spec!.containers[0];
    await core
      .patchNamespacedPodStatus(
        {
          name: r.name,
          namespace: r.namespace,
          body: {
            status: {
              phase: exitCode === 0 ? 'Succeeded' : 'Failed',
              conditions: [
                ...(pod.status?.conditions ?? []).filter((x) => x.type !== 'Ready' && x.type !== 'ContainersReady'),
                notReady('Ready'),
                notReady('ContainersReady'),
              ],
              containerStatuses: [
                {
                  name: c.name,
                  image: c.image,
                  imageID: '',
                  ready: false,
                  started: false,
                  restartCount: 0,
                  state: { terminated: { exitCode, reason, ...(message ? { message } : {}), startedAt: now, finishedAt: now } },
                },
              ],
            },
          },
        },
        MERGE,
      )
      .catch(() => undefined);
  }

  function run(pod: k8s.V1Pod): void {
    const uid = pod.metadata!.uid!;
    const r: Running = {
      uid,
      namespace: pod.metadata!.namespace!,
      name: pod.metadata!.name!,
      child: null,
      starting: Promise.resolve(),
      exited: Promise.resolve(),
      terminating: false,
      logFile: join(root, 'logs', `${uid}.log`),
    };
    byUid.set(uid, r);
    settingUp++;
    r.starting = startProcess(r, pod)
      .catch((e: unknown) => console.error(`fake kubelet: pod ${r.namespace}/${r.name} not started:`, e))
      .finally(() => settingUp--);
  }

  // A pod can be deleted while its process is being set up (a spawner that stops a server the
  // moment the pod is Running): every await is followed by a check, so a deleted pod's process
  // is never started after terminate() has released the pod. Such a process would outlive the
  // test, keep its pod IP (which KWOK hands to the next pod) and keep the test file running.
  async function startProcess(r: Running, pod: k8s.V1Pod): Promise<void> {
    try {
      await core.patchNamespacedPod({ name: r.name, namespace: r.namespace, body: { metadata: { finalizers: [...(pod.metadata!.finalizers ?? []), FINALIZER] } } }, MERGE);
    } catch {
      return; // already being deleted: too late to start it
    }
    if (r.terminating) return;
    byName.set(`${r.namespace}/${r.name}`, r);
    const c = pod.spec!.containers[0];
    const home = homeOf(pod, c);
    mkdirSync(home, { recursive: true, mode: 0o755 });
    const runAs = c.securityContext?.runAsUser ?? pod.spec!.securityContext?.runAsUser;
    const gid = pod.spec!.securityContext?.fsGroup ?? runAs;
    if (asRoot && runAs !== undefined) chownSync(home, runAs, gid ?? runAs);
    const argv = [...(c.command ?? []), ...(c.args ?? [])];
    const env = await envOf(pod, c, home);
    if (r.terminating) return;
    const fd = openSync(r.logFile, 'a', 0o644);
    let child: ChildProcess;
    try {
      child = spawn(argv[0], argv.slice(1), {
        env,
        cwd: home,
        detached: true,
        stdio: ['ignore', fd, fd],
        ...(asRoot && runAs !== undefined ? { uid: runAs, gid: gid ?? runAs } : {}),
      });
    } finally {
      closeSync(fd);
    }
    r.child = child;
    children.add(child);
    child.once('exit', () => children.delete(child));
    child.once('error', () => children.delete(child)); // never started (ENOENT)
    r.exited = new Promise((ok) => {
      child.once('error', (e: NodeJS.ErrnoException) => {
        const msg = `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "${argv[0]}": stat ${argv[0]}: no such file or directory: unknown`;
        void reportTerminated(r, pod, 128, 'StartError', e.code === 'ENOENT' ? msg : e.message).then(ok);
      });
      child.once('exit', (code, signal) => {
        void reportTerminated(r, pod, code ?? 128 + (signal === 'SIGKILL' ? 9 : 15), code === 0 ? 'Completed' : 'Error').then(ok);
      });
    });
  }

  async function terminate(r: Running, graceSeconds: number): Promise<void> {
    r.terminating = true;
    await r.starting;
    const child = r.child;
    if (child?.pid && child.exitCode === null && child.signalCode === null) {
      signalGroup(child.pid, 'SIGTERM');
      const done = await Promise.race([r.exited.then(() => true), sleep(Math.max(1, Math.min(graceSeconds, 10)) * 1000).then(() => false)]);
      if (!done) signalGroup(child.pid, 'SIGKILL');
      await r.exited;
    }
    signalGroup(child?.pid, 'SIGKILL'); // leftovers of the process group
    await releasePod(r);
  }

  async function releasePod(r: Running): Promise<void> {
    byName.delete(`${r.namespace}/${r.name}`);
    const pod = await core.readNamespacedPod({ name: r.name, namespace: r.namespace }).catch(() => null);
    if (pod?.metadata?.uid === r.uid) {
      const finalizers = (pod.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
      await core.patchNamespacedPod({ name: r.name, namespace: r.namespace, body: { metadata: { finalizers: finalizers.length ? finalizers : null } } }, MERGE).catch(() => undefined);
      if (pod.metadata.deletionTimestamp) {
        await core.deleteNamespacedPod({ name: r.name, namespace: r.namespace, gracePeriodSeconds: 0, body: { preconditions: { uid: r.uid } } }).catch(() => undefined);
      }
    }
    byUid.delete(r.uid);
  }

  const onPod = (pod: k8s.V1Pod) => {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const r = byUid.get(uid);
    if (pod.metadata?.deletionTimestamp) {
      if (r && !r.terminating) void terminate(r, pod.metadata.deletionGracePeriodSeconds ?? 30);
      return;
    }
    if (!r && pod.status?.phase === 'Running' && pod.status.podIP && pod.spec?.containers?.length) run(pod);
  };
  const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${namespace}/pods`, () => core.listNamespacedPod({ namespace }));
  informer.on('add', onPod);
  informer.on('update', onPod);
  let stopped = false;
  informer.on('error', () => setTimeout(() => void (stopped || informer.start()), 500));
  await informer.start();

  const killAll = () => {
    for (const c of children) signalGroup(c.pid, 'SIGKILL');
  };
  process.on('exit', killAll);

  return {
    volumeDir,
    processes: () => ({ live: [...children].filter((c) => c.exitCode === null && c.signalCode === null).map((c) => c.pid ?? 0), settingUp }),
    runningPods: () => [...byUid.values()].filter((r) => r.child && r.child.exitCode === null && r.child.signalCode === null).map((r) => r.name),
    async stop() {
      stopped = true;
      await informer.stop();
      for (const r of [...byUid.values()]) {
        r.terminating = true;
        await r.starting;
        signalGroup(r.child?.pid, 'SIGKILL');
        await r.exited;
        await releasePod(r);
      }
      killAll(); // none should be left; if one is, it must not outlive the test file
      process.off('exit', killAll);
      await new Promise((ok) => server.close(ok));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, ms));
}
