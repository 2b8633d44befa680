// One shared informer (list + watch) over the hub's user pods and over the pod events of their
// namespace. Every poll, progress report and exit watch reads this cache: the API cost is one
// list and one watch per resource for the whole hub, not one call per user.
import { ListWatch, Watch, type CoreV1Event, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { setTimeout as sleepMs } from 'node:timers/promises';
import { eventTime } from './podStatus.ts';
import { describeApiError } from './apiErrors.ts';
import { makeCoreApi } from './client.ts';

export interface PodWatchOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  /** Selects this hub's user pods, e.g. app=jupyterhub,release=nbhub,component=singleuser-server */
  labelSelector: string;
  logger: Logger;
  /** Waits between reconnection attempts (injected so tests need no real back-off). */
  sleep?: (ms: number) => Promise<void>;
  /** Deadline of the list requests (client.ts API_TIMEOUT_MS by default); watches stream on. */
  apiTimeoutMs?: number;
}

export class PodWatchError extends Error {
  readonly code = 'KUBE_WATCH_FAILED';
}

const POD_EVENTS = 'involvedObject.kind=Pod';
const MAX_BACKOFF_MS = 30_000;
const SYNC_TIMEOUT_MS = 30_000;

export class PodWatch {
  private readonly pods: ListWatch<V1Pod>;
  private readonly events: ListWatch<CoreV1Event>;
  /** pod name → event uid → event */
  private readonly eventsByPod = new Map<string, Map<string, CoreV1Event>>();
  private readonly listeners = new Map<string, Set<() => void>>();
  private readonly log: Logger;
  private readonly sleep: (ms: number) => Promise<void>;
  private synced = false;
  private syncing: Promise<void> | null = null;
  private closed = false;
  private failures = 0;

  constructor(private readonly o: PodWatchOptions) {
    this.log = o.logger;
    this.sleep = o.sleep ?? ((ms) => sleepMs(ms));
    const core = makeCoreApi(o.kubeConfig, o.apiTimeoutMs);
    const watch = new Watch(o.kubeConfig);
    const ns = encodeURIComponent(o.namespace);
    this.pods = new ListWatch<V1Pod>(
      `/api/v1/namespaces/${ns}/pods`,
      watch,
      () => core.listNamespacedPod({ namespace: o.namespace, labelSelector: o.labelSelector }),
      false,
      o.labelSelector,
    );
    this.events = new ListWatch<CoreV1Event>(
      `/api/v1/namespaces/${ns}/events`,
      watch,
      () => core.listNamespacedEvent({ namespace: o.namespace, fieldSelector: POD_EVENTS }),
      false,
      undefined,
      POD_EVENTS,
    );
    const podChanged = (p: V1Pod) => {
      this.failures = 0;
      this.notify(p.metadata?.name);
    };
    this.pods.on('change', podChanged);
    this.events.on('add', (e) => this.indexEvent(e));
    this.events.on('update', (e) => this.indexEvent(e));
    this.events.on('delete', (e) => this.eventsByPod.get(e.involvedObject.name ?? '')?.delete(e.metadata?.uid ?? ''));
    this.pods.on('error', (err) => void this.recover(this.pods, 'pods', err));
    this.events.on('error', (err) => void this.recover(this.events, 'events', err));
  }

  /** Resolves once both caches hold a full list (the first call starts the informers). */
  ready(): Promise<void> {
    if (this.synced) return Promise.resolve();
    if (this.closed) return Promise.reject(new PodWatchError('the pod watch is closed'));
    this.syncing ??= this.sync().finally(() => (this.syncing = null));
    return this.syncing;
  }

  pod(name: string): V1Pod | undefined {
    return this.pods.get(name, this.o.namespace);
  }

  /** Events about this pod (this incarnation: matched by uid), oldest first. */
  eventsFor(pod: V1Pod): CoreV1Event[] {
    const uid = pod.metadata?.uid;
    const all = [...(this.eventsByPod.get(pod.metadata?.name ?? '')?.values() ?? [])];
    return all.filter((e) => !uid || !e.involvedObject.uid || e.involvedObject.uid === uid).sort((a, b) => eventTime(a) - eventTime(b));
  }

  /** Calls `cb` whenever the pod of that name or one of its events changes. */
  subscribe(podName: string, cb: () => void): () => void {
    let set = this.listeners.get(podName);
    if (!set) this.listeners.set(podName, (set = new Set()));
    set.add(cb);
    return () => {
      set.delete(cb);
      if (set.size === 0 && this.listeners.get(podName) === set) this.listeners.delete(podName);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.synced = false;
    await Promise.all([this.pods.stop(), this.events.stop()]);
  }

  private async sync(): Promise<void> {
    for (const [lw, what] of [[this.pods, 'pods'], [this.events, 'events']] as const) {
      let failure: unknown = null;
      const onError = (err: unknown) => (failure ??= err);
      lw.on('error', onError);
      const timer = new AbortController();
      try {
        // start() resolves once the list is in and the watch answered; an API (or proxy) that never
        // answers must not hang every poll of the hub.
        await Promise.race([
          (lw as ListWatch<V1Pod | CoreV1Event>).start(),
          sleepMs(SYNC_TIMEOUT_MS, undefined, { signal: timer.signal }).then(
            () => void (failure ??= new Error(`no answer within ${SYNC_TIMEOUT_MS / 1000} s`)),
            () => undefined, // cancelled: start() won
          ),
        ]);
      } finally {
        timer.abort();
        lw.off('error', onError);
      }
      if (failure) {
        await lw.stop();
        throw new PodWatchError(`cannot list and watch ${what} in namespace ${this.o.namespace}: ${describeApiError(failure)}`);
      }
    }
    if (this.closed) throw new PodWatchError('the pod watch is closed');
    this.synced = true;
    this.log.info({ namespace: this.o.namespace, pods: this.pods.list().length }, 'watching user pods');
  }

  /** After the first sync, a broken watch reconnects with back-off; the cache keeps serving meanwhile. */
  private async recover(lw: ListWatch<V1Pod> | ListWatch<CoreV1Event>, what: string, err: unknown): Promise<void> {
    if (!this.synced || this.closed) return;
    const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** this.failures++);
    this.log.warn({ what, namespace: this.o.namespace, delayMs: delay, error: describeApiError(err) }, 'watch broken; reconnecting');
    await this.sleep(delay);
    if (this.closed) return;
    await (lw as ListWatch<V1Pod | CoreV1Event>).start();
  }

  private indexEvent(e: CoreV1Event): void {
    const pod = e.involvedObject.name;
    if (!pod) return;
    let m = this.eventsByPod.get(pod);
    if (!m) this.eventsByPod.set(pod, (m = new Map()));
    m.set(e.metadata?.uid ?? `${eventTime(e)}:${e.reason}`, e);
    this.notify(pod);
  }

  private notify(podName: string | undefined): void {
    if (!podName) return;
    for (const cb of [...(this.listeners.get(podName) ?? [])]) cb();
  }
}
