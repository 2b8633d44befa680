// Routes, in CHP's shape (protocol.md §5): key '/user/alice' → target + free-form data.

export interface RouteData {
  target: string;
  /** Everything else the hub stored with the route (user, server_name, hub, jupyterhub, …). */
  [key: string]: unknown;
}

export interface Route {
  /** Normalized path: leading '/', no trailing '/', except '/' itself. */
  path: string;
  target: string;
  /** Stored data without `target` (and without `last_activity`). */
  data: Record<string, unknown>;
  lastActivity: Date;
}

/**
 * Where the proxy keeps its routes. In memory by default; every implementation runs `routestore.case.ts`.
 * Keys are route paths in decoded form ('/user/a@b', not '/user/a%40b'); with host routing the
 * host is the first segment ('/alice.hub.example.org/user/alice'). Implementations normalize
 * keys themselves (trie.ts `normalizeRouteKey`) and drop a `target` key from `data`.
 */
export interface RouteStore {
  /** Adds or replaces the route at `path`; its lastActivity becomes `now`. */
  add(path: string, target: string, data: Record<string, unknown>, now: Date): Promise<void>;
  /** True if a route was removed. Routes below `path` stay. */
  remove(path: string): Promise<boolean>;
  /** A copy of the route stored at exactly `path`. */
  get(path: string): Promise<Route | null>;
  /** Copies of all routes, optionally only those with lastActivity < inactiveSince. */
  list(inactiveSince?: Date): Promise<Route[]>;
  /**
   * Synchronous longest-prefix lookup for the hot path, on whole segments. `urlPath` is the
   * percent-decoded request path (host-prefixed with host routing). The result may be the
   * stored object itself: callers must not mutate it.
   */
  match(urlPath: string): Route | null;
  /** Records traffic on a route (moves lastActivity forward only); implementations batch, never one write per chunk. */
  touch(path: string, at: Date): void;
}

/** How the hub talks to a proxy: in-process or over CHP's REST API. Keys as in RouteStore. */
export interface ProxyClient {
  addRoute(path: string, target: string, data: Record<string, unknown>): Promise<void>;
  /** Deleting a route that does not exist is not an error. */
  deleteRoute(path: string): Promise<void>;
  getRoutes(): Promise<Record<string, RouteData & { last_activity?: string }>>;
}
