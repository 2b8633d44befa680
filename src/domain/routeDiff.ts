// The route reconcile rule (JupyterHub `Proxy.check_routes`): wanted routes (hub + ready
// servers) vs the proxy's actual routes → what to add, update and remove. Routes the hub did
// not create (no `jupyterhub: true` in their data) are never touched.

export interface WantedRoute {
  /** CHP route key, e.g. `/user/alice` (a trailing slash is ignored). */
  path: string;
  /** Origin without path, e.g. `http://127.0.0.1:54321`. */
  target: string;
  /** Stored with the route; must include `jupyterhub: true`. */
  data: Record<string, unknown>;
}

/** A route as CHP's `GET /api/routes` returns it: `{target, ...data, last_activity?}`. */
export interface ActualRoute {
  target: string;
  [key: string]: unknown;
}

export interface RoutePlan {
  /** Missing from the proxy (or present there without the hub's marker). */
  add: WantedRoute[];
  /** Present but with another target or different wanted data. */
  update: WantedRoute[];
  /** Hub-created routes nobody wants any more (normalized paths). */
  remove: string[];
}

/** `/user/alice/` → `/user/alice`; `/` stays `/`; leading slash ensured. */
export function normalizeRoutePath(path: string): string {
  let p = path.startsWith('/') ? path : `/${path}`;
  while (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

function normalizeTarget(target: string): string {
  return target.endsWith('/') ? target.slice(0, -1) : target;
}

/** Keys the proxy adds itself; never part of the comparison. */
const PROXY_KEYS = new Set(['target', 'last_activity']);

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

function needsUpdate(want: WantedRoute, have: ActualRoute): boolean {
  if (normalizeTarget(want.target) !== normalizeTarget(String(have.target))) return true;
  for (const [k, v] of Object.entries(want.data)) {
    if (PROXY_KEYS.has(k)) continue;
    if (!sameValue(v, have[k])) return true;
  }
  return false;
}

/** Plans the changes; output lists are sorted by path so passes are deterministic. */
export function diffRoutes(wanted: readonly WantedRoute[], actual: Readonly<Record<string, ActualRoute>>): RoutePlan {
  const ours = new Map<string, ActualRoute>();
  for (const [path, route] of Object.entries(actual)) {
    if (route && route.jupyterhub === true) ours.set(normalizeRoutePath(path), route);
  }
  const plan: RoutePlan = { add: [], update: [], remove: [] };
  const wantedPaths = new Set<string>();
  for (const w of wanted) {
    const path = normalizeRoutePath(w.path);
    if (wantedPaths.has(path)) continue; // first wins
    wantedPaths.add(path);
    const route = { ...w, path };
    const have = ours.get(path);
    if (!have) plan.add.push(route);
    else if (needsUpdate(route, have)) plan.update.push(route);
  }
  for (const path of ours.keys()) if (!wantedPaths.has(path)) plan.remove.push(path);
  const byPath = (a: WantedRoute, b: WantedRoute) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  plan.add.sort(byPath);
  plan.update.sort(byPath);
  plan.remove.sort();
  return plan;
}
