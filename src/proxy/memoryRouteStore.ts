// The default RouteStore: routes in a trie in this process, activity as in-memory timestamps.

import { normalizeRouteKey, PathTrie } from './trie.ts';
import type { Route, RouteStore } from './types.ts';

function copyRoute(route: Route): Route {
  return { path: route.path, target: route.target, data: { ...route.data }, lastActivity: route.lastActivity };
}

export class MemoryRouteStore implements RouteStore {
  private readonly trie = new PathTrie<Route>();

  get size(): number {
    return this.trie.size;
  }

  async add(path: string, target: string, data: Record<string, unknown>, now: Date): Promise<void> {
    const key = normalizeRouteKey(path);
    const { target: _ignored, ...rest } = data;
    this.trie.set(key, { path: key, target, data: rest, lastActivity: now });
  }

  async remove(path: string): Promise<boolean> {
    return this.trie.delete(normalizeRouteKey(path));
  }

  async get(path: string): Promise<Route | null> {
    const route = this.trie.get(normalizeRouteKey(path));
    return route === undefined ? null : copyRoute(route);
  }

  async list(inactiveSince?: Date): Promise<Route[]> {
    const out: Route[] = [];
    const limit = inactiveSince?.getTime();
    for (const route of this.trie.values()) {
      if (limit === undefined || route.lastActivity.getTime() < limit) out.push(copyRoute(route));
    }
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** The stored routes themselves (not copies, unsorted), for serialization; callers must not mutate them. */
  listSync(): Route[] {
    return this.trie.values();
  }

  /** Hot path: returns the stored route itself; callers must not mutate it. */
  match(urlPath: string): Route | null {
    return this.trie.match(urlPath) ?? null;
  }

  touch(path: string, at: Date): void {
    const route = this.trie.get(path);
    if (route !== undefined && at.getTime() > route.lastActivity.getTime()) route.lastActivity = at;
  }
}
