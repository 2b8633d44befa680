// The bench's own view of the user pods, straight from the apiserver (not through the hub's
// counting proxy): one watch on the namespace's pods, recording per pod when it was first seen,
// when it was Running with a pod IP, and when it was gone.
import * as k8s from '@kubernetes/client-node';
import { performance } from 'node:perf_hooks';

export interface PodTimeline {
  name: string;
  /** label hub.jupyter.org/username (nbhub and KubeSpawner both set it) */
  user: string;
  createdAt: number;
  runningAt: number | null;
  podIP: string | null;
  node: string | null;
  goneAt: number | null;
}

export interface PodTimes {
  pods: Map<string, PodTimeline>;
  /** Pods present now (seen, not gone). */
  present(): number;
  /** Present pods that are Running with an IP. */
  running(): number;
  /** Resolves when `check()` holds, re-checked on every pod change; rejects after `timeoutMs`. */
  until(what: string, check: () => boolean, timeoutMs: number): Promise<number>;
  /** Watch errors (a broken watch is restarted, bounded). */
  errors: string[];
  stop(): void;
}

export async function watchPods(kc: k8s.KubeConfig, namespace: string, labelSelector: string): Promise<PodTimes> {
  const pods = new Map<string, PodTimeline>();
  const errors: string[] = [];
  const waiters = new Set<() => void>();
  let stopped = false;
  let controller: AbortController | null = null;
  let restarts = 0;

  const onEvent = (type: string, pod: k8s.V1Pod) => {
    const name = pod.metadata?.name;
    if (!name) return;
    const now = performance.now();
    let t = pods.get(name);
    if (!t || (t.goneAt !== null && type !== 'DELETED')) {
      t = { name, user: pod.metadata?.labels?.['hub.jupyter.org/username'] ?? name, createdAt: now, runningAt: null, podIP: null, node: null, goneAt: null };
      pods.set(name, t);
    }
    if (type === 'DELETED') t.goneAt ??= now;
    else if (pod.status?.phase === 'Running' && pod.status.podIP && t.runningAt === null) {
      t.runningAt = now;
      t.podIP = pod.status.podIP;
      t.node = pod.spec?.nodeName ?? null;
    }
    for (const w of [...waiters]) w();
  };

  const watch = new k8s.Watch(kc);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const start = async (): Promise<void> => {
    // List first, then watch from the list's resourceVersion: a restarted watch must not miss
    // deletions that happened while it was down (pods absent from the list are gone).
    const list = await core.listNamespacedPod({ namespace, labelSelector });
    const listed = new Set<string>();
    for (const pod of list.items) {
      listed.add(pod.metadata?.name ?? '');
      onEvent('MODIFIED', pod);
    }
    for (const p of pods.values()) if (p.goneAt === null && !listed.has(p.name)) onEvent('DELETED', { metadata: { name: p.name } });
    controller = await watch.watch(
      `/api/v1/namespaces/${namespace}/pods`,
      { labelSelector, allowWatchBookmarks: false, resourceVersion: list.metadata?.resourceVersion },
      onEvent,
      (err: unknown) => {
        if (stopped) return;
        if (err) errors.push(String((err as Error).message ?? err));
        // The watch ends after the server's timeout (or an error): start again, a bounded number of times.
        if (restarts++ < 50) setTimeout(() => void start().catch((e: unknown) => errors.push(String(e))), 200);
      },
    );
  };
  await start();

  const present = () => [...pods.values()].filter((p) => p.goneAt === null).length;
  return {
    pods,
    errors,
    present,
    running: () => [...pods.values()].filter((p) => p.goneAt === null && p.runningAt !== null).length,
    until(what, check, timeoutMs) {
      return new Promise((resolve, reject) => {
        const done = () => {
          if (!check()) return;
          cleanup();
          resolve(performance.now());
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${what}: not reached within ${Math.round(timeoutMs / 1000)} s (pods present ${present()})`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(done);
        };
        waiters.add(done);
        done();
      });
    },
    stop() {
      stopped = true;
      controller?.abort();
    },
  };
}
