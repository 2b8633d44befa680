// The HTTP layer's view of scopes: is this caller allowed to do X to resource R?
import { has, filterFor, describeForApi, isScopeName, userOfServer, type ScopeSet, type ScopeResource } from '../domain/scopes.ts';
import type { Identity } from './identity.ts';

export type { ScopeSet };
export type Resource = ScopeResource;

export function can(id: Identity, scope: string, resource: Resource = {}): boolean {
  if (!isScopeName(scope)) throw new Error(`unknown scope in a handler: ${scope}`);
  return has(id.scopes, scope, resource);
}

/** True when the caller holds `scope` for some resources (so a miss means "not yours": 404). */
export function holdsAnyFilter(id: Identity, scope: string): boolean {
  return isScopeName(scope) && id.scopes.grant(scope) !== undefined;
}

/** For listings: everything, or the users the caller's filters name. */
export function listFilter(id: Identity, scope: string): 'all' | { users: string[] } {
  if (!isScopeName(scope)) throw new Error(`unknown scope in a handler: ${scope}`);
  const g = filterFor(id.scopes, scope);
  if (g.all) return 'all';
  const users = new Set(g.users);
  for (const s of g.servers) users.add(userOfServer(s));
  return { users: [...users] };
}

/** Sorted, fully expanded scope strings as GET /hub/api/user returns them. */
export function apiScopeList(id: Identity): string[] {
  return describeForApi(id.scopes);
}
