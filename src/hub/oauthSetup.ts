// Builds the OAuth 2.0 / OpenID Connect authenticator for an `auth.type` from its config
// section: the engine's settings from the keys every provider shares (oauthBase), and the
// provider itself (generic-oauth and oidc here; the named providers pass theirs in).
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import { OAUTH_SECTIONS } from '../config/schema/auth.ts';
import type { OAuthProvider } from '../auth/oauth2/provider.ts';
import { DEFAULT_PROVIDER_TIMEOUT_MS, type OAuthSettings } from '../auth/oauth2/settings.ts';
import { createOAuthAuthenticator, type OAuthAuthenticator } from '../auth/oauth2/engine.ts';
import { genericProvider } from '../auth/oauth2/generic.ts';
import { HubError } from './errors.ts';

export type OAuthType = keyof typeof OAUTH_SECTIONS;

type Section = Config['auth'][(typeof OAUTH_SECTIONS)[OAuthType]];

const strings = (o: Record<string, unknown>): Record<string, string> => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)]));

/** The engine's settings from a provider section (the keys of schema/oauth.ts's oauthBase). */
export function oauthSettingsFromConfig(config: Config, type: OAuthType): OAuthSettings {
  const key = OAUTH_SECTIONS[type];
  const s: Section = config.auth[key];
  if (!s.clientId || !s.clientSecret) {
    // config check refuses this; a TypeScript config may still get here
    throw new HubError(500, `auth.${key}.clientId and auth.${key}.clientSecret are required for auth.type ${type}`);
  }
  return {
    clientId: s.clientId,
    clientSecret: s.clientSecret,
    callbackUrl: s.callbackUrl,
    scopes: s.scopes,
    extraAuthorizeParams: strings(s.extraAuthorizeParams),
    tokenParams: strings(s.tokenParams),
    userdataParams: strings(s.userdataParams),
    userdataFromIdToken: s.userdataFromIdToken,
    userdataTokenMethod: s.userdataTokenMethod,
    userdataMethod: s.userdataMethod,
    usernameClaim: s.usernameClaim,
    basicAuth: s.basicAuth,
    enablePkce: s.enablePkce,
    loginService: s.loginService,
    logoutRedirectUrl: s.logoutRedirectUrl,
    custom403Message: s.custom403Message,
    validateServerCert: s.validateServerCert,
    caFile: s.caFile,
    httpProxy: s.httpProxy,
    authStateGroupsKey: s.authStateGroupsKey,
    allowedScopes: s.allowedScopes,
    manageGroups: config.auth.manageGroups,
    timeoutMs: DEFAULT_PROVIDER_TIMEOUT_MS,
  };
}

/**
 * The authenticator for an OAuth `auth.type`. `provider`: the named provider (GitHub, …);
 * omitted for generic-oauth and oidc, which are built here from their sections.
 */
export function buildOAuth(config: Config, type: OAuthType, logger: Logger, provider?: OAuthProvider): OAuthAuthenticator {
  let p = provider;
  if (!p) {
    if (type !== 'generic-oauth' && type !== 'oidc') throw new HubError(500, `auth.type ${type} needs its provider`);
    const s = config.auth[type === 'oidc' ? 'oidc' : 'genericOAuth'];
    p = genericProvider(type, { issuer: s.issuer, authorizeUrl: s.authorizeUrl, tokenUrl: s.tokenUrl, userdataUrl: s.userdataUrl });
  }
  try {
    return createOAuthAuthenticator(p, oauthSettingsFromConfig(config, type), { logger });
  } catch (e) {
    if (e instanceof HubError) throw e;
    throw new HubError(500, (e as Error).message);
  }
}
