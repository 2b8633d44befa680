// The hub's ProxyClient when the proxy runs in the same process: straight calls on the RouteStore.

import { toChpRouteTable, type ChpRouteData } from './chpRoute.ts';
import { normalizeRouteKey } from './trie.ts';
import type { ProxyClient, RouteStore } from './types.ts';

export class InProcessProxyClient implements ProxyClient {
  constructor(
    private readonly routes: RouteStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async addRoute(path: string, target: string, data: Record<string, unknown>): Promise<void> {
    const { target: _t, last_activity: _l, ...rest } = data;
    await this.routes.add(normalizeRouteKey(path), target, rest, this.now());
  }

  async deleteRoute(path: string): Promise<void> {
    await this.routes.remove(normalizeRouteKey(path));
  }

  async getRoutes(): Promise<Record<string, ChpRouteData>> {
    return toChpRouteTable(await this.routes.list());
  }
}
