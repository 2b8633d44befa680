// Microsoft Entra ID (Azure AD). Authorize and token endpoints are those of the tenant
// (<loginUrl>/<tenantId>/oauth2/v2.0/…); the user info is the id_token, checked against the
// tenant's issuer and keys. The name comes from `usernameClaim` (default `name`, as
// oauthenticator); an id_token of another tenant (`tid`) is refused; the `groups` claim (group
// object ids, when the app registration emits them) is what auth.manageGroups reads.
import type { Config } from '../../../config/index.ts';
import type { OAuthProvider, ProviderDecision } from '../provider.ts';
import { claimString, missingClaim, trimSlash } from './api.ts';

export type AzureadSettings = Pick<Config['auth']['azuread'], 'tenantId' | 'usernameClaim' | 'loginUrl'>;

export function azureadProvider(s: AzureadSettings): OAuthProvider {
  if (!s.tenantId) throw new Error('auth.azuread.tenantId is required for auth.type azuread');
  const tenant = s.tenantId;
  const base = `${trimSlash(s.loginUrl)}/${encodeURIComponent(tenant)}`;
  return {
    kind: 'azuread',
    loginService: 'Azure AD',
    endpoints: { issuer: `${base}/v2.0`, authorizeUrl: `${base}/oauth2/v2.0/authorize`, tokenUrl: `${base}/oauth2/v2.0/token`, userdataUrl: null },
    defaultScopes: ['openid', 'profile', 'email'],
    defaultUsernameClaim: 'name',
    userAuthStateKey: 'user',
    defaultAuthStateGroupsKey: 'user.groups',
    async decide({ user, name }): Promise<ProviderDecision> {
      const claims = user.idTokenClaims ?? user.userinfo;
      const tid = claimString(claims, 'tid');
      if (tid && tid.toLowerCase() !== tenant.toLowerCase()) {
        return {
          kind: 'denied',
          userMessage: 'Your Microsoft account belongs to another organization than this hub’s. Log in with your account of this organization.',
          reason: `Azure AD token of tenant ${tid}, auth.azuread.tenantId is ${tenant}`,
        };
      }
      const claim = s.usernameClaim ?? 'name';
      const derived = claimString(claims, claim) ?? name;
      if (!derived) throw missingClaim('Azure AD', claim, claims);
      // groups are read from user.groups (defaultAuthStateGroupsKey) by the engine
      return { kind: 'user', name: derived, authState: { user: claims }, groups: null, allowedByProvider: false };
    },
  };
}
