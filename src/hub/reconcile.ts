// The route reconcile loop: wanted routes (hub + running servers, from the store) vs the
// proxy's actual routes → add / update / remove; and route activity folded into
// users' and servers' last_activity (protocol.md §3, §5).
import type { Logger } from 'pino';
import type { Store } from '../store/types.ts';
import type { ProxyClient } from '../proxy/types.ts';
import type { ServerManager } from './servers.ts';
import { diffRoutes, type WantedRoute } from '../domain/routeDiff.ts';
import { routeSpec } from '../domain/names.ts';

export interface ReconcilerDeps {
  store: Store;
  servers: ServerManager;
  proxy: ProxyClient;
  hubUrl: string;
  baseUrl: string;
  logger: Logger;
  now: () => Date;
  /** Routes that always exist besides the hub's (services with a url: /services/<name>). */
  extraRoutes?: readonly WantedRoute[];
}

export class RouteReconciler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly d: ReconcilerDeps) {}

  start(everyMs: number): void {
    this.timer = setInterval(() => void this.runOnce(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One pass; concurrent calls share the pass in flight. */
  runOnce(): Promise<void> {
    this.running ??= this.pass()
      .catch((err) => this.d.logger.warn({ err }, 'route reconcile failed'))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async pass(): Promise<void> {
    const { store, servers, proxy, hubUrl, baseUrl, logger } = this.d;
    // Read the proxy first: a spawn that adds its route after this read is simply not seen,
    // whereas reading it after the wanted list could see (and delete) the route of a server
    // that became ready in between.
    const actual = await proxy.getRoutes();
    const wanted: WantedRoute[] = [{ path: routeSpec(baseUrl, null, null), target: hubUrl, data: { hub: true, jupyterhub: true } }];
    wanted.push(...(this.d.extraRoutes ?? []));
    for (const s of await store.listActiveServers()) {
      if (s.target && servers.isReady(s.userName, s.name)) {
        wanted.push({ path: routeSpec(baseUrl, s.userName, s.name), target: s.target, data: { user: s.userName, server_name: s.name, jupyterhub: true } });
      }
    }
    // fold proxy-observed activity into the store
    for (const [, r] of Object.entries(actual)) {
      const user = r.user;
      const server = r.server_name;
      if (typeof user === 'string' && typeof server === 'string' && typeof r.last_activity === 'string') {
        const t = new Date(r.last_activity);
        if (!Number.isNaN(t.getTime())) await store.bumpServerActivity(user, server, t);
      }
    }
    const plan = diffRoutes(wanted, actual);
    for (const r of [...plan.add, ...plan.update]) await proxy.addRoute(r.path, r.target, r.data);
    for (const path of plan.remove) await proxy.deleteRoute(path);
    if (plan.add.length || plan.update.length || plan.remove.length) {
      logger.info({ added: plan.add.length, updated: plan.update.length, removed: plan.remove.length }, 'routes reconciled');
    }
  }
}
