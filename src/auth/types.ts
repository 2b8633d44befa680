// The Authenticator contracts. Two shapes, one login pipeline:
// - PasswordAuthenticator: the login page's form posts a name and password (dummy, native, ldap).
// - RedirectAuthenticator: the browser is sent to an identity provider and comes back to
//   /hub/oauth_callback (OAuth 2.0 / OpenID Connect providers, MediaWiki's OAuth 1.0a).
// Every implementation runs the shared conformance suite `authenticator.case.ts`.

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
  /** Tokens, user info, … kept (encrypted) with the user when auth state is enabled. */
  authState: Record<string, unknown> | null;
  /**
   * Group names the identity source reports (e.g. an OIDC `groups` claim); null = it says
   * nothing about groups. With manageGroups they become the user's hub groups at each login.
   */
  groups?: string[] | null;
  /**
   * True when a rule of the provider itself admitted the user (GitHub organization, Google
   * hosted domain with allow semantics, CILogon idp allow_all, LDAP allowed_groups, …);
   * the pipeline then allows the login like an allowed_users entry would.
   */
  allowedByProvider?: boolean;
}

/**
 * The identity source refused the person for a reason of its own (not a bad password): a
 * GitHub user outside every allowed organization, a Google account outside the hosted domain,
 * a locked wiki account. The user sees the authenticator's 403 page with `userMessage`.
 */
export interface AuthDenied {
  denied: true;
  /** Safe to show. */
  userMessage: string;
  /** Safe to log (no tokens, no secrets). */
  reason: string;
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

interface AuthenticatorBase {
  readonly kind: string;
  /** Shown on the login page (oauthenticator's login_service: "Sign in with …"). */
  readonly displayName: string;
  /** Authenticator-specific name normalization (after the pipeline's own normalization). */
  normalizeName?(name: string): string;
  /**
   * Whether the pipeline lowercases names before normalizeName (default true, as JupyterHub).
   * MediaWiki keeps names as the wiki spells them ("Jane Doe (WMF)").
   */
  readonly lowercaseNames?: boolean;
  /**
   * Re-checks a logged-in user's stored auth state against the identity source (token still
   * valid, account not locked; refresh_token grant when expired). Absent: never refreshed.
   */
  refreshUser?(user: { name: string; authState: Record<string, unknown> | null }): Promise<RefreshOutcome>;
  /**
   * The identity source's stable id of the user, from their auth state (MediaWiki's `sub`: a
   * wiki rename keeps it), used for `{userid}` in storage names; absent or null: the hub's user id.
   */
  stableUserId?(authState: Record<string, unknown> | null): string | null;
  /** Where /hub/logout sends the browser after ending the hub session; null: the hub's login page. */
  readonly logoutRedirectUrl?: string | null;
  /** Shown on the 403 page when the pipeline refuses a user (oauthenticator's custom_403_message). */
  readonly custom403Message?: string | null;
  /** Stops background work (connection pools, key caches). */
  close?(): Promise<void>;
}

export interface PasswordAuthenticator extends AuthenticatorBase {
  /** True: the login page shows a username/password form. */
  readonly usesPasswordForm: true;
  /**
   * null = credentials rejected. Never throws for bad credentials (throwing means the identity
   * source itself failed, e.g. LDAP unreachable: throw AuthSourceError so the user sees a
   * clear page, not a 500).
   */
  authenticate(creds: LoginCredentials): Promise<Authenticated | AuthRejected | AuthDenied | null>;
}

/** What beginLogin hands back: where to send the browser, and what to remember until it returns. */
export interface LoginRedirect {
  /** The provider's authorization URL (it carries no secret: client secrets go only on back-channel calls). */
  redirectUrl: string;
  /**
   * Kept by the hub in a signed, HttpOnly, short-lived cookie and handed back to completeLogin:
   * state, PKCE verifier, nonce, an OAuth 1.0a request token secret, …
   */
  pending: Record<string, unknown>;
}

export interface RedirectAuthenticator extends AuthenticatorBase {
  readonly usesPasswordForm: false;
  /** `callbackUrl`: the hub's /hub/oauth_callback as the provider must call it. */
  beginLogin(req: { callbackUrl: string }): Promise<LoginRedirect>;
  /**
   * The provider sent the browser back with `query`. Checks state/nonce/signatures, exchanges
   * the code, fetches user info. Throws AuthSourceError when the provider fails or the
   * callback is invalid (state mismatch, expired code, missing claim).
   */
  completeLogin(req: { callbackUrl: string; query: URLSearchParams; pending: Record<string, unknown> }): Promise<Authenticated | AuthDenied>;
}

export type Authenticator = PasswordAuthenticator | RedirectAuthenticator;

/** The result of refreshUser. */
export type RefreshOutcome =
  /** Nothing changed (or nothing to check); the stored state stays. */
  | { kind: 'fresh' }
  /** New auth state (and maybe admin/groups) to store, e.g. after a refresh_token grant. */
  | { kind: 'updated'; authenticated: Authenticated }
  /**
   * The user must log in again before the hub acts for them (refresh token revoked, account
   * locked). `stopServers`: also stop their running servers (PAWS stops a locked user's server).
   */
  | { kind: 'relogin'; reason: string; stopServers: boolean };

/**
 * The identity source itself failed or refused the exchange: provider unreachable, bad client
 * secret, state mismatch, expired code, directory down. `userMessage` is safe to show;
 * `logDetail` is safe to log (never a token, secret or password).
 */
export class AuthSourceError extends Error {
  override readonly name = 'AuthSourceError';
  constructor(
    readonly userMessage: string,
    readonly logDetail: string,
    /** 502 when the provider is unreachable or answered badly, 400 for a bad callback. */
    readonly status: number = 502,
  ) {
    super(userMessage);
  }
}

export function isAuthRejected(r: Authenticated | AuthRejected | AuthDenied | null): r is AuthRejected {
  return r !== null && 'rejected' in r;
}

export function isAuthDenied(r: Authenticated | AuthRejected | AuthDenied | null): r is AuthDenied {
  return r !== null && 'denied' in r;
}

/**
 * The result of the login pipeline. On success `admin` is the decision to apply to the hub
 * user: true/false = set it (authenticator-managed, or true for `auth.admin.users`), null =
 * leave the stored flag alone (new users: not admin) — JupyterHub's `is_admin` semantics, so
 * admins promoted through the API are not demoted at their next login.
 * On failure `reason` is safe to log, `userMessage` to show.
 */
export type LoginOutcome =
  | {
      ok: true;
      name: string;
      admin: boolean | null;
      authState: Record<string, unknown> | null;
      /** Hub groups to set for the user (manageGroups), or null: leave their groups alone. */
      groups: string[] | null;
    }
  | { ok: false; reason: LoginFailureReason; userMessage: string };

export type LoginFailureReason = 'bad-credentials' | 'pending-approval' | 'denied' | 'invalid-name' | 'blocked' | 'not-allowed';

export interface LoginPolicy {
  adminUsers: ReadonlySet<string>;
  /** Empty set and allowAll=false means: only users already known to the hub may log in. */
  allowedUsers: ReadonlySet<string>;
  blockedUsers: ReadonlySet<string>;
  /** Any authenticated user may log in (dummy/open deployments, oauthenticator's allow_all). */
  allowAll: boolean;
  /** Existing hub users count as allowed (allow_existing_users). */
  allowExistingUsers: boolean;
  /** Whether a hub user of this name exists (asked only when allowExistingUsers). */
  isExistingUser(name: string): Promise<boolean>;
  /**
   * manage_groups: the authenticator's groups become the user's hub groups at each login, and
   * allowedGroups/adminGroups apply to them.
   */
  manageGroups: boolean;
  /** Members of any of these groups may log in (needs manageGroups). */
  allowedGroups: ReadonlySet<string>;
  /**
   * Members of any of these groups are admins; when non-empty, admin is also revoked at login
   * from a user in none of them and not in adminUsers (oauthenticator 17's admin_groups).
   */
  adminGroups: ReadonlySet<string>;
}
