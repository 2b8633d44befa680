// A self-hosted GitLab fake (OAuth at /oauth/…, API under /api/v4): the user, group members
// (inherited: /members/all), project members with their access level, and the user's groups.
import { OAuthFake, notFound, ok, unauthorized, type FakeRequest, type FakeResponse } from './oauthFake.ts';

export interface FakeGitlabUser {
  username: string;
  id: number;
  /** Full paths of the groups the user belongs to. */
  groups?: string[];
  /** project id → access level (10 guest, 20 reporter, 30 developer, 40 maintainer). */
  projects?: Record<number, number>;
}

export class FakeGitlab extends OAuthFake {
  readonly users = new Map<string, FakeGitlabUser>();

  constructor(clientId: string, clientSecret: string, users: FakeGitlabUser[]) {
    super({ clientId, clientSecret, authorizePath: '/oauth/authorize', tokenPath: '/oauth/token' });
    for (const u of users) this.users.set(u.username, u);
    const byId = (id: string) => [...this.users.values()].find((u) => String(u.id) === id);
    this.route('GET', /\/api\/v4\/user/, (req) => this.withUser(req, (u) => ok({ id: u.id, username: u.username, name: u.username, state: 'active' })));
    this.route('GET', /\/api\/v4\/groups/, (req) => this.withUser(req, (u) => ok((u.groups ?? []).map((g, i) => ({ id: i + 100, full_path: g })))));
    this.route('GET', /\/api\/v4\/groups\/([^/]+)\/members\/all\/(\d+)/, (req, m) =>
      this.withUser(req, () => {
        const member = byId(m[2]);
        const group = decodeURIComponent(m[1]);
        // inherited membership: a member of a parent group is a member of its subgroups
        const inGroup = member?.groups?.some((g) => group === g || group.startsWith(`${g}/`));
        return member && inGroup ? ok({ id: member.id, username: member.username, access_level: 30 }) : notFound();
      }),
    );
    this.route('GET', /\/api\/v4\/projects\/(\d+)\/members\/all\/(\d+)/, (req, m) =>
      this.withUser(req, () => {
        const member = byId(m[2]);
        const level = member?.projects?.[Number(m[1])];
        return member && level !== undefined ? ok({ id: member.id, username: member.username, access_level: level }) : notFound();
      }),
    );
  }

  private withUser(req: FakeRequest, f: (u: FakeGitlabUser) => FakeResponse): FakeResponse {
    const name = this.userOf(req);
    const u = name ? this.users.get(name) : undefined;
    return u ? f(u) : unauthorized();
  }
}
