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
  data: Record<string, unknown>;
  lastActivity: Date;
}

/** Where the proxy keeps its routes. In memory by default; every implementation runs `routestore.case.ts`. */
export interface RouteStore {
  add(path: string, target: string, data: Record<string, unknown>, now: Date): Promise<void>;
  remove(path: string): Promise<boolean>;
  get(path: string): Promise<Route | null>;
  /** All routes, optionally only those with lastActivity < inactiveSince. */
  list(inactiveSince?: Date): Promise<Route[]>;
  /** Synchronous longest-prefix lookup for the hot path. */
  match(urlPath: string): Route | null;
  /** Records traffic on a route; implementations batch, never one write per chunk. */
  touch(path: string, at: Date): void;
}

/** How the hub talks to a proxy: in-process or over CHP's REST API. */
export interface ProxyClient {
  addRoute(path: string, target: string, data: Record<string, unknown>): Promise<void>;
  deleteRoute(path: string): Promise<void>;
  getRoutes(): Promise<Record<string, RouteData & { last_activity?: string }>>;
}
