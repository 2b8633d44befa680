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

export interface Authenticator {
  readonly kind: string;
  /** Shown on the login page. */
  readonly displayName: string;
  /** True when the login page shows a username/password form. */
  readonly usesPasswordForm: boolean;
  /** null = credentials rejected. Never throws for bad credentials. */
  authenticate(creds: LoginCredentials): Promise<Authenticated | null>;
  /** Authenticator-specific name normalization (after the pipeline's own lowercasing). */
  normalizeName?(name: string): string;
}

/** Why a login did not succeed; `reason` is safe to log, `userMessage` to show. */
export type LoginOutcome =
  | { ok: true; name: string; admin: boolean; authState: Record<string, unknown> | null }
  | { ok: false; reason: 'bad-credentials' | 'invalid-name' | 'blocked' | 'not-allowed'; userMessage: string };

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
