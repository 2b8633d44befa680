// The fixed login pipeline (JupyterHub's idea): authenticate → normalize → validate →
// blocked → allowed → admin. The authenticator always runs first, whatever the name, so the
// time a login takes does not tell whether a name is blocked, allowed or known.
import { normalizeUsername, validateUsername } from '../domain/names.ts';
import { isAuthRejected, type Authenticator, type LoginCredentials, type LoginOutcome, type LoginPolicy } from './types.ts';

export const LOGIN_MESSAGES = Object.freeze({
  badCredentials: 'Invalid username or password.',
  blocked: 'This account is not allowed to log in to this hub.',
  notAllowed: 'You are not on the list of users allowed to use this hub. Ask an administrator for access.',
});

/**
 * Name normalization of the pipeline: trim + NFC + lowercase, then the authenticator's own
 * normalizeName (e.g. stripping an email domain).
 */
export function normalizeLoginName(authenticator: Authenticator, name: string): string {
  const base = normalizeUsername(name);
  return authenticator.normalizeName ? authenticator.normalizeName(base) : base;
}

/**
 * Runs one login attempt. Never throws for bad credentials; errors of the identity source
 * itself (LDAP down, …) propagate so the caller answers 500 instead of "wrong password".
 */
export async function runLogin(authenticator: Authenticator, creds: LoginCredentials, policy: LoginPolicy): Promise<LoginOutcome> {
  const result = await authenticator.authenticate(creds);
  if (result === null) return { ok: false, reason: 'bad-credentials', userMessage: LOGIN_MESSAGES.badCredentials };
  if (isAuthRejected(result)) return { ok: false, reason: 'pending-approval', userMessage: result.userMessage };

  const name = normalizeLoginName(authenticator, result.name);
  const problem = validateUsername(name);
  if (problem) return { ok: false, reason: 'invalid-name', userMessage: `${problem}.` };

  if (policy.blockedUsers.has(name)) return { ok: false, reason: 'blocked', userMessage: LOGIN_MESSAGES.blocked };

  const allowed =
    policy.allowAll ||
    policy.allowedUsers.has(name) ||
    policy.adminUsers.has(name) ||
    result.admin === true ||
    (await policy.isExistingUser(name));
  if (!allowed) return { ok: false, reason: 'not-allowed', userMessage: LOGIN_MESSAGES.notAllowed };

  const admin = result.admin ?? (policy.adminUsers.has(name) ? true : null);
  return { ok: true, name, admin, authState: result.authState };
}
