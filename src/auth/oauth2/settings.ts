// The deployment's settings for one OAuth provider, as the engine uses them (oauthenticator
// 17's OAuthenticator options, camelCase). Built from the config's provider section by
// src/hub/oauthSetup.ts; providers add their own options in their own modules.

export interface OAuthSettings {
  clientId: string;
  clientSecret: string;
  /** null: <scheme>://<host of the request>/hub/oauth_callback. */
  callbackUrl: string | null;
  /** Empty: the provider's default scopes. */
  scopes: readonly string[];
  extraAuthorizeParams: Readonly<Record<string, string>>;
  /** Extra fields of the code → token POST (oauthenticator's token_params). */
  tokenParams: Readonly<Record<string, string>>;
  /** Extra query parameters of the user info request. */
  userdataParams: Readonly<Record<string, string>>;
  /** User info from the id_token's claims instead of the userinfo endpoint. */
  userdataFromIdToken: boolean;
  /** header: `Authorization: Bearer`; url: `?access_token=` (oauthenticator's userdata_token_method). */
  userdataTokenMethod: 'header' | 'url';
  userdataMethod: 'GET' | 'POST';
  /** Key or dotted path of the user info holding the user name; null: the provider's default. */
  usernameClaim: string | null;
  /** HTTP Basic client authentication at the token endpoint instead of form fields. */
  basicAuth: boolean;
  enablePkce: boolean;
  /** Button text "Sign in with …"; null: the provider's name. */
  loginService: string | null;
  logoutRedirectUrl: string | null;
  custom403Message: string | null;
  validateServerCert: boolean;
  caFile: string | null;
  httpProxy: string | null;
  /** Dotted path in the auth state holding the user's groups; null: the provider's default. */
  authStateGroupsKey: string | null;
  /** A user granted all of these scopes is allowed. */
  allowedScopes: readonly string[];
  /** Whether groups are read at all (auth.manageGroups). */
  manageGroups: boolean;
  /** Deadline of each call to the provider. */
  timeoutMs: number;
}

export const DEFAULT_PROVIDER_TIMEOUT_MS = 10_000;

/** Settings with every optional behaviour at oauthenticator's default, for tests and providers. */
export function oauthSettings(base: Pick<OAuthSettings, 'clientId' | 'clientSecret'> & Partial<OAuthSettings>): OAuthSettings {
  return {
    callbackUrl: null,
    scopes: [],
    extraAuthorizeParams: {},
    tokenParams: {},
    userdataParams: {},
    userdataFromIdToken: false,
    userdataTokenMethod: 'header',
    userdataMethod: 'GET',
    usernameClaim: null,
    basicAuth: false,
    enablePkce: true,
    loginService: null,
    logoutRedirectUrl: null,
    custom403Message: null,
    validateServerCert: true,
    caFile: null,
    httpProxy: null,
    authStateGroupsKey: null,
    allowedScopes: [],
    manageGroups: false,
    timeoutMs: DEFAULT_PROVIDER_TIMEOUT_MS,
    ...base,
  };
}
