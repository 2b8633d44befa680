// What makes one OAuth 2.0 provider different from another. The flow itself (authorize
// redirect with state + PKCE + nonce, code exchange, id_token verification, user info,
// refresh) is the same for all and lives in this folder's engine; a provider only supplies
// its endpoints and defaults and, after the user info is in, its own rules (GitHub
// organizations, Google hosted domains, CILogon identity providers, …).

/** Endpoints of the provider; null ones come from OIDC discovery at `issuer`. */
export interface ProviderEndpoints {
  /** OpenID Connect issuer: discovery at <issuer>/.well-known/openid-configuration, id_token checked against its JWKS. */
  issuer: string | null;
  authorizeUrl: string | null;
  tokenUrl: string | null;
  /** null: user info comes from the id_token (userdata_from_id_token). */
  userdataUrl: string | null;
}

/** An HTTP client for the provider's APIs, set up with the deployment's TLS/proxy settings. */
export interface ProviderHttp {
  /**
   * GET (or the given method) a JSON document; `token` goes in `Authorization: Bearer`
   * (or as GitHub wants, `token …`, when `authScheme` says so). Throws AuthSourceError when the
   * provider is unreachable; returns the status and parsed body otherwise.
   */
  json(url: string, opts?: { token?: string; authScheme?: 'Bearer' | 'token'; method?: 'GET' | 'POST'; body?: Record<string, string>; headers?: Record<string, string> }): Promise<{ status: number; body: unknown; headers: Headers }>;
}

/** What the engine knows once the code is exchanged and the user info fetched. */
export interface TokenAndUser {
  accessToken: string;
  refreshToken: string | null;
  idToken: string | null;
  /** Verified id_token claims, when there was an id_token. */
  idTokenClaims: Record<string, unknown> | null;
  /** Scopes the provider says it granted (space-separated `scope` of the token response), else the requested ones. */
  grantedScopes: string[];
  /** The token endpoint's whole answer (minus nothing: it goes into auth state only). */
  tokenResponse: Record<string, unknown>;
  /** The user info (userinfo endpoint, or id_token claims). */
  userinfo: Record<string, unknown>;
}

/** A provider's verdict after its own checks. */
export type ProviderDecision =
  | {
      kind: 'user';
      /** The user name (before the pipeline's normalization). */
      name: string;
      /** Added to auth state beside access_token, refresh_token, id_token, scope, token_response, <provider>_user. */
      authState?: Record<string, unknown>;
      /** Groups found by the provider (e.g. GitLab groups, GitHub teams), for manage_groups. */
      groups?: string[] | null;
      /** A provider rule (organization, domain, idp, project) admitted the user. */
      allowedByProvider?: boolean;
    }
  | {
      /** The provider's rules refuse the user outright (e.g. outside the hosted domain): the 403 page. */
      kind: 'denied';
      userMessage: string;
      reason: string;
    };

export interface OAuthProvider {
  /** auth.type value, e.g. 'github'. */
  readonly kind: string;
  /** oauthenticator's login_service default, e.g. 'GitHub'. */
  readonly loginService: string;
  readonly endpoints: ProviderEndpoints;
  /** Scopes requested when the config lists none. */
  readonly defaultScopes: readonly string[];
  /** Scopes always added (CILogon's openid and org.cilogon.userinfo). */
  readonly requiredScopes?: readonly string[];
  /** Key (or dotted path) of the user info holding the name, when the config sets none. */
  readonly defaultUsernameClaim: string;
  /** Auth state key holding the user info (oauthenticator's user_auth_state_key); default 'oauth_user'. */
  readonly userAuthStateKey?: string;
  /**
   * Dotted path in the auth state read for the user's groups (with auth.manageGroups) when the
   * config sets no authStateGroupsKey and decide() returns no groups; absent: no groups.
   */
  readonly defaultAuthStateGroupsKey?: string;
  /** How the access token goes to the userinfo endpoint and the provider's APIs. */
  readonly authScheme?: 'Bearer' | 'token';
  /** Extra parameters on the authorize redirect (e.g. Google's hd, CILogon's selected_idp). */
  authorizeParams?(): Record<string, string>;
  /**
   * The provider's own rules and name derivation, run after the user info is in. `name` is the
   * value of the username claim (null when the claim is missing: a provider may derive it).
   */
  decide(ctx: { user: TokenAndUser; name: string | null; http: ProviderHttp }): Promise<ProviderDecision>;
}
