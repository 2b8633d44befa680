// JSON models of the REST API (protocol.md §6.3), each field shown only when the caller's
// scopes allow it.
import type { ServerRecord, TokenRecord, UserRecord } from '../store/types.ts';
import type { HubContext } from './context.ts';
import type { Identity } from './identity.ts';
import { can } from './authz.ts';
import { serverPrefix } from '../domain/names.ts';

/** ISO 8601 UTC with Z; microseconds only when non-zero, as JupyterHub prints them. */
export function isoTime(d: Date | null | undefined): string | null {
  if (!d) return null;
  const s = d.toISOString(); // 2026-11-23T19:29:49.432Z
  const ms = d.getUTCMilliseconds();
  return ms === 0 ? `${s.slice(0, 19)}Z` : `${s.slice(0, 23)}000Z`;
}

export function serverModel(ctx: HubContext, id: Identity | null, s: ServerRecord, withState = false): Record<string, unknown> {
  const pending = ctx.servers.pending(s.userName, s.name);
  const ready = ctx.servers.isReady(s.userName, s.name);
  const url = serverPrefix(ctx.baseUrl, s.userName, s.name);
  const progressPath = s.name
    ? `users/${encodeURIComponent(s.userName)}/servers/${encodeURIComponent(s.name)}/progress`
    : `users/${encodeURIComponent(s.userName)}/server/progress`;
  const m: Record<string, unknown> = {
    name: s.name,
    full_name: `${s.userName}/${s.name}`,
    last_activity: isoTime(s.lastActivity),
    started: isoTime(s.started),
    pending,
    ready,
    stopped: !ready && pending === null,
    url,
    user_options: s.userOptions,
    progress_url: `${ctx.hubPrefix}api/${progressPath}`,
    full_url: null,
    full_progress_url: null,
  };
  if (withState || (id && can(id, 'admin:server_state', { server: `${s.userName}/${s.name}` }))) m.state = s.spawnerState;
  return m;
}

export function isActive(ctx: HubContext, s: ServerRecord): boolean {
  return ctx.servers.isReady(s.userName, s.name) || ctx.servers.pending(s.userName, s.name) !== null;
}

export interface UserModelOptions {
  includeStoppedServers?: boolean;
  /** The user's hub group names (store.groupsOfUser); [] when not given. */
  groups?: string[];
  /**
   * The user's decrypted auth state, shown to callers with admin:auth_state. Only GET (and PATCH)
   * of a single user pass it, as JupyterHub; elsewhere such callers see null.
   */
  authState?: Record<string, unknown> | null;
}

export function userModel(
  ctx: HubContext,
  id: Identity,
  u: UserRecord,
  servers: ServerRecord[],
  o: UserModelOptions = {},
): Record<string, unknown> {
  const r = { user: u.name };
  const m: Record<string, unknown> = { kind: 'user', name: u.name };
  const groups = o.groups ?? [];
  // `!group=` filters cover this user through their groups
  const groupsOf = (name: string) => (name === u.name ? groups : []);
  const may = (scope: string, res: { user: string }) => can(id, scope, res, groupsOf);
  const readUsers = may('read:users', r);
  if (readUsers || may('read:users:name', r) || may('read:roles:users', r)) m.admin = u.admin;
  if (readUsers || may('read:roles:users', r)) m.roles = ctx.identities.rolesOf({ kind: 'user', name: u.name, admin: u.admin, groups });
  if (readUsers || may('read:users:groups', r)) m.groups = groups;
  const def = servers.find((s) => s.name === '');
  if (readUsers) {
    m.server = def && ctx.servers.isReady(u.name, '') ? serverPrefix(ctx.baseUrl, u.name, '') : null;
    m.pending = def ? ctx.servers.pending(u.name, '') : null;
    m.created = isoTime(u.created);
  }
  if (readUsers || may('read:users:activity', r)) m.last_activity = isoTime(u.lastActivity);
  if (may('read:servers', r)) {
    const out: Record<string, unknown> = {};
    for (const s of servers) {
      if (o.includeStoppedServers || isActive(ctx, s)) out[s.name] = serverModel(ctx, id, s);
    }
    m.servers = out;
  }
  if (may('admin:auth_state', r)) m.auth_state = o.authState ?? null;
  return m;
}

export function tokenModel(t: TokenRecord): Record<string, unknown> {
  const m: Record<string, unknown> = {
    id: `a${t.id}`,
    kind: 'api_token',
    roles: [],
    scopes: t.scopes,
    created: isoTime(t.created),
    last_activity: isoTime(t.lastActivity),
    expires_at: isoTime(t.expiresAt),
    note: t.note,
    session_id: t.sessionId,
    oauth_client: t.oauthClientId,
  };
  if (t.owner.kind === 'user') m.user = t.owner.name;
  else m.service = t.owner.name;
  return m;
}
