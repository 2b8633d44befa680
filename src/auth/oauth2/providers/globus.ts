// Globus Auth. Identities look like jane@uchicago.edu (preferred_username, or the email with
// usernameFromEmail); the hub name is the part before “@”. `identityProvider` restricts logins
// to identities of that domain. The tokens Globus hands out for other services (transfer, …)
// are kept in auth state under `tokens`, keyed by resource server, for the user's server.
import type { Config } from '../../../config/index.ts';
import type { OAuthProvider, ProviderDecision } from '../provider.ts';
import { missingClaim, trimSlash } from './api.ts';

export type GlobusSettings = Pick<Config['auth']['globus'], 'globusUrl' | 'identityProvider' | 'usernameFromEmail'>;

export function globusProvider(s: GlobusSettings): OAuthProvider {
  const base = trimSlash(s.globusUrl);
  const claim = s.usernameFromEmail ? 'email' : 'preferred_username';
  const required = s.identityProvider?.toLowerCase() ?? null;
  return {
    kind: 'globus',
    loginService: 'Globus',
    endpoints: { issuer: null, authorizeUrl: `${base}/v2/oauth2/authorize`, tokenUrl: `${base}/v2/oauth2/token`, userdataUrl: `${base}/v2/oauth2/userinfo` },
    defaultScopes: ['openid', 'profile', 'urn:globus:auth:scope:transfer.api.globus.org:all'],
    defaultUsernameClaim: claim,
    userAuthStateKey: 'globus_user',
    async decide({ user, name }): Promise<ProviderDecision> {
      if (!name) throw missingClaim('Globus', claim, user.userinfo);
      const at = name.lastIndexOf('@');
      const domain = at < 0 ? '' : name.slice(at + 1).toLowerCase();
      if (required && domain !== required) {
        return {
          kind: 'denied',
          userMessage: `This hub accepts only ${s.identityProvider} identities. Link your ${s.identityProvider} identity to your Globus account, then log in with it.`,
          reason: `Globus identity domain ${domain || '(none)'} is not auth.globus.identityProvider ${required}`,
        };
      }
      return { kind: 'user', name: at < 0 ? name : name.slice(0, at), authState: { tokens: tokensByResourceServer(user.tokenResponse) }, groups: null, allowedByProvider: false };
    },
  };
}

/** The main token and Globus's `other_tokens`, keyed by resource_server (as oauthenticator keeps them). */
function tokensByResourceServer(response: Record<string, unknown>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  const all = [response, ...(Array.isArray(response.other_tokens) ? response.other_tokens : [])];
  for (const t of all) {
    if (t === null || typeof t !== 'object') continue;
    const { resource_server: server, access_token, refresh_token, scope, expires_in, token_type } = t as Record<string, unknown>;
    if (typeof server === 'string') out[server] = { access_token, refresh_token, scope, expires_in, token_type };
  }
  return out;
}
