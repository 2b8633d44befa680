// The hub's Prometheus metrics: JupyterHub 5.5's 14 (jupyterhub/metrics.py — same names, labels,
// buckets and up-front status labels, so the community Grafana dashboards work), plus nbhub's
// own (spawn queue length and wait, route count) and the process collectors. The prefix is
// JUPYTERHUB_METRICS_PREFIX (default jupyterhub), as in JupyterHub.
//
// The hub's parts are observed from outside (instrument* below wrap the public methods of the
// server manager, proxy client, spawn queue and route reconciler), so their code stays free of
// metrics calls.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Store } from '../store/types.ts';
import type { ProxyClient } from '../proxy/types.ts';
import type { ServerManager } from './servers.ts';
import type { SpawnQueue } from './spawnQueue.ts';
import { HubError } from './errors.ts';

const SPAWN_BUCKETS = [0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 180, 300, 600, Infinity];
const EVENT_LOOP_BUCKETS = [0.05, 0.055, 0.06, 0.065, 0.07, 0.075, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10];
const ACTIVE_PERIODS: [string, number][] = [
  ['24h', 86_400_000],
  ['7d', 7 * 86_400_000],
  ['30d', 30 * 86_400_000],
];
/** JupyterHub's PeriodicMetricsCollector.active_users_update_interval. */
const ACTIVE_USERS_EVERY_MS = 3_600_000;

function buckets(env: string | undefined, dflt: number[]): number[] {
  if (!env) return dflt;
  const out = env.split(',').map((s) => Number(s.trim()));
  if (out.some((n) => !Number.isFinite(n) && n !== Infinity)) throw new Error(`bad histogram buckets ${JSON.stringify(env)}: give numbers separated by commas`);
  return out;
}

export interface HubMetricsDeps {
  store: Store;
  proxy: ProxyClient;
  servers: ServerManager;
  env?: NodeJS.ProcessEnv;
}

export class HubMetrics {
  readonly registry = new Registry();
  readonly requestDuration: Histogram<'method' | 'handler' | 'code'>;
  readonly spawnDuration: Histogram<'status'>;
  readonly stopDuration: Histogram<'status'>;
  readonly checkRoutes: Histogram;
  readonly proxyPoll: Histogram;
  readonly hubStartup: Histogram;
  readonly initSpawners: Histogram;
  readonly proxyAdd: Histogram<'status'>;
  readonly proxyDelete: Histogram<'status'>;
  readonly serverPoll: Histogram<'status'>;
  readonly queueWait: Histogram;
  readonly apiRequests: Counter<'code'>;
  private readonly activeUsers: Gauge<'period'>;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly loop = monitorEventLoopDelay({ resolution: 50 });

  constructor(private readonly d: HubMetricsDeps) {
    const env = d.env ?? process.env;
    const p = env.JUPYTERHUB_METRICS_PREFIX ?? 'jupyterhub';
    const registers = [this.registry];
    this.requestDuration = new Histogram({ name: `${p}_request_duration_seconds`, help: 'Request duration for all HTTP requests', labelNames: ['method', 'handler', 'code'], registers });
    this.spawnDuration = new Histogram({
      name: `${p}_server_spawn_duration_seconds`,
      help: 'Time taken for server spawning operation',
      labelNames: ['status'],
      buckets: buckets(env.JUPYTERHUB_SERVER_SPAWN_DURATION_SECONDS_BUCKETS, SPAWN_BUCKETS),
      registers,
    });
    for (const s of ['success', 'failure', 'already-pending', 'throttled', 'too-many-users']) this.spawnDuration.zero({ status: s });
    const servers = d.servers;
    const store = d.store;
    new Gauge({
      name: `${p}_running_servers`,
      help: 'the number of user servers currently running',
      registers,
      async collect() {
        const active = await store.listActiveServers();
        this.set(active.filter((s) => servers.isReady(s.userName, s.name)).length);
      },
    });
    new Gauge({
      name: `${p}_total_users`,
      help: 'total number of users',
      registers,
      async collect() {
        this.set((await store.listUsers({ offset: 0, limit: 1 })).total);
      },
    });
    this.activeUsers = new Gauge({ name: `${p}_active_users`, help: 'number of users who were active in the given time period', labelNames: ['period'], registers });
    for (const [period] of ACTIVE_PERIODS) this.activeUsers.labels(period).set(0);
    this.checkRoutes = new Histogram({ name: `${p}_check_routes_duration_seconds`, help: 'Time taken to validate all routes in proxy', registers });
    this.proxyPoll = new Histogram({ name: `${p}_proxy_poll_duration_seconds`, help: 'Time taken to poll all routes from proxy', registers });
    this.hubStartup = new Histogram({ name: `${p}_hub_startup_duration_seconds`, help: 'Time taken for Hub to start', registers });
    this.initSpawners = new Histogram({ name: `${p}_init_spawners_duration_seconds`, help: 'Time taken for spawners to initialize', registers });
    this.proxyAdd = new Histogram({ name: `${p}_proxy_add_duration_seconds`, help: 'Time taken for adding routes to the proxy', labelNames: ['status'], registers });
    this.proxyDelete = new Histogram({ name: `${p}_proxy_delete_duration_seconds`, help: 'Time taken for deleting routes from the proxy', labelNames: ['status'], registers });
    // nbhub watches server processes by their exit instead of polling them: this series stays at zero
    this.serverPoll = new Histogram({ name: `${p}_server_poll_duration_seconds`, help: 'Time taken to poll if server is running', labelNames: ['status'], registers });
    this.stopDuration = new Histogram({
      name: `${p}_server_stop_seconds`,
      help: 'Time taken for server stopping operation',
      labelNames: ['status'],
      buckets: buckets(env.JUPYTERHUB_SERVER_STOP_DURATION_SECONDS_BUCKETS, [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
      registers,
    });
    for (const h of [this.proxyAdd, this.proxyDelete, this.stopDuration]) for (const s of ['success', 'failure']) h.zero({ status: s });
    for (const s of ['running', 'stopped']) this.serverPoll.zero({ status: s });
    const loop = this.loop;
    const eventLoop = new Histogram({ name: `${p}_event_loop_interval_seconds`, help: 'Distribution of measured event loop intervals', buckets: EVENT_LOOP_BUCKETS, registers });
    // the interval between 50 ms ticks, as JupyterHub samples it: 50 ms plus the delay
    const sampler = setInterval(() => {
      if (loop.count > 0) eventLoop.observe(0.05 + loop.max / 1e9);
      loop.reset();
    }, 1000);
    sampler.unref();
    this.timers.push(sampler);
    loop.enable();

    // nbhub's own
    this.queueWait = new Histogram({ name: 'nbhub_spawn_queue_wait_seconds', help: 'Time spawns waited in the spawn queue', buckets: SPAWN_BUCKETS, registers });
    new Gauge({
      name: 'nbhub_spawn_queue_length',
      help: 'Spawns waiting in the spawn queue',
      registers,
      collect() {
        this.set(servers.queue.queued);
      },
    });
    const proxy = d.proxy;
    new Gauge({
      name: 'nbhub_proxy_routes',
      help: 'Routes in the proxy',
      registers,
      async collect() {
        this.set(Object.keys(await proxy.getRoutes()).length);
      },
    });
    this.apiRequests = new Counter({ name: 'nbhub_hub_requests_total', help: 'Requests answered by the hub, by status code', labelNames: ['code'], registers });
    collectDefaultMetrics({ register: this.registry });
  }

  /** Counts users active in the last 24h/7d/30d now and every hour (JupyterHub's PeriodicMetricsCollector). */
  startActiveUsers(now: () => Date): void {
    const update = async () => {
      const counts = ACTIVE_PERIODS.map(() => 0);
      const t = now().getTime();
      for (let offset = 0; ; offset += 500) {
        const page = await this.d.store.listUsers({ offset, limit: 500 });
        for (const u of page.items) {
          if (!u.lastActivity) continue;
          ACTIVE_PERIODS.forEach(([, ms], i) => {
            if (t - u.lastActivity!.getTime() <= ms) counts[i]++;
          });
        }
        if (page.items.length < 500 || offset + 500 >= page.total) break;
      }
      ACTIVE_PERIODS.forEach(([period], i) => this.activeUsers.labels(period).set(counts[i]));
    };
    const run = () => void update().catch(() => undefined);
    run();
    const timer = setInterval(run, ACTIVE_USERS_EVERY_MS);
    timer.unref();
    this.timers.push(timer);
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.loop.disable();
  }
}

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

/** Times spawns (to ready or failure) and stops of the server manager. */
export function instrumentServers(servers: ServerManager, m: HubMetrics): void {
  const spawn = servers.spawn.bind(servers);
  const stop = servers.stop.bind(servers);
  servers.spawn = async (user, server, options) => {
    const start = process.hrtime.bigint();
    const pendingBefore = servers.pending(user, server) === 'spawn';
    let handle;
    try {
      handle = await spawn(user, server, options);
    } catch (e) {
      m.spawnDuration.labels(e instanceof HubError && e.status === 429 ? 'too-many-users' : 'failure').observe(seconds(start));
      throw e;
    }
    if (pendingBefore) m.spawnDuration.labels('already-pending').observe(seconds(start));
    else void handle.settled.then(() => m.spawnDuration.labels(servers.isReady(user, server) ? 'success' : 'failure').observe(seconds(start)));
    return handle;
  };
  servers.stop = async (user, server) => {
    const start = process.hrtime.bigint();
    try {
      await stop(user, server);
      m.stopDuration.labels('success').observe(seconds(start));
    } catch (e) {
      m.stopDuration.labels('failure').observe(seconds(start));
      throw e;
    }
  };
  const enter = servers.queue.enter.bind(servers.queue);
  servers.queue.enter = (signal, onPosition) => {
    const start = process.hrtime.bigint();
    const ticket = enter(signal, onPosition);
    ticket.granted.then(
      () => m.queueWait.observe(seconds(start)),
      () => undefined,
    );
    return ticket;
  };
}

/** Times the proxy client's route additions, deletions and full reads. */
export function instrumentProxy(proxy: ProxyClient, m: HubMetrics): void {
  const timed =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>, h: Histogram<'status'>) =>
    async (...a: A): Promise<R> => {
      const start = process.hrtime.bigint();
      try {
        const r = await fn(...a);
        h.labels('success').observe(seconds(start));
        return r;
      } catch (e) {
        h.labels('failure').observe(seconds(start));
        throw e;
      }
    };
  proxy.addRoute = timed(proxy.addRoute.bind(proxy), m.proxyAdd);
  proxy.deleteRoute = timed(proxy.deleteRoute.bind(proxy), m.proxyDelete);
  const getRoutes = proxy.getRoutes.bind(proxy);
  proxy.getRoutes = async () => {
    const end = m.proxyPoll.startTimer();
    try {
      return await getRoutes();
    } finally {
      end();
    }
  };
}

/** Times each reconcile pass (JupyterHub's check_routes). */
export function instrumentReconciler(r: { runOnce(): Promise<void> }, m: HubMetrics): void {
  const runOnce = r.runOnce.bind(r);
  r.runOnce = async () => {
    const end = m.checkRoutes.startTimer();
    try {
      await runOnce();
    } finally {
      end();
    }
  };
}
