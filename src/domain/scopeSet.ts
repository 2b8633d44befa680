// The canonical form of a set of *expanded* scopes and its algebra (JupyterHub `parse_scopes`,
// `_intersect_expanded_scopes`, `check_scope_filter`). For each scope name: either held
// unfiltered, or held for sets of users / servers / groups / services. Lookups are a Map get
// plus a Set has, so endpoint checks stay O(1) on every request.
import type { FilterKind, ScopeName } from './scopeTable.ts';

export interface FilteredGrant {
  readonly all: false;
  readonly users: ReadonlySet<string>;
  /** `<user>/<server name>`; the default server is `alice/`. */
  readonly servers: ReadonlySet<string>;
  readonly groups: ReadonlySet<string>;
  readonly services: ReadonlySet<string>;
}
export type ScopeGrant = { readonly all: true } | FilteredGrant;

/** The resource an endpoint acts on; `server` is `<user>/<server name>` (`alice/` = default). */
export interface ScopeResource {
  user?: string;
  server?: string;
  group?: string;
  service?: string;
}

/** Group membership lookup used to resolve `!group=` filters against users/servers. */
export type GroupsOf = (user: string) => Iterable<string>;

const ALL_GRANT: ScopeGrant = Object.freeze({ all: true as const });
const EMPTY_SET: ReadonlySet<string> = new Set<string>();
const NO_GRANT: FilteredGrant = Object.freeze({ all: false as const, users: EMPTY_SET, servers: EMPTY_SET, groups: EMPTY_SET, services: EMPTY_SET });

const KIND_KEY = { user: 'users', server: 'servers', group: 'groups', service: 'services' } as const satisfies Record<FilterKind, keyof FilteredGrant>;
const KINDS: readonly FilterKind[] = ['user', 'server', 'group', 'service'];

/** The user part of a server filter value (`alice/foo` → `alice`). */
export function userOfServer(server: string): string {
  const i = server.indexOf('/');
  return i < 0 ? server : server.slice(0, i);
}

/** An immutable set of expanded scopes. Build with ScopeSetBuilder or the functions below. */
export class ScopeSet {
  static readonly EMPTY = new ScopeSet(new Map());
  private described: readonly string[] | null = null;

  /** @internal use ScopeSetBuilder */
  constructor(private readonly grants: ReadonlyMap<ScopeName, ScopeGrant>) {}

  grant(scope: ScopeName): ScopeGrant | undefined {
    return this.grants.get(scope);
  }

  get size(): number {
    return this.grants.size;
  }

  scopeNames(): ScopeName[] {
    return [...this.grants.keys()];
  }

  entries(): IterableIterator<[ScopeName, ScopeGrant]> {
    return this.grants.entries();
  }

  /** Sorted expanded strings, e.g. `access:servers!server=alice/` (cached). */
  toStrings(): readonly string[] {
    if (!this.described) {
      const out: string[] = [];
      for (const [name, g] of this.grants) {
        if (g.all) {
          out.push(name);
          continue;
        }
        for (const kind of KINDS) for (const v of g[KIND_KEY[kind]]) out.push(`${name}!${kind}=${v}`);
      }
      this.described = Object.freeze(out.sort());
    }
    return this.described;
  }

  equals(other: ScopeSet): boolean {
    const a = this.toStrings();
    const b = other.toStrings();
    return a.length === b.length && a.every((s, i) => s === b[i]);
  }
}

interface MutableGrant {
  all: boolean;
  users: Set<string>;
  servers: Set<string>;
  groups: Set<string>;
  services: Set<string>;
}

/** Accumulates grants; `build()` freezes them into a ScopeSet (unfiltered beats filtered). */
export class ScopeSetBuilder {
  private readonly grants = new Map<ScopeName, MutableGrant>();

  private slot(scope: ScopeName): MutableGrant {
    let g = this.grants.get(scope);
    if (!g) {
      g = { all: false, users: new Set(), servers: new Set(), groups: new Set(), services: new Set() };
      this.grants.set(scope, g);
    }
    return g;
  }

  addAll(scope: ScopeName): this {
    this.slot(scope).all = true;
    return this;
  }

  addFilter(scope: ScopeName, kind: FilterKind, value: string): this {
    const g = this.slot(scope);
    if (!g.all) g[KIND_KEY[kind]].add(value);
    return this;
  }

  addGrant(scope: ScopeName, grant: ScopeGrant): this {
    if (grant.all) return this.addAll(scope);
    for (const kind of KINDS) for (const v of grant[KIND_KEY[kind]]) this.addFilter(scope, kind, v);
    return this;
  }

  addSet(set: ScopeSet): this {
    for (const [name, g] of set.entries()) this.addGrant(name, g);
    return this;
  }

  build(): ScopeSet {
    const out = new Map<ScopeName, ScopeGrant>();
    for (const [name, g] of this.grants) {
      if (g.all) out.set(name, ALL_GRANT);
      else if (g.users.size || g.servers.size || g.groups.size || g.services.size) {
        out.set(name, Object.freeze({ all: false as const, users: g.users, servers: g.servers, groups: g.groups, services: g.services }));
      }
    }
    return out.size ? new ScopeSet(out) : ScopeSet.EMPTY;
  }
}

function anyIn(candidates: Iterable<string> | undefined, set: ReadonlySet<string>): boolean {
  if (!candidates || set.size === 0) return false;
  for (const c of candidates) if (set.has(c)) return true;
  return false;
}

function userCovered(g: FilteredGrant, user: string, groupsOf: GroupsOf | undefined): boolean {
  return g.users.has(user) || (g.groups.size > 0 && groupsOf !== undefined && anyIn(groupsOf(user), g.groups));
}

function serverCovered(g: FilteredGrant, server: string, groupsOf: GroupsOf | undefined): boolean {
  return g.servers.has(server) || userCovered(g, userOfServer(server), groupsOf);
}

/**
 * Endpoint check (protocol.md §6.1). With a resource: true when any of its filters is covered —
 * a held `!user=alice` covers `!server=alice/…`; a held `!group=g` covers users in g and their
 * servers, which needs `groupsOf` (user → that user's groups; it is asked about the resource's
 * user, never the caller). Without a resource: true when the scope is held in any form
 * (JupyterHub: "internal filtering may apply" — list endpoints then use filterFor).
 */
export function has(set: ScopeSet, scope: ScopeName, resource?: ScopeResource, groupsOf?: GroupsOf): boolean {
  const g = set.grant(scope);
  if (!g) return false;
  if (g.all) return true;
  if (!resource) return true;
  const { user, server, group, service } = resource;
  if (user === undefined && server === undefined && group === undefined && service === undefined) return true;
  if (server !== undefined && serverCovered(g, server, groupsOf)) return true;
  if (user !== undefined && userCovered(g, user, groupsOf)) return true;
  if (group !== undefined && g.groups.has(group)) return true;
  if (service !== undefined && g.services.has(service)) return true;
  return false;
}

/** True only when the scope is held without any filter. */
export function hasUnfiltered(set: ScopeSet, scope: ScopeName): boolean {
  return set.grant(scope)?.all === true;
}

/** For listing endpoints: everything, or exactly which users/servers/groups/services. */
export function filterFor(set: ScopeSet, scope: ScopeName): ScopeGrant {
  return set.grant(scope) ?? NO_GRANT;
}

/** Sorted list of expanded scope strings as `/hub/api/user` returns them. */
export function describeForApi(set: ScopeSet): string[] {
  return [...set.toStrings()];
}

export function union(...sets: ScopeSet[]): ScopeSet {
  const b = new ScopeSetBuilder();
  for (const s of sets) b.addSet(s);
  return b.build();
}

function intersectSets(a: ReadonlySet<string>, b: ReadonlySet<string>): Set<string> {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  const out = new Set<string>();
  for (const v of small) if (large.has(v)) out.add(v);
  return out;
}

/**
 * JupyterHub's intersection of expanded scopes: per scope, unfiltered ∩ X = X; otherwise
 * common filters of each kind, plus servers of one side whose user (or, with `groupsOf`, whose
 * user's group) the other side holds, plus users of one side in a group the other side holds.
 * So `!user=alice` ∩ `!server=alice/x` = `!server=alice/x`.
 */
export function intersect(a: ScopeSet, b: ScopeSet, groupsOf?: GroupsOf): ScopeSet {
  const out = new ScopeSetBuilder();
  for (const [name, ga] of a.entries()) {
    const gb = b.grant(name);
    if (!gb) continue;
    if (ga.all) {
      out.addGrant(name, gb);
      continue;
    }
    if (gb.all) {
      out.addGrant(name, ga);
      continue;
    }
    const users = intersectSets(ga.users, gb.users);
    const servers = intersectSets(ga.servers, gb.servers);
    for (const [x, y] of [
      [ga, gb],
      [gb, ga],
    ] as const) {
      for (const s of x.servers) if (!servers.has(s) && serverCovered(y, s, groupsOf)) servers.add(s);
      if (groupsOf && y.groups.size) for (const u of x.users) if (!users.has(u) && anyIn(groupsOf(u), y.groups)) users.add(u);
    }
    for (const u of users) out.addFilter(name, 'user', u);
    for (const s of servers) out.addFilter(name, 'server', s);
    for (const g of intersectSets(ga.groups, gb.groups)) out.addFilter(name, 'group', g);
    for (const s of intersectSets(ga.services, gb.services)) out.addFilter(name, 'service', s);
  }
  return out.build();
}

/**
 * The parts of `wanted` that `held` does not cover, as expanded strings (empty = covered).
 * Used to refuse tokens with scopes their owner lacks and to resolve OAuth requests.
 */
export function uncovered(wanted: ScopeSet, held: ScopeSet, groupsOf?: GroupsOf): string[] {
  const out: string[] = [];
  for (const [name, w] of wanted.entries()) {
    const h = held.grant(name);
    if (h?.all) continue;
    if (!h || w.all) {
      if (w.all) out.push(name);
      else for (const kind of KINDS) for (const v of w[KIND_KEY[kind]]) out.push(`${name}!${kind}=${v}`);
      continue;
    }
    for (const u of w.users) if (!userCovered(h, u, groupsOf)) out.push(`${name}!user=${u}`);
    for (const s of w.servers) if (!serverCovered(h, s, groupsOf)) out.push(`${name}!server=${s}`);
    for (const g of w.groups) if (!h.groups.has(g)) out.push(`${name}!group=${g}`);
    for (const s of w.services) if (!h.services.has(s)) out.push(`${name}!service=${s}`);
  }
  return out.sort();
}

/** True when `held` covers every grant in `wanted`. */
export function covers(held: ScopeSet, wanted: ScopeSet, groupsOf?: GroupsOf): boolean {
  return uncovered(wanted, held, groupsOf).length === 0;
}
