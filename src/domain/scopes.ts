// Parsing and expansion of raw scopes (`scope`, `scope!filter`, `scope!filter=value`, metascopes)
// into a canonical ScopeSet (protocol.md §7.2). The vocabulary is data in scopeTable.ts; the set
// algebra (has, intersect, describeForApi, filterFor) is in scopeSet.ts and re-exported here.
import {
  BARE_FILTER_KINDS,
  FILTER_KINDS,
  METASCOPES,
  SCOPE_TABLE,
  SELF_SCOPES,
  type FilterKind,
  type Metascope,
  type ScopeDefinition,
  type ScopeName,
} from './scopeTable.ts';
import { ScopeSet, ScopeSetBuilder, intersect, uncovered, type GroupsOf } from './scopeSet.ts';

export * from './scopeSet.ts';
export type { FilterKind, Metascope, ScopeName } from './scopeTable.ts';

export type ScopeErrorCode = 'SCOPE_UNKNOWN' | 'SCOPE_FILTER_UNKNOWN' | 'SCOPE_FILTER_INVALID' | 'SCOPE_INHERIT_UNRESOLVED';

/** A raw scope that cannot be used; the message names the scope and where it came from. */
export class ScopeError extends Error {
  override readonly name = 'ScopeError';
  constructor(
    readonly code: ScopeErrorCode,
    readonly scope: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ParsedScope {
  raw: string;
  name: ScopeName | Metascope;
  /** null = unfiltered; value null = bare filter (`!user`) resolved against the owner. */
  filter: { kind: FilterKind; value: string | null } | null;
}

/** Whoever holds the scopes: a user (with their groups) or a service. */
export interface ScopeOwner {
  kind: 'user' | 'service';
  name: string;
  groups?: readonly string[];
}

export interface ExpandContext {
  /** Server name (`''` = default) that bare `!server` refers to, e.g. the issuing server's OAuth client. */
  serverName?: string;
  /** Owner of that server when it is not the scope owner (an admin using bob's server); default: the owner. */
  serverUser?: string;
  /** Service that bare `!service` refers to when the owner is a user (a service's OAuth client). */
  serviceName?: string;
  /** The owner's own expanded scopes; required to expand `inherit` / `all`. */
  ownerScopes?: ScopeSet;
}

const TABLE: Readonly<Record<string, ScopeDefinition>> = SCOPE_TABLE;
const METASCOPE_SET: ReadonlySet<string> = new Set(METASCOPES);
const FILTER_KIND_SET: ReadonlySet<string> = new Set(FILTER_KINDS);
const BARE_KIND_SET: ReadonlySet<string> = new Set(BARE_FILTER_KINDS);

export function isScopeName(s: string): s is ScopeName {
  return Object.prototype.hasOwnProperty.call(TABLE, s) || CUSTOM.has(s);
}

/**
 * Custom scopes (JupyterHub's custom_scopes, hub.customScopes): `custom:<name>[:<more>]` with a
 * description and optional subscopes (other custom scopes). They exist for the whole process once
 * defined; services check them themselves in the user model's `scopes`.
 */
const CUSTOM = new Map<string, { description: string; closure: readonly ScopeName[] }>();
const CUSTOM_NAME = /^custom:[a-z0-9][a-z0-9_\-*:]*[a-z0-9_*]$/;

export interface CustomScopeDefinition {
  description: string;
  subscopes?: readonly string[];
}

/** Defines custom scopes; throws ScopeError naming `where` for a bad name or an unknown subscope. */
export function defineCustomScopes(defs: Readonly<Record<string, CustomScopeDefinition>>, where = 'hub.customScopes'): void {
  for (const [name, d] of Object.entries(defs)) {
    if (!CUSTOM_NAME.test(name)) {
      throw new ScopeError('SCOPE_UNKNOWN', name, `Custom scope '${name}' in ${where} must look like custom:<name> (lower case letters, digits, _, -, *, :)`);
    }
    if (Object.prototype.hasOwnProperty.call(TABLE, name)) throw new ScopeError('SCOPE_UNKNOWN', name, `Custom scope '${name}' in ${where} is a built-in scope`);
    for (const sub of d.subscopes ?? []) {
      if (!(sub in defs) && !CUSTOM.has(sub)) throw new ScopeError('SCOPE_UNKNOWN', sub, `Subscope '${sub}' of ${name} in ${where} is not a custom scope defined there`);
    }
  }
  const walk = (name: string, acc: Set<string>, path: string[]): void => {
    if (path.includes(name)) throw new ScopeError('SCOPE_UNKNOWN', name, `Custom scopes in ${where} form a cycle: ${[...path, name].join(' → ')}`);
    acc.add(name);
    for (const sub of defs[name]?.subscopes ?? []) walk(sub, acc, [...path, name]);
    for (const sub of defs[name] ? [] : (CUSTOM.get(name)?.closure ?? [])) acc.add(sub);
  };
  for (const [name, d] of Object.entries(defs)) {
    const acc = new Set<string>();
    walk(name, acc, []);
    CUSTOM.set(name, { description: d.description, closure: Object.freeze([...acc] as ScopeName[]) });
  }
}

/** Every concrete scope name, sorted. */
export const ALL_SCOPE_NAMES: readonly ScopeName[] = Object.freeze((Object.keys(SCOPE_TABLE) as ScopeName[]).sort());

/** Scope → itself plus all subscopes, computed once from the table. */
const CLOSURE: ReadonlyMap<ScopeName, readonly ScopeName[]> = (() => {
  const out = new Map<ScopeName, readonly ScopeName[]>();
  const walk = (name: ScopeName, acc: Set<ScopeName>, path: string[]): void => {
    if (path.includes(name)) throw new Error(`scope table has a cycle: ${[...path, name].join(' → ')}`);
    acc.add(name);
    for (const sub of TABLE[name].subscopes ?? []) {
      if (!isScopeName(sub)) throw new Error(`scope table: subscope ${sub} of ${name} is not defined`);
      walk(sub, acc, [...path, name]);
    }
  };
  for (const name of ALL_SCOPE_NAMES) {
    const acc = new Set<ScopeName>();
    walk(name, acc, []);
    out.set(name, Object.freeze([...acc]));
  }
  return out;
})();

/** The scope and everything it implies (unfiltered). */
export function subscopesOf(name: ScopeName): readonly ScopeName[] {
  return CLOSURE.get(name) ?? CUSTOM.get(name)!.closure;
}

function suffix(where: string | undefined): string {
  return where ? ` in ${where}` : '';
}

/**
 * Parses one raw scope; throws ScopeError naming the scope (and `where`, e.g.
 * `hub.loadRoles.teacher.scopes[2]`) for unknown scopes, unknown or malformed filters.
 */
export function parseScope(raw: string, where?: string): ParsedScope {
  if (typeof raw !== 'string' || raw === '') throw new ScopeError('SCOPE_UNKNOWN', String(raw), `Empty scope${suffix(where)}`);
  const bang = raw.indexOf('!');
  const name = bang < 0 ? raw : raw.slice(0, bang);
  if (!isScopeName(name) && !METASCOPE_SET.has(name)) {
    throw new ScopeError('SCOPE_UNKNOWN', raw, `Scope '${name}'${suffix(where)} does not exist`);
  }
  if (bang < 0) return { raw, name: name as ScopeName | Metascope, filter: null };
  if (METASCOPE_SET.has(name)) {
    throw new ScopeError('SCOPE_FILTER_INVALID', raw, `Metascope '${name}'${suffix(where)} cannot be filtered ('${raw}')`);
  }
  const filter = raw.slice(bang + 1);
  const eq = filter.indexOf('=');
  const kind = eq < 0 ? filter : filter.slice(0, eq);
  if (!FILTER_KIND_SET.has(kind)) {
    throw new ScopeError('SCOPE_FILTER_UNKNOWN', raw, `Scope filter '!${kind}' in scope '${raw}'${suffix(where)} does not exist; use !user, !server, !group or !service`);
  }
  if (eq < 0) {
    if (!BARE_KIND_SET.has(kind)) {
      throw new ScopeError('SCOPE_FILTER_INVALID', raw, `Scope filter '!${kind}' in scope '${raw}'${suffix(where)} needs a value ('!${kind}=<name>')`);
    }
    return { raw, name: name as ScopeName, filter: { kind: kind as FilterKind, value: null } };
  }
  const value = filter.slice(eq + 1);
  if (value === '') throw new ScopeError('SCOPE_FILTER_INVALID', raw, `Scope filter in '${raw}'${suffix(where)} has an empty value`);
  if (kind === 'server' && !value.includes('/')) {
    throw new ScopeError('SCOPE_FILTER_INVALID', raw, `Server filter in '${raw}'${suffix(where)} must be '<user>/<server name>' ('${value}/' for the default server)`);
  }
  return { raw, name: name as ScopeName, filter: { kind: kind as FilterKind, value } };
}

/** True when `raw` parses (known scope or metascope, valid filter). */
export function isValidScope(raw: string): boolean {
  try {
    parseScope(raw);
    return true;
  } catch (e) {
    if (e instanceof ScopeError) return false;
    throw e;
  }
}

/** Throws ScopeError for the first invalid scope; `where` names the list (index is appended). */
export function validateScopes(raw: readonly string[], where?: string): void {
  raw.forEach((s, i) => parseScope(s, where ? `${where}[${i}]` : undefined));
}

/** Concrete filter value of a bare filter, or null when it cannot be resolved (then the scope is dropped). */
function resolveBare(kind: FilterKind, owner: ScopeOwner, ctx: ExpandContext | undefined): string | null {
  if (kind === 'user') return owner.kind === 'user' ? owner.name : null;
  if (kind === 'service') return owner.kind === 'service' ? owner.name : (ctx?.serviceName ?? null);
  if (kind === 'server') {
    if (ctx?.serverName === undefined) return null;
    const user = ctx.serverUser ?? (owner.kind === 'user' ? owner.name : null);
    return user === null ? null : `${user}/${ctx.serverName}`;
  }
  return null;
}

function addExpanded(b: ScopeSetBuilder, name: ScopeName, filter: { kind: FilterKind; value: string } | null): void {
  for (const sub of subscopesOf(name)) {
    if (!filter) {
      b.addAll(sub);
      continue;
    }
    // read:servers → read:users:name makes no sense for one server (JupyterHub `_expand_scope`)
    if (filter.kind === 'server' && sub.startsWith('read:user')) continue;
    b.addFilter(sub, filter.kind, filter.value);
  }
}

/**
 * Expands raw scopes for an owner: metascopes (`self`, `inherit`/`all`, `(no_scope)`), bare
 * filters (`!user` → the owner, `!server` → `<owner>/<ctx.serverName>`, `!service`), and
 * subscopes with filters carried. Bare filters that cannot be resolved drop the scope (as
 * JupyterHub). Throws ScopeError for invalid scopes or `inherit` without `ctx.ownerScopes`.
 */
export function expandScopes(raw: readonly string[], owner: ScopeOwner, ctx?: ExpandContext): ScopeSet {
  const b = new ScopeSetBuilder();
  for (const r of raw) {
    const p = parseScope(r);
    switch (p.name) {
      case '(no_scope)':
        continue;
      case 'self':
        if (owner.kind === 'user') for (const s of SELF_SCOPES) b.addFilter(s, 'user', owner.name);
        continue;
      case 'inherit':
      case 'all':
        if (!ctx?.ownerScopes) throw new ScopeError('SCOPE_INHERIT_UNRESOLVED', r, `Scope '${r}' needs the owner's scopes to expand`);
        b.addSet(ctx.ownerScopes);
        continue;
    }
    const name = p.name as ScopeName;
    if (!p.filter) {
      addExpanded(b, name, null);
      continue;
    }
    const value = p.filter.value ?? resolveBare(p.filter.kind, owner, ctx);
    if (value !== null) addExpanded(b, name, { kind: p.filter.kind, value });
  }
  return b.build();
}

/** Raw identify scopes (what OAuth grants always include; bare filters). */
export const RAW_IDENTIFY_SCOPES: readonly string[] = Object.freeze(['read:users:groups!user', 'read:users:name!user']);

/** Expanded identify scopes of an owner: enough for `GET /hub/api/user`. */
export function identifyScopes(owner: ScopeOwner): string[] {
  return owner.kind === 'user'
    ? [`read:users:groups!user=${owner.name}`, `read:users:name!user=${owner.name}`]
    : [`read:services:name!service=${owner.name}`];
}

/** identifyScopes as a ScopeSet. */
export function identifyScopeSet(owner: ScopeOwner): ScopeSet {
  return expandScopes(identifyScopes(owner), owner);
}

/** Group lookup that knows only the owner's own groups (enough for token ∩ owner). */
export function ownerGroupsOf(owner: ScopeOwner): GroupsOf {
  const mine = owner.groups ?? [];
  return (user) => (owner.kind === 'user' && user === owner.name ? mine : []);
}

/**
 * JupyterHub `_resolve_requested_scopes`: which raw requested scopes `held` allows. A scope
 * fully covered is kept in raw form; a partly covered one contributes the covered expanded
 * pieces to `allowed` and is listed in `disallowed`; an uncovered one only in `disallowed`.
 */
export function resolveRequestedScopes(
  requested: readonly string[],
  held: ScopeSet,
  owner: ScopeOwner,
  ctx?: ExpandContext,
  groupsOf?: GroupsOf,
): { allowed: string[]; disallowed: string[] } {
  const allowed = new Set<string>();
  const disallowed: string[] = [];
  for (const r of new Set(requested)) {
    const want = expandScopes([r], owner, ctx);
    if (uncovered(want, held, groupsOf).length === 0) {
      allowed.add(r);
      continue;
    }
    disallowed.push(r);
    for (const s of intersect(want, held, groupsOf).toStrings()) allowed.add(s);
  }
  return { allowed: [...allowed].sort(), disallowed: disallowed.sort() };
}
