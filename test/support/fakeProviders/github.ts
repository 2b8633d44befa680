// A GitHub Enterprise Server fake (web flow at /login/oauth/…, REST API under /api/v3): the
// user, /user/emails, /user/teams (paged by 2 with Link headers), and the organization and
// team membership checks (204 member, 404 not).
import { OAuthFake, notFound, ok, unauthorized, type FakeRequest, type FakeResponse } from './oauthFake.ts';

export interface FakeGithubUser {
  login: string;
  id: number;
  /** Public email; null when private. */
  email: string | null;
  emails?: { email: string; primary: boolean; verified: boolean }[];
  orgs?: string[];
  /** org:team-slug */
  teams?: string[];
}

export class FakeGithub extends OAuthFake {
  readonly users = new Map<string, FakeGithubUser>();
  /** Membership checks seen, as "org" or "org:team" + "/" + login. */
  readonly membershipChecks: string[] = [];

  constructor(clientId: string, clientSecret: string, users: FakeGithubUser[]) {
    // GitHub reports the granted scopes comma-separated
    super({ clientId, clientSecret, authorizePath: '/login/oauth/authorize', tokenPath: '/login/oauth/access_token', grantedScope: (asked) => asked.split(' ').join(',') });
    for (const u of users) this.users.set(u.login, u);
    const api = '/api/v3';
    this.route('GET', new RegExp(`${api}/user`), (req) => this.withUser(req, (u) => ok({ login: u.login, id: u.id, email: u.email, name: u.login })));
    this.route('GET', new RegExp(`${api}/user/emails`), (req) => this.withUser(req, (u) => ok(u.emails ?? [])));
    this.route('GET', new RegExp(`${api}/user/teams`), (req) =>
      this.withUser(req, (u) => {
        const all = (u.teams ?? []).map((t, i) => ({ id: i + 1, slug: t.split(':')[1], organization: { login: t.split(':')[0] } }));
        const page = Number(req.url.searchParams.get('page') ?? '1');
        const items = all.slice((page - 1) * 2, page * 2);
        const headers: Record<string, string> = {};
        if (page * 2 < all.length) headers.link = `<${this.url}${api}/user/teams?per_page=100&page=${page + 1}>; rel="next", <${this.url}${api}/user/teams?page=1>; rel="first"`;
        return ok(items, headers);
      }),
    );
    this.route('GET', new RegExp(`${api}/orgs/([^/]+)/members/([^/]+)`), (req, m) =>
      this.withUser(req, () => this.membership(`${decodeURIComponent(m[1])}`, decodeURIComponent(m[2]), (u) => (u.orgs ?? []).includes(decodeURIComponent(m[1])))),
    );
    this.route('GET', new RegExp(`${api}/orgs/([^/]+)/teams/([^/]+)/members/([^/]+)`), (req, m) => {
      const team = `${decodeURIComponent(m[1])}:${decodeURIComponent(m[2])}`;
      return this.withUser(req, () => this.membership(team, decodeURIComponent(m[3]), (u) => (u.teams ?? []).includes(team)));
    });
  }

  private withUser(req: FakeRequest, f: (u: FakeGithubUser) => FakeResponse): FakeResponse {
    const login = this.userOf(req);
    const u = login ? this.users.get(login) : undefined;
    return u ? f(u) : unauthorized();
  }

  private membership(what: string, login: string, isMember: (u: FakeGithubUser) => boolean): FakeResponse {
    this.membershipChecks.push(`${what}/${login}`);
    const u = this.users.get(login);
    return u && isMember(u) ? { status: 204 } : notFound();
  }
}
