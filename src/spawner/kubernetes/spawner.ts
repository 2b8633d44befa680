// KubernetesSpawner: one pod per user server (KubeSpawner's job), with a PVC per user.
//
// API cost: start = create PVC (dynamic storage; 409 when it exists) + create pod; stop = one
// delete. Everything else (waiting for the pod, progress from its events, poll, waitForExit)
// reads the one shared informer of podWatch.ts. A failed start reads the pod's log once.
import type { CoreV1Api, CoreV1Event, KubeConfig, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { SpawnFailedError, SpawnerClosedError, type PollResult, type Spawner, type SpawnSpec, type StartContext, type StartResult } from '../types.ts';
import { apiStatus, describeApiError } from './apiErrors.ts';
import { makeCoreApi } from './client.ts';
import { selectorString, serverSelector, USERNAME_KEY, COMPONENT_STORAGE, labelValue } from './names.ts';
import { makePod, makePvc, NOTEBOOK_CONTAINER, NOTEBOOK_PORT } from './objects.ts';
import { buildPodSpec, buildPvcSpec, PodSpecError, serverNames, type PodContext } from './podSpec.ts';
import { classifyPod, eventLine, type PodView } from './podStatus.ts';
import { PodWatch, PodWatchError } from './podWatch.ts';
import { ProfileError, resolveProfile } from './profiles.ts';
import type { KubeSettings } from './settings.ts';
import { parseKubeState, toStateJson, type KubeServerState } from './state.ts';

export interface KubernetesSpawnerOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  settings: KubeSettings;
  logger: Logger;
  /** Back-off between watch reconnections (injected in tests). */
  sleep?: (ms: number) => Promise<void>;
  /** How long stop() waits beyond the grace period for the pod to be gone. Default 30 s. */
  stopTimeoutMs?: number;
  /** Deadline of one API request (client.ts API_TIMEOUT_MS by default). */
  apiTimeoutMs?: number;
}

type Exited = PollResult & { running: false };
type Gone = { kind: 'gone' };

const TAIL_LINES = 20;

export { SpawnerClosedError };

export class KubernetesSpawner implements Spawner {
  readonly kind = 'kubernetes';
  private readonly core: CoreV1Api;
  private readonly watch: PodWatch;
  private readonly ctx: PodContext;
  private readonly log: Logger;
  private readonly stops = new Map<string, Promise<void>>();
  /** Pending waits, rejected by close(). */
  private readonly waiters = new Set<(err: Error) => void>();

  constructor(private readonly o: KubernetesSpawnerOptions) {
    const s = o.settings;
    this.log = o.logger.child({ kind: 'kubernetes' });
    this.core = makeCoreApi(o.kubeConfig, o.apiTimeoutMs);
    this.ctx = {
      namespace: o.namespace,
      appLabel: s.appLabel,
      releaseName: s.releaseName,
      podNameTemplate: s.podNameTemplate,
      schedulerName: s.schedulerName,
      priorityClassName: s.priorityClassName,
    };
    this.watch = new PodWatch({
      kubeConfig: o.kubeConfig,
      namespace: o.namespace,
      labelSelector: selectorString(serverSelector(this.ctx)),
      logger: this.log,
      sleep: o.sleep,
      apiTimeoutMs: o.apiTimeoutMs,
    });
  }

  async start(spec: SpawnSpec, ctx: StartContext): Promise<StartResult> {
    ctx.signal.throwIfAborted();
    const { pod: podSpec, pvc } = this.manifests(spec);
    const name = podSpec.metadata!.name!;
    const log = this.log.child({ user: spec.userName, server: spec.serverName, pod: name });
    await this.ready();
    await this.removeLeftover(name, ctx);
    if (pvc) await this.ensurePvc(pvc, ctx, log);
    ctx.signal.throwIfAborted();
    let created: V1Pod;
    try {
      created = await this.core.createNamespacedPod({ namespace: this.o.namespace, body: podSpec });
    } catch (e) {
      throw new SpawnFailedError(`Cannot create pod ${name}: ${describeApiError(e)}`, null, []);
    }
    const uid = created.metadata!.uid!;
    log.info({ uid }, 'created user pod');
    ctx.progress({ progress: 20, message: `Pod ${name} created` });
    try {
      const podIP = await this.untilRunning(name, uid, ctx);
      const host = podIP.includes(':') ? `[${podIP}]` : podIP;
      log.info({ podIP }, 'user pod running');
      return { target: `http://${host}:${NOTEBOOK_PORT}`, state: toStateJson({ namespace: this.o.namespace, podName: name, podUid: uid }) };
    } catch (e) {
      log.warn({ reason: e instanceof Error ? e.message : String(e) }, 'user pod did not start; deleting it');
      await this.deletePod(name, uid, 0).catch((err) => log.error({ error: describeApiError(err) }, 'could not delete the failed pod'));
      throw e;
    }
  }

  async poll(state: Record<string, unknown>): Promise<PollResult> {
    const s = parseKubeState(state);
    const { pod, view } = await this.view(s);
    if (view.kind === 'running' || view.kind === 'pending') return { running: true };
    return this.exitResult(s, pod, view);
  }

  waitForExit(state: Record<string, unknown>, signal: AbortSignal): Promise<Exited> {
    let s: KubeServerState;
    try {
      s = parseKubeState(state);
      signal.throwIfAborted();
    } catch (e) {
      return Promise.reject(e);
    }
    return this.until(s.podName, signal, () => {
      const pod = this.podOf(s);
      const view = pod ? this.classify(pod) : ({ kind: 'gone' } as const);
      return view.kind === 'running' || view.kind === 'pending' ? undefined : { pod, view };
    }).then(({ pod, view }) => this.exitResult(s, pod, view));
  }

  stop(state: Record<string, unknown>, opts: { graceMs: number }): Promise<void> {
    const s = parseKubeState(state);
    const key = `${s.namespace}/${s.podName}/${s.podUid}`;
    let p = this.stops.get(key);
    if (!p) {
      p = this.stopPod(s, opts.graceMs).finally(() => this.stops.delete(key));
      this.stops.set(key, p);
    }
    return p;
  }

  async logTail(state: Record<string, unknown>, lines: number): Promise<string[]> {
    const s = parseKubeState(state);
    try {
      const text = await this.core.readNamespacedPodLog({ name: s.podName, namespace: s.namespace, container: NOTEBOOK_CONTAINER, tailLines: lines });
      const out = String(text).split('\n');
      if (out[out.length - 1] === '') out.pop();
      return out.slice(-lines);
    } catch (e) {
      // No log yet (container never started) or the pod is gone: its events say more.
      const pod = s.namespace === this.o.namespace ? this.podOf(s) : undefined;
      if (pod) return this.watch.eventsFor(pod).map(eventLine).slice(-lines);
      this.log.debug({ pod: s.podName, error: describeApiError(e) }, 'no log for pod');
      return [];
    }
  }

  /**
   * Deletes the user's volume claims (dynamic storage) when singleuser.storage.deleteOnUserDelete
   * is set; the hub calls it when it deletes the user. Returns the names of the claims deleted.
   */
  async removeUserData(userName: string): Promise<string[]> {
    if (!this.o.settings.deleteStorageOnUserDelete) return [];
    const list = await this.core.listNamespacedPersistentVolumeClaim({
      namespace: this.o.namespace,
      labelSelector: selectorString({ app: this.ctx.appLabel, release: this.ctx.releaseName, component: COMPONENT_STORAGE, [USERNAME_KEY]: labelValue(userName) }),
    });
    const deleted: string[] = [];
    for (const pvc of list.items) {
      const owner = pvc.metadata?.annotations?.[USERNAME_KEY];
      if (owner !== undefined && owner !== userName) continue; // a hashed label shared by another name
      const name = pvc.metadata!.name!;
      try {
        await this.core.deleteNamespacedPersistentVolumeClaim({ name, namespace: this.o.namespace });
        deleted.push(name);
      } catch (e) {
        if (apiStatus(e) !== 404) throw e;
      }
    }
    if (deleted.length) this.log.info({ user: userName, claims: deleted }, 'deleted the user’s volume claims');
    return deleted;
  }

  async close(): Promise<void> {
    const closed = new SpawnerClosedError('the kubernetes spawner was closed');
    for (const fail of [...this.waiters]) fail(closed);
    await this.watch.close();
  }

  /** The pod (and claim) manifests of one spawn: the chosen profile applied to the config. */
  private manifests(spec: SpawnSpec) {
    try {
      const { settings } = resolveProfile(this.o.settings.base, this.o.settings.profiles, spec.userOptions);
      const names = serverNames(this.ctx, settings, spec.userName, spec.serverName, spec.userId);
      const pod = makePod(buildPodSpec(this.ctx, settings, names, spec));
      const pvc = names.pvc ? makePvc(buildPvcSpec(this.ctx, settings, names.pvc, spec.userName, spec.serverName)) : null;
      return { pod, pvc };
    } catch (e) {
      if (e instanceof ProfileError || e instanceof PodSpecError) throw new SpawnFailedError(e.message, null, []);
      throw e;
    }
  }

  private async ready(): Promise<void> {
    try {
      await this.watch.ready();
    } catch (e) {
      if (e instanceof PodWatchError) throw new SpawnFailedError(`Kubernetes API: ${e.message}`, null, []);
      throw e;
    }
  }

  /** A pod of the same name that is still there (the server died while no hub watched, a stop that timed out). */
  private async removeLeftover(name: string, ctx: StartContext): Promise<void> {
    const old = this.watch.pod(name);
    if (!old) return;
    ctx.progress({ progress: 12, message: `Removing the previous pod ${name}` });
    await this.deletePod(name, old.metadata!.uid!, 0);
    await this.until(name, ctx.signal, () => (this.watch.pod(name) ? undefined : true));
  }

  private async ensurePvc(pvc: ReturnType<typeof makePvc>, ctx: StartContext, log: Logger): Promise<void> {
    const name = pvc.metadata!.name!;
    try {
      await this.core.createNamespacedPersistentVolumeClaim({ namespace: this.o.namespace, body: pvc });
      log.info({ pvc: name }, 'created volume claim');
      ctx.progress({ progress: 15, message: `Created volume ${name}` });
    } catch (e) {
      if (apiStatus(e) !== 409) throw new SpawnFailedError(`Cannot create volume claim ${name}: ${describeApiError(e)}`, null, []);
      ctx.progress({ progress: 15, message: `Using existing volume ${name}` });
    }
  }

  /** Waits for the new pod to run, reporting its events; fails fast with the reason it cannot start. */
  private async untilRunning(name: string, uid: string, ctx: StartContext): Promise<string> {
    const shown = new Set<string>();
    let step = 0;
    let lastDetail: string | null = null;
    let seen = false;
    const report = (message: string) => ctx.progress({ progress: Math.min(45, 25 + 2 * step++), message });
    type Outcome = { ok: string } | { failed: PodView | Gone; pod: V1Pod | undefined };
    let outcome: Outcome;
    try {
      outcome = await this.until<Outcome>(name, ctx.signal, () => {
        const pod = this.watch.pod(name);
        if (!pod || pod.metadata?.uid !== uid) return seen || pod ? { failed: { kind: 'gone' }, pod: undefined } : undefined;
        seen = true;
        const events = this.watch.eventsFor(pod);
        if (this.o.settings.showEvents) {
          for (const e of events) {
            const key = e.metadata?.uid ?? eventLine(e);
            if (!shown.has(key)) {
              shown.add(key);
              report(eventLine(e));
            }
          }
        }
        const view = classifyPod(pod, { failOnUnschedulable: this.o.settings.failOnUnschedulable, events });
        if (view.kind === 'running') return { ok: view.podIP };
        if (view.kind === 'pending') {
          if (view.detail && view.detail !== lastDetail) report(view.detail);
          lastDetail = view.detail ?? lastDetail;
          return undefined;
        }
        return { failed: view, pod };
      });
    } catch (e) {
      if ((ctx.signal.reason as Error | undefined)?.name === 'TimeoutError' && ctx.signal.aborted) {
        const pod = this.watch.pod(name);
        throw new SpawnFailedError(
          `The pod did not start in time${lastDetail ? ` (last status: ${lastDetail})` : ''}`,
          null,
          pod ? this.watch.eventsFor(pod).map(eventLine).slice(-TAIL_LINES) : [],
        );
      }
      throw e;
    }
    if ('ok' in outcome) return outcome.ok;
    const s: KubeServerState = { namespace: this.o.namespace, podName: name, podUid: uid };
    const r = await this.exitResult(s, outcome.pod, outcome.failed);
    throw new SpawnFailedError(r.message, r.exitCode, r.logTail);
  }

  private async stopPod(s: KubeServerState, graceMs: number): Promise<void> {
    await this.ready().catch(() => undefined);
    const graceSeconds = Math.max(0, Math.ceil(graceMs / 1000));
    await this.deletePod(s.podName, s.podUid, graceSeconds, s.namespace);
    if (s.namespace !== this.o.namespace) return; // not watched: the delete was accepted, that is all we can know
    const limit = AbortSignal.timeout(graceMs + (this.o.stopTimeoutMs ?? 30_000));
    try {
      await this.until(s.podName, limit, () => (this.podOf(s) ? undefined : true));
    } catch (e) {
      if (e instanceof SpawnerClosedError) throw e;
      this.log.warn({ pod: s.podName }, 'pod still terminating after its grace period; deleting it now');
      await this.deletePod(s.podName, s.podUid, 0, s.namespace);
    }
  }

  /** Deletes the pod with this uid; a pod that is gone or was replaced (another uid) is left alone. */
  private async deletePod(name: string, uid: string, graceSeconds: number, namespace = this.o.namespace): Promise<void> {
    try {
      await this.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: graceSeconds, body: { gracePeriodSeconds: graceSeconds, preconditions: { uid } } });
    } catch (e) {
      const status = apiStatus(e);
      if (status !== 404 && status !== 409) throw e;
    }
  }

  /** Resolves with the first value `check` returns, re-checking on every change of that pod or its events. */
  private until<T>(podName: string, signal: AbortSignal, check: () => T | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let unsubscribe = () => {};
      const finish = (fn: () => void) => {
        unsubscribe();
        signal.removeEventListener('abort', onAbort);
        this.waiters.delete(fail);
        fn();
      };
      const fail = (err: Error) => finish(() => reject(err));
      const onAbort = () => fail(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(fail);
      const run = () => {
        let v: T | undefined;
        try {
          v = check();
        } catch (e) {
          return fail(e as Error);
        }
        if (v !== undefined) finish(() => resolve(v));
      };
      this.watch.ready().then(() => {
        if (!this.waiters.has(fail)) return;
        unsubscribe = this.watch.subscribe(podName, run);
        run();
      }, fail);
    });
  }

  private podOf(s: KubeServerState): V1Pod | undefined {
    const pod = this.watch.pod(s.podName);
    return pod?.metadata?.uid === s.podUid ? pod : undefined;
  }

  private classify(pod: V1Pod): PodView {
    return classifyPod(pod, { failOnUnschedulable: this.o.settings.failOnUnschedulable, events: this.watch.eventsFor(pod) });
  }

  /** The pod and how it is doing; a state from another namespace (config changed) costs one read. */
  private async view(s: KubeServerState): Promise<{ pod: V1Pod | undefined; view: PodView | Gone }> {
    if (s.namespace !== this.o.namespace) {
      const pod = await this.core.readNamespacedPod({ name: s.podName, namespace: s.namespace }).catch((e: unknown) => {
        if (apiStatus(e) === 404) return undefined;
        throw e;
      });
      const ours = pod?.metadata?.uid === s.podUid ? pod : undefined;
      return { pod: ours, view: ours ? classifyPod(ours, { failOnUnschedulable: false, events: [] }) : { kind: 'gone' } };
    }
    await this.ready();
    const pod = this.podOf(s);
    return { pod, view: pod ? this.classify(pod) : { kind: 'gone' } };
  }

  private async exitResult(s: KubeServerState, pod: V1Pod | undefined, view: PodView | Gone): Promise<Exited> {
    const events: CoreV1Event[] = pod ? this.watch.eventsFor(pod) : [];
    switch (view.kind) {
      case 'exited':
        return { running: false, exitCode: view.exitCode, message: view.message, logTail: await this.logTail(toStateJson(s), TAIL_LINES) };
      case 'failed':
        return { running: false, exitCode: null, message: view.message, logTail: events.map(eventLine).slice(-TAIL_LINES) };
      case 'deleting':
        return { running: false, exitCode: null, message: `Pod ${s.podName} is being deleted`, logTail: [] };
      default:
        return { running: false, exitCode: null, message: `Pod ${s.podName} no longer exists`, logTail: [] };
    }
  }
}
