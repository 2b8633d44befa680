// GitLab (gitlab.com or self-hosted). The name is the `username`. Members of
// `allowedGitlabGroups` (GET /groups/{path}/members/all/{id} → 200, inherited membership
// counts) and members of `allowedProjectIds` with Developer access or more (access_level ≥ 30)
// are let in. The user's groups (full paths) go to auth state as `gitlab_groups`, where
// auth.manageGroups reads them unless another authStateGroupsKey is set.
import type { Config } from '../../../config/index.ts';
import type { OAuthProvider, ProviderDecision } from '../provider.ts';
import { getAllPages, getStatus, missingClaim, nextLink, trimSlash, type ApiCall } from './api.ts';

export type GitlabSettings = Pick<Config['auth']['gitlab'], 'gitlabUrl' | 'apiUrl' | 'allowedGitlabGroups' | 'allowedProjectIds'>;

/** GitLab's access level for Developer; oauthenticator admits project members from here up. */
export const GITLAB_DEVELOPER_ACCESS = 30;

export function gitlabProvider(s: GitlabSettings): OAuthProvider {
  const web = trimSlash(s.gitlabUrl);
  const api = s.apiUrl ? trimSlash(s.apiUrl) : `${web}/api/v4`;
  const needsApi = s.allowedGitlabGroups.length > 0 || s.allowedProjectIds.length > 0;
  return {
    kind: 'gitlab',
    loginService: 'GitLab',
    endpoints: { issuer: null, authorizeUrl: `${web}/oauth/authorize`, tokenUrl: `${web}/oauth/token`, userdataUrl: `${api}/user` },
    // Member lookups need read_api; read_user is enough for the name alone.
    defaultScopes: needsApi ? ['read_user', 'read_api'] : ['read_user'],
    defaultUsernameClaim: 'username',
    userAuthStateKey: 'gitlab_user',
    defaultAuthStateGroupsKey: 'gitlab_groups',
    async decide({ user, name, http }): Promise<ProviderDecision> {
      if (!name) throw missingClaim('GitLab', 'username', user.userinfo);
      const id = user.userinfo.id;
      if (typeof id !== 'number' && typeof id !== 'string') throw missingClaim('GitLab', 'id', user.userinfo);
      const call: ApiCall = { http, token: user.accessToken, provider: 'GitLab' };
      const groups = await userGroups(call, api);
      const allowed = (await inAllowedGroup(call, api, s.allowedGitlabGroups, id)) || (await inAllowedProject(call, api, s.allowedProjectIds, id));
      return { kind: 'user', name, authState: { gitlab_groups: groups }, groups: null, allowedByProvider: allowed };
    },
  };
}

async function inAllowedGroup(call: ApiCall, api: string, groups: readonly string[], id: number | string): Promise<boolean> {
  for (const group of groups) {
    const r = await getStatus(call, `${api}/groups/${encodeURIComponent(group)}/members/all/${encodeURIComponent(String(id))}`);
    if (r.status === 200) return true;
  }
  return false;
}

async function inAllowedProject(call: ApiCall, api: string, projects: readonly number[], id: number | string): Promise<boolean> {
  for (const project of projects) {
    const r = await getStatus(call, `${api}/projects/${project}/members/all/${encodeURIComponent(String(id))}`);
    const level = (r.body as { access_level?: unknown } | null)?.access_level;
    if (r.status === 200 && typeof level === 'number' && level >= GITLAB_DEVELOPER_ACCESS) return true;
  }
  return false;
}

/** Full paths of the user's groups; null when the token may not list them (no read_api). */
async function userGroups(call: ApiCall, api: string): Promise<string[] | null> {
  const first = await getStatus(call, `${api}/groups?min_access_level=10&per_page=100`);
  if (first.status === 401 || first.status === 403 || !Array.isArray(first.body)) return null;
  const next = nextLink(first.headers.get('link'));
  const all = [...first.body, ...(next ? await getAllPages(call, next, 'listing your GitLab groups', 20) : [])];
  return all.flatMap((g) => {
    const path = (g as { full_path?: unknown }).full_path;
    return typeof path === 'string' ? [path] : [];
  });
}
