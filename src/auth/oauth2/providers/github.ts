// GitHub (github.com or a GitHub Enterprise Server). The name is the `login`; members of
// `allowedOrganizations` (an organization, or a team written org:team) are let in, asked of
// GitHub's membership API with the user's token (204 = member); a private primary email is
// fetched from /user/emails when the user granted it; `populateTeamsInAuthState` keeps the
// user's teams (all pages of /user/teams) in auth state and offers them as groups.
import type { Config } from '../../../config/index.ts';
import type { OAuthProvider, ProviderDecision, TokenAndUser } from '../provider.ts';
import { claimString, getAllPages, getRequired, getStatus, missingClaim, trimSlash, type ApiCall } from './api.ts';

export type GithubSettings = Pick<Config['auth']['github'], 'githubUrl' | 'apiUrl' | 'allowedOrganizations' | 'populateTeamsInAuthState'>;

/** oauthenticator's github_api: api.github.com for github.com, <url>/api/v3 for GitHub Enterprise. */
export function githubApiUrl(s: Pick<GithubSettings, 'githubUrl' | 'apiUrl'>): string {
  if (s.apiUrl) return trimSlash(s.apiUrl);
  const url = trimSlash(s.githubUrl);
  return url === 'https://github.com' ? 'https://api.github.com' : `${url}/api/v3`;
}

export function githubProvider(s: GithubSettings): OAuthProvider {
  const web = trimSlash(s.githubUrl);
  const api = githubApiUrl(s);
  return {
    kind: 'github',
    loginService: 'GitHub',
    endpoints: { issuer: null, authorizeUrl: `${web}/login/oauth/authorize`, tokenUrl: `${web}/login/oauth/access_token`, userdataUrl: `${api}/user` },
    // Without read:org, GitHub only shows public memberships.
    defaultScopes: s.allowedOrganizations.length || s.populateTeamsInAuthState ? ['read:org'] : [],
    defaultUsernameClaim: 'login',
    userAuthStateKey: 'github_user',
    async decide({ user, name, http }): Promise<ProviderDecision> {
      if (!name) throw missingClaim('GitHub', 'login', user.userinfo);
      const call: ApiCall = { http, token: user.accessToken, provider: 'GitHub' };
      const githubUser = { ...user.userinfo, email: await primaryEmail(call, api, user) };
      const authState: Record<string, unknown> = { github_user: githubUser };
      let groups: string[] | null = null;
      if (s.populateTeamsInAuthState) {
        const teams = await getAllPages(call, `${api}/user/teams?per_page=100`, 'listing your GitHub teams');
        authState.teams = teams;
        groups = teams.flatMap((t) => {
          const team = t as { slug?: unknown; organization?: { login?: unknown } };
          return typeof team.slug === 'string' && typeof team.organization?.login === 'string' ? [`${team.organization.login}:${team.slug}`] : [];
        });
      }
      let member = false;
      for (const entry of s.allowedOrganizations) {
        if (await isMember(call, api, entry, name)) {
          member = true;
          break;
        }
      }
      return { kind: 'user', name, authState, groups, allowedByProvider: member };
    },
  };
}

/** The public email, or else the primary one from /user/emails when the user granted user or user:email. */
async function primaryEmail(call: ApiCall, api: string, user: TokenAndUser): Promise<string | null> {
  const shown = claimString(user.userinfo, 'email');
  if (shown) return shown;
  // GitHub reports granted scopes comma-separated ("read:org,user:email")
  const granted = user.grantedScopes.flatMap((s) => s.split(','));
  if (!granted.includes('user') && !granted.includes('user:email')) return null;
  const { body } = await getRequired(call, `${api}/user/emails`, 'reading your GitHub email addresses');
  const primary = Array.isArray(body) ? body.find((e) => (e as { primary?: unknown }).primary === true) : undefined;
  const email = (primary as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? email : null;
}

/** `org` or `org:team`, asked of GitHub's membership API: 204 means a member. */
async function isMember(call: ApiCall, api: string, entry: string, login: string): Promise<boolean> {
  const [org, team] = entry.split(':', 2).map(encodeURIComponent);
  const user = encodeURIComponent(login);
  const url = team ? `${api}/orgs/${org}/teams/${team}/members/${user}` : `${api}/orgs/${org}/members/${user}`;
  return (await getStatus(call, url)).status === 204;
}
