// The Authenticator contract. Implementations: dummy, native (this folder); oauth2/oidc
// and ldap later. Every implementation runs the shared conformance suite `authenticator.case.ts`.

export interface LoginCredentials {
  username: string;
  password: string;
}

/** What an authenticator says about a successful authentication. */
export interface Authenticated {
  /** Name as the identity source knows it (normalized by the pipeline afterwards). */
  name: string;
  /** Set when the source itself knows (e.g. an LDAP group); null = let config decide. */
  admin: boolean | null;
  authState: Record<string, unknown> | null;
}

/**
 * Credentials were right but the account may not log in yet (native sign-ups waiting for an
 * admin's approval). Only returned after the password was verified, so it reveals nothing.
 */
export interface AuthRejected {
  rejected: 'pending-approval';
  /** Safe to show. */
  userMessage: string;
}

export interface Authenticator {
  readonly kind: string;
  /** Shown on the login page. */
  readonly displayName: string;
  /** True when the login page shows a username/password form. */
  readonly usesPasswordForm: boolean;
  /**
   * null = credentials rejected. Never throws for bad credentials (throwing means the identity
   * source itself failed, e.g. LDAP unreachable; the pipeline lets that propagate).
   */
  authenticate(creds: LoginCredentials): Promise<Authenticated | AuthRejected | null>;
  /** Authenticator-specific name normalization (after the pipeline's own lowercasing). */
  normalizeName?(name: string): string;
}

export function isAuthRejected(r: Authenticated | AuthRejected | null): r is AuthRejected {
  return r !== null && 'rejected' in r;
}

/**
 * The result of the login pipeline. On success `admin` is the decision to apply to the hub
 * user: true/false = set it (authenticator-managed, or true for `auth.admin.users`), null =
 * leave the stored flag alone (new users: not admin) — JupyterHub's `is_admin` semantics, so
 * admins promoted through the API are not demoted at their next login.
 * On failure `reason` is safe to log, `userMessage` to show.
 */
export type LoginOutcome =
  | { ok: true; name: string; admin: boolean | null; authState: Record<string, unknown> | null }
  | { ok: false; reason: LoginFailureReason; userMessage: string };

export type LoginFailureReason = 'bad-credentials' | 'pending-approval' | 'invalid-name' | 'blocked' | 'not-allowed';

export interface LoginPolicy {
  adminUsers: ReadonlySet<string>;
  /** Empty set and allowAll=false means: only users already known to the hub may log in. */
  allowedUsers: ReadonlySet<string>;
  blockedUsers: ReadonlySet<string>;
  /** Any authenticated user may log in (dummy/open deployments). */
  allowAll: boolean;
  /** Existing hub users count as allowed (JupyterHub 5 behaviour for API-created users). */
  isExistingUser(name: string): Promise<boolean>;
}
