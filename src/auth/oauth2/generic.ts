// The two providers that are nothing but the shared flow: generic-oauth (any OAuth 2.0
// provider, endpoints given explicitly or by OAUTH2_*_URL in the environment, as
// oauthenticator's GenericOAuthenticator) and oidc (endpoints found by discovery at `issuer`).
import type { OAuthProvider } from './provider.ts';

export interface GenericProviderSettings {
  issuer: string | null;
  authorizeUrl: string | null;
  tokenUrl: string | null;
  userdataUrl: string | null;
}

export function genericProvider(kind: 'generic-oauth' | 'oidc', s: GenericProviderSettings): OAuthProvider {
  const oidcKind = kind === 'oidc';
  return {
    kind,
    loginService: oidcKind ? 'OpenID Connect' : 'OAuth 2.0',
    endpoints: { issuer: s.issuer, authorizeUrl: s.authorizeUrl, tokenUrl: s.tokenUrl, userdataUrl: s.userdataUrl },
    defaultScopes: oidcKind ? ['openid', 'profile', 'email'] : [],
    // oauthenticator's GenericOAuthenticator reads `username`; OpenID Connect's standard claim otherwise
    defaultUsernameClaim: oidcKind ? 'preferred_username' : 'username',
    userAuthStateKey: 'oauth_user',
    defaultAuthStateGroupsKey: 'oauth_user.groups',
    async decide({ name }) {
      // a missing claim is reported by the engine, which knows which claim was asked for
      return { kind: 'user', name: name ?? '' };
    },
  };
}
