// The HTTP layer's view of scopes: is this caller allowed to do X to resource R?
import { has, filterFor, describeForApi, isScopeName, userOfServer, type GroupsOf, type ScopeSet, type ScopeResource } from '../domain/scopes.ts';
import type { Identity } from './identity.ts';

export type { ScopeSet };
export type Resource = ScopeResource;

/** `groupsOf` (user → their groups) lets `!group=` filters cover the group's members and servers. */
export function can(id: Identity, scope: string, resource: Resource = {}, groupsOf?: GroupsOf): boolean {
  if (!isScopeName(scope)) throw new Error(`unknown scope in a handler: ${scope}`);
  return has(id.scopes, scope, resource, groupsOf);
}

/** True when the caller holds `scope` only for some groups (a user check then needs their groups). */
export function holdsGroupFilter(id: Identity, scope: string): boolean {
  if (!isScopeName(scope)) return false;
  const g = id.scopes.grant(scope);
  return g !== undefined && !g.all && g.groups.size > 0;
}

/** True when the caller holds `scope` for some resources (so a miss means "not yours": 404). */
export function holdsAnyFilter(id: Identity, scope: string): boolean {
  return isScopeName(scope) && id.scopes.grant(scope) !== undefined;
}

/**
 * For listings: everything, or the users the caller's filters name and the groups whose members
 * they cover (the caller resolves those to members).
 */
export function listFilter(id: Identity, scope: string): 'all' | { users: string[]; groups: string[] } {
  if (!isScopeName(scope)) throw new Error(`unknown scope in a handler: ${scope}`);
  const g = filterFor(id.scopes, scope);
  if (g.all) return 'all';
  const users = new Set(g.users);
  for (const s of g.servers) users.add(userOfServer(s));
  return { users: [...users], groups: [...g.groups] };
}

/** For group listings: everything, or the groups named by `!group=` filters (other filters name no group). */
export function groupListFilter(id: Identity, scope: string): 'all' | string[] {
  if (!isScopeName(scope)) throw new Error(`unknown scope in a handler: ${scope}`);
  const g = filterFor(id.scopes, scope);
  return g.all ? 'all' : [...g.groups];
}

/** Sorted, fully expanded scope strings as GET /hub/api/user returns them. */
export function apiScopeList(id: Identity): string[] {
  return describeForApi(id.scopes);
}
