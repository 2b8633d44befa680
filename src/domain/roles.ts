// Roles: the default roles (scopeTable.ts) plus custom roles from config (`hub.loadRoles`,
// z2jh's dict keyed by role name, or JupyterHub's `load_roles` list), who holds which role,
// and the scopes that follow: an owner's scopes, and a token's effective scopes
// (token ∩ owner, re-evaluated at use time so demotion narrows tokens at once; protocol.md §7.3).
import { DEFAULT_ROLES } from './scopeTable.ts';
import {
  RAW_IDENTIFY_SCOPES,
  ScopeError,
  ScopeSet,
  expandScopes,
  intersect,
  isValidScope,
  ownerGroupsOf,
  parseScope,
  uncovered,
  type GroupsOf,
  type ScopeOwner,
} from './scopes.ts';

export interface Role {
  readonly name: string;
  readonly description: string;
  /** Raw scopes (may contain metascopes and bare filters). */
  readonly scopes: readonly string[];
  readonly users: readonly string[];
  readonly groups: readonly string[];
  readonly services: readonly string[];
}

/** All roles by name: defaults merged with config. */
export type RoleTable = ReadonlyMap<string, Role>;

/** A role as written in config; everything is checked by loadRoles. */
export interface RoleInput {
  name?: unknown;
  description?: unknown;
  scopes?: unknown;
  users?: unknown;
  groups?: unknown;
  services?: unknown;
}

export class RoleConfigError extends Error {
  override readonly name = 'RoleConfigError';
  readonly code = 'ROLE_CONFIG_INVALID';
  constructor(
    /** Config path of the bad value, e.g. `hub.loadRoles.teacher.scopes[1]`. */
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

/** JupyterHub role names: 3–255 chars, lowercase letters, digits, `-_~.`, letter first, alnum last. */
const ROLE_NAME = /^[a-z][a-z0-9\-_~.]{1,253}[a-z0-9]$/;
const ROLE_KEYS = new Set(['name', 'description', 'scopes', 'users', 'groups', 'services']);

function freezeRole(r: Role): Role {
  return Object.freeze({
    ...r,
    scopes: Object.freeze([...r.scopes]),
    users: Object.freeze([...r.users]),
    groups: Object.freeze([...r.groups]),
    services: Object.freeze([...r.services]),
  });
}

export const DEFAULT_ROLE_TABLE: RoleTable = new Map(
  DEFAULT_ROLES.map((d) => [d.name, freezeRole({ ...d, users: [], groups: [], services: [] })]),
);

function stringList(v: unknown, path: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new RoleConfigError(path, 'must be a list of strings');
  return v.map((x, i) => {
    if (typeof x !== 'string' || x === '') throw new RoleConfigError(`${path}[${i}]`, 'must be a non-empty string');
    return x;
  });
}

function checkRole(input: RoleInput, path: string, key: string | null): Role {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new RoleConfigError(path, 'must be a mapping');
  for (const k of Object.keys(input)) {
    if (!ROLE_KEYS.has(k)) throw new RoleConfigError(`${path}.${k}`, `unknown key; roles have ${[...ROLE_KEYS].join(', ')}`);
  }
  const name = input.name ?? key;
  if (typeof name !== 'string') throw new RoleConfigError(`${path}.name`, 'is required and must be a string');
  if (!ROLE_NAME.test(name)) {
    throw new RoleConfigError(
      `${path}.name`,
      `invalid role name ${JSON.stringify(name)}: 3-255 characters, lowercase letters, digits and -_~. only, starting with a letter and ending with a letter or digit`,
    );
  }
  if (input.description !== undefined && typeof input.description !== 'string') throw new RoleConfigError(`${path}.description`, 'must be a string');
  const scopes = stringList(input.scopes, `${path}.scopes`);
  scopes.forEach((s, i) => {
    try {
      parseScope(s, `${path}.scopes[${i}]`);
    } catch (e) {
      if (e instanceof ScopeError) throw new RoleConfigError(`${path}.scopes[${i}]`, e.message);
      throw e;
    }
  });
  return {
    name,
    description: (input.description as string | undefined) ?? '',
    scopes,
    users: stringList(input.users, `${path}.users`),
    groups: stringList(input.groups, `${path}.groups`),
    services: stringList(input.services, `${path}.services`),
  };
}

export interface LoadRolesOptions {
  /**
   * z2jh `auth.admin.access` (JupyterHub `admin_access`): false removes `access:servers` and
   * `shares` (which implies it) from the admin role, so admins manage but cannot open other
   * users' servers. Default true.
   */
  adminAccess?: boolean;
}

/** Scopes the admin role loses with `auth.admin.access: false`. */
const ADMIN_ACCESS_SCOPES: ReadonlySet<string> = new Set(['access:servers', 'shares']);

/**
 * Validates custom roles and merges them over the defaults. Redefining a default role merges
 * (unset keys keep the default); the `admin` role may gain scopes but not lose any.
 * Throws RoleConfigError with the config path of the first problem.
 */
export function loadRoles(
  input: Readonly<Record<string, RoleInput>> | readonly RoleInput[] | null | undefined,
  where = 'hub.loadRoles',
  options: LoadRolesOptions = {},
): RoleTable {
  const table = new Map(DEFAULT_ROLE_TABLE);
  if (options.adminAccess === false) {
    const admin = DEFAULT_ROLE_TABLE.get('admin')!;
    table.set('admin', freezeRole({ ...admin, scopes: admin.scopes.filter((s) => !ADMIN_ACCESS_SCOPES.has(s)) }));
  }
  if (input === null || input === undefined) return table;
  const entries: [string, RoleInput, string | null][] = Array.isArray(input)
    ? (input as readonly RoleInput[]).map((r, i) => [`${where}[${i}]`, r, null])
    : Object.entries(input as Record<string, RoleInput>).map(([k, r]) => [`${where}.${k}`, r, k]);
  const seen = new Set<string>();
  for (const [path, raw, key] of entries) {
    const role = checkRole(raw, path, key);
    if (seen.has(role.name)) throw new RoleConfigError(path, `role ${role.name} is defined twice`);
    seen.add(role.name);
    const base = DEFAULT_ROLE_TABLE.has(role.name) ? table.get(role.name) : undefined;
    let merged = role;
    if (base) {
      const r = raw as RoleInput;
      merged = {
        name: role.name,
        description: r.description === undefined ? base.description : role.description,
        scopes: r.scopes === undefined ? base.scopes : role.scopes,
        users: role.users,
        groups: role.groups,
        services: role.services,
      };
      if (role.name === 'admin') {
        const missing = base.scopes.filter((s) => !merged.scopes.includes(s));
        if (missing.length) throw new RoleConfigError(`${path}.scopes`, `the admin role cannot lose its default scopes (missing ${missing.join(', ')})`);
      }
    }
    table.set(role.name, freezeRole(merged));
  }
  return table;
}

/** Who a role applies to. `admin` users and services get the `admin` role. */
export interface RoleHolder extends ScopeOwner {
  admin: boolean;
  groups?: readonly string[];
}

/** Names of the roles a user or service holds, sorted. */
export function rolesFor(holder: RoleHolder, roles: RoleTable): string[] {
  const out = new Set<string>();
  if (holder.kind === 'user') out.add('user');
  if (holder.admin) out.add('admin');
  const groups = new Set(holder.groups ?? []);
  for (const role of roles.values()) {
    if (holder.kind === 'user') {
      if (role.users.includes(holder.name) || role.groups.some((g) => groups.has(g))) out.add(role.name);
    } else if (role.services.includes(holder.name)) {
      out.add(role.name);
    }
  }
  return [...out].sort();
}

/** Raw scopes of the named roles (deduplicated, sorted); unknown role names throw RoleConfigError. */
export function rolesToScopes(roleNames: readonly string[], roles: RoleTable): string[] {
  const out = new Set<string>();
  for (const n of roleNames) {
    const role = roles.get(n);
    if (!role) throw new RoleConfigError(`role ${n}`, 'no such role');
    for (const s of role.scopes) out.add(s);
  }
  return [...out].sort();
}

/**
 * Everything an owner may do: their roles' scopes expanded for them. Roles are never `inherit`
 * (the `token` role is not assigned to owners), so no ownerScopes context is needed.
 */
export function ownerScopes(holder: RoleHolder, roles: RoleTable): ScopeSet {
  const raw = rolesToScopes(rolesFor(holder, roles), roles).filter((s) => s !== 'inherit' && s !== 'all');
  return expandScopes(raw, holder);
}

export interface TokenScopeContext {
  /** Access scope of the OAuth client that issued the token (e.g. `access:servers!server=alice/`). */
  oauthAccessScope?: string | null;
  /**
   * Server name for bare `!server` in the token's scopes (a server's own token). Derived from
   * `oauthAccessScope` when that is a `!server=` scope.
   */
  serverName?: string;
  /** Group lookup for users other than the owner (default: only the owner's groups). */
  groupsOf?: GroupsOf;
}

/**
 * Effective scopes of a token at use time (JupyterHub `get_scopes_for(token)`): `inherit` →
 * exactly the owner's scopes; otherwise expand(token + identify [+ OAuth access scope]) ∩ owner.
 * Stored scopes that no longer parse grant nothing (never an error on every request).
 */
export function tokenScopes(tokenRaw: readonly string[], holder: RoleHolder, owner: ScopeSet, ctx: TokenScopeContext = {}): ScopeSet {
  if (tokenRaw.includes('inherit') || tokenRaw.includes('all')) return owner;
  const raw = tokenRaw.filter(isValidScope);
  if (holder.kind === 'user') raw.push(...RAW_IDENTIFY_SCOPES);
  else raw.push('read:services:name!service');
  let serverName = ctx.serverName;
  let serverUser: string | undefined;
  if (ctx.oauthAccessScope && isValidScope(ctx.oauthAccessScope)) {
    raw.push(ctx.oauthAccessScope);
    const f = parseScope(ctx.oauthAccessScope).filter;
    if (f?.kind === 'server' && f.value !== null && serverName === undefined) {
      const slash = f.value.indexOf('/');
      serverUser = f.value.slice(0, slash);
      serverName = f.value.slice(slash + 1);
    }
  }
  const expanded = expandScopes(raw, holder, { serverName, serverUser, ownerScopes: owner });
  return intersect(expanded, owner, ctx.groupsOf ?? ownerGroupsOf(holder));
}

/**
 * Checks scopes requested for a new token (POST /users/{name}/tokens): each must be valid and
 * held by the owner. Returns null when fine, else a message for a 400 naming what is wrong.
 */
export function checkTokenScopes(requested: readonly string[], holder: RoleHolder, owner: ScopeSet, groupsOf?: GroupsOf): string | null {
  let wanted: ScopeSet;
  try {
    wanted = expandScopes(requested, holder, { ownerScopes: owner });
  } catch (e) {
    if (e instanceof ScopeError) return e.message;
    throw e;
  }
  const excess = uncovered(wanted, owner, groupsOf ?? ownerGroupsOf(holder));
  if (!excess.length) return null;
  return `Not assigning requested scopes ${excess.join(', ')} not held by ${holder.kind} ${holder.name}`;
}
