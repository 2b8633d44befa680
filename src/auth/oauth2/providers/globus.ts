// Globus Auth. Identities look like jane@uchicago.edu (preferred_username, or the email with
// usernameFromEmail); the hub name is the part before “@”. `identityProvider` restricts logins
// to identities of that domain. The tokens Globus hands out for other services (transfer, …)
// are kept in auth state under `tokens`, keyed by resource server, for the user's server.
// With the groups scope granted, the user's Globus groups (ids, from the Groups API with the
// groups token) go to auth state as `globus_groups`; `allowedGlobusGroups` admits their members.
import type { Config } from '../../../config/index.ts';
import { AuthSourceError } from '../../types.ts';
import type { OAuthProvider, ProviderDecision, ProviderHttp } from '../provider.ts';
import { getRequired, missingClaim, trimSlash } from './api.ts';

export type GlobusSettings = Pick<Config['auth']['globus'], 'globusUrl' | 'identityProvider' | 'usernameFromEmail' | 'allowedGlobusGroups' | 'groupsUrl'>;

export const GLOBUS_GROUPS_SCOPE = 'urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships';
const GROUPS_SERVER = 'groups.api.globus.org';

export function globusProvider(s: GlobusSettings): OAuthProvider {
  const base = trimSlash(s.globusUrl);
  const claim = s.usernameFromEmail ? 'email' : 'preferred_username';
  const required = s.identityProvider?.toLowerCase() ?? null;
  return {
    kind: 'globus',
    loginService: 'Globus',
    endpoints: { issuer: null, authorizeUrl: `${base}/v2/oauth2/authorize`, tokenUrl: `${base}/v2/oauth2/token`, userdataUrl: `${base}/v2/oauth2/userinfo` },
    defaultScopes: [
      'openid',
      'profile',
      'urn:globus:auth:scope:transfer.api.globus.org:all',
      ...(s.allowedGlobusGroups.length ? [GLOBUS_GROUPS_SCOPE] : []),
    ],
    defaultUsernameClaim: claim,
    userAuthStateKey: 'globus_user',
    defaultAuthStateGroupsKey: 'globus_groups',
    async decide({ user, name, http }): Promise<ProviderDecision> {
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
      const tokens = tokensByResourceServer(user.tokenResponse);
      const groups = await myGroups(http, s, tokens[GROUPS_SERVER]?.access_token);
      const allowed = groups !== null && groups.some((g) => s.allowedGlobusGroups.includes(g));
      const authState = { tokens, ...(groups !== null ? { globus_groups: groups } : {}) };
      return { kind: 'user', name: at < 0 ? name : name.slice(0, at), authState, groups: null, allowedByProvider: allowed };
    },
  };
}

/** Ids of the user's Globus groups, or null without a groups token (scope not granted). */
async function myGroups(http: ProviderHttp, s: GlobusSettings, token: unknown): Promise<string[] | null> {
  if (typeof token !== 'string') {
    if (!s.allowedGlobusGroups.length) return null;
    throw new AuthSourceError(
      'Globus did not grant this hub access to your groups, which it needs to check your membership. Ask an administrator.',
      `Globus token response has no ${GROUPS_SERVER} token: is ${GLOBUS_GROUPS_SCOPE} among auth.globus.scopes?`,
    );
  }
  const { body } = await getRequired({ http, token, provider: 'Globus' }, `${trimSlash(s.groupsUrl)}/v2/groups/my_groups`, 'reading your Globus groups');
  if (!Array.isArray(body)) return [];
  return body.flatMap((g) => (typeof (g as { id?: unknown }).id === 'string' ? [(g as { id: string }).id] : []));
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
