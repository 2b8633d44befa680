// The fixed login pipeline (JupyterHub's idea): authenticate → normalize → validate →
// blocked → allowed → admin. The authenticator always runs first, whatever the name, so the
// time a login takes does not tell whether a name is blocked, allowed or known.
// Allow order (oauthenticator 17's check_allowed): allow_all → admins (admin_users,
// admin_groups) → allowed_users → allowed_groups → the provider's own rules → existing users.
import { normalizeUsername, validateUsername } from '../domain/names.ts';
import {
  isAuthDenied,
  isAuthRejected,
  type Authenticated,
  type AuthDenied,
  type AuthRejected,
  type Authenticator,
  type LoginCredentials,
  type LoginOutcome,
  type LoginPolicy,
  type PasswordAuthenticator,
} from './types.ts';

export const LOGIN_MESSAGES = Object.freeze({
  badCredentials: 'Invalid username or password.',
  blocked: 'This account is not allowed to log in to this hub.',
  notAllowed: 'You are not on the list of users allowed to use this hub. Ask an administrator for access.',
});

/**
 * Name normalization of the pipeline: trim + NFC + lowercase (unless the authenticator keeps
 * case), then the authenticator's own normalizeName (e.g. stripping an email domain).
 */
export function normalizeLoginName(authenticator: Pick<Authenticator, 'normalizeName' | 'lowercaseNames'>, name: string): string {
  const base = authenticator.lowercaseNames === false ? name.trim().normalize('NFC') : normalizeUsername(name);
  return authenticator.normalizeName ? authenticator.normalizeName(base) : base;
}

/**
 * Runs one password login. Never throws for bad credentials; errors of the identity source
 * itself (LDAP down, …) propagate so the caller shows a clear error instead of "wrong password".
 */
export async function runLogin(authenticator: PasswordAuthenticator, creds: LoginCredentials, policy: LoginPolicy): Promise<LoginOutcome> {
  return decideLogin(authenticator, await authenticator.authenticate(creds), policy);
}

/** The pipeline after the identity source answered: used by password and redirect logins alike. */
export async function decideLogin(
  authenticator: Pick<Authenticator, 'normalizeName' | 'lowercaseNames' | 'custom403Message'>,
  result: Authenticated | AuthRejected | AuthDenied | null,
  policy: LoginPolicy,
): Promise<LoginOutcome> {
  if (result === null) return { ok: false, reason: 'bad-credentials', userMessage: LOGIN_MESSAGES.badCredentials };
  if (isAuthRejected(result)) return { ok: false, reason: 'pending-approval', userMessage: result.userMessage };
  const notAllowedMessage = authenticator.custom403Message || LOGIN_MESSAGES.notAllowed;
  if (isAuthDenied(result)) return { ok: false, reason: 'denied', userMessage: authenticator.custom403Message || result.userMessage };

  const name = normalizeLoginName(authenticator, result.name);
  const problem = validateUsername(name);
  if (problem) return { ok: false, reason: 'invalid-name', userMessage: `${problem}.` };

  if (policy.blockedUsers.has(name)) return { ok: false, reason: 'blocked', userMessage: LOGIN_MESSAGES.blocked };

  const groups = policy.manageGroups && result.groups ? [...new Set(result.groups)] : null;
  const inAny = (set: ReadonlySet<string>) => groups !== null && groups.some((g) => set.has(g));
  const groupAdmin = policy.adminGroups.size > 0 && inAny(policy.adminGroups);

  const allowed =
    policy.allowAll ||
    policy.adminUsers.has(name) ||
    groupAdmin ||
    result.admin === true ||
    policy.allowedUsers.has(name) ||
    inAny(policy.allowedGroups) ||
    result.allowedByProvider === true ||
    (policy.allowExistingUsers && (await policy.isExistingUser(name)));
  if (!allowed) return { ok: false, reason: 'not-allowed', userMessage: notAllowedMessage };

  // The identity source's own answer wins (JupyterHub: an auth model's admin is only filled
  // in when None); then admin_users and admin_groups, which also revoke admin from a user
  // who has left every admin group.
  let admin: boolean | null = result.admin;
  if (admin === null && (policy.adminUsers.has(name) || groupAdmin)) admin = true;
  else if (admin === null && policy.adminGroups.size > 0 && groups !== null) admin = false;
  return { ok: true, name, admin, authState: result.authState, groups };
}
