// The idle-culler's decisions as pure functions, matching jupyterhub-idle-culler
// (protocol.md §8) and z2jh's `cull.*` keys, for the in-hub culler.

export interface CullPolicy {
  /** cull.timeout: seconds of inactivity before a server is culled. */
  timeoutSeconds: number;
  /** cull.maxAge: seconds since start after which a server is culled even if active; 0 = off. */
  maxAgeSeconds: number;
  /** cull.users: also delete users whose servers are all stopped and who are inactive. */
  users: boolean;
  /** cull.adminUsers: whether admins' servers/users are culled too (z2jh default true). */
  adminUsers: boolean;
  /** cull.removeNamedServers: delete named servers instead of only stopping them. */
  removeNamedServers: boolean;
}

export interface CullServerView {
  /** '' = default server. */
  name: string;
  ready: boolean;
  pending: 'spawn' | 'stop' | null;
  started: Date | null;
  lastActivity: Date | null;
  userIsAdmin: boolean;
}

export type ServerCullDecision =
  | { cull: false; reason: 'pending' | 'not-ready' | 'admin' | 'active' | 'no-activity-data' }
  | { cull: true; reason: 'inactive' | 'max-age'; action: 'stop' | 'stop-and-remove'; inactiveSeconds: number | null; ageSeconds: number | null };

function seconds(now: Date, then: Date | null): number | null {
  return then === null ? null : (now.getTime() - then.getTime()) / 1000;
}

/**
 * Whether to cull one server now. Pending and not-ready servers are skipped; inactivity is
 * measured from last activity (falling back to start time); max age from start time.
 */
export function decideServerCull(server: CullServerView, now: Date, policy: CullPolicy): ServerCullDecision {
  if (server.pending) return { cull: false, reason: 'pending' };
  if (!server.ready) return { cull: false, reason: 'not-ready' };
  if (server.userIsAdmin && !policy.adminUsers) return { cull: false, reason: 'admin' };
  const inactive = seconds(now, server.lastActivity ?? server.started);
  const age = seconds(now, server.started);
  const action = server.name !== '' && policy.removeNamedServers ? 'stop-and-remove' : 'stop';
  if (inactive !== null && policy.timeoutSeconds > 0 && inactive >= policy.timeoutSeconds) {
    return { cull: true, reason: 'inactive', action, inactiveSeconds: inactive, ageSeconds: age };
  }
  if (age !== null && policy.maxAgeSeconds > 0 && age >= policy.maxAgeSeconds) {
    return { cull: true, reason: 'max-age', action, inactiveSeconds: inactive, ageSeconds: age };
  }
  if (inactive === null && age === null) return { cull: false, reason: 'no-activity-data' };
  return { cull: false, reason: 'active' };
}

export interface CullUserView {
  admin: boolean;
  created: Date | null;
  lastActivity: Date | null;
  /** Servers still active (pending or ready) after this round's culling. */
  activeServers: number;
}

export type UserCullDecision =
  | { cull: false; reason: 'disabled' | 'servers-active' | 'admin' | 'active' | 'no-activity-data' }
  | { cull: true; reason: 'inactive'; inactiveSeconds: number };

/** Whether to delete a user (only with cull.users, once all their servers are stopped). */
export function decideUserCull(user: CullUserView, now: Date, policy: CullPolicy): UserCullDecision {
  if (!policy.users) return { cull: false, reason: 'disabled' };
  if (user.activeServers > 0) return { cull: false, reason: 'servers-active' };
  if (user.admin && !policy.adminUsers) return { cull: false, reason: 'admin' };
  const inactive = seconds(now, user.lastActivity ?? user.created);
  if (inactive === null) return { cull: false, reason: 'no-activity-data' };
  if (policy.timeoutSeconds > 0 && inactive >= policy.timeoutSeconds) return { cull: true, reason: 'inactive', inactiveSeconds: inactive };
  return { cull: false, reason: 'active' };
}
