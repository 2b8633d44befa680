// A Globus Auth fake (/v2/oauth2/…): userinfo with preferred_username (user@domain) and
// email, a token response carrying other_tokens for the transfer service (and for the Groups
// API when its scope was asked for), and the Groups API's /v2/groups/my_groups.
import { randomBytes } from 'node:crypto';
import { OAuthFake, ok, unauthorized } from './oauthFake.ts';

export interface FakeGlobusUser {
  sub: string;
  preferred_username: string;
  email: string;
  /** Ids of the Globus groups the user belongs to. */
  groups?: string[];
}

export class FakeGlobus extends OAuthFake {
  readonly users = new Map<string, FakeGlobusUser>();
  /** Groups API token → user (only the Groups API accepts these). */
  readonly groupTokens = new Map<string, string>();

  constructor(clientId: string, clientSecret: string, users: FakeGlobusUser[]) {
    super({
      clientId,
      clientSecret,
      authorizePath: '/v2/oauth2/authorize',
      tokenPath: '/v2/oauth2/token',
      tokenExtras: (sub, scope) => {
        const other: Record<string, unknown>[] = [
          { resource_server: 'transfer.api.globus.org', access_token: 'transfer-token', scope: 'urn:globus:auth:scope:transfer.api.globus.org:all', token_type: 'Bearer', expires_in: 3600 },
        ];
        if (scope.includes('groups.api.globus.org')) {
          const token = `groups-${randomBytes(8).toString('hex')}`;
          this.groupTokens.set(token, sub);
          other.push({ resource_server: 'groups.api.globus.org', access_token: token, scope: 'urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships', token_type: 'Bearer', expires_in: 3600 });
        }
        return { resource_server: 'auth.globus.org', other_tokens: other };
      },
    });
    for (const u of users) this.users.set(u.sub, u);
    this.route('GET', /\/v2\/groups\/my_groups/, (req) => {
      const u = this.users.get(this.groupTokens.get(req.token ?? '') ?? '');
      return u ? ok((u.groups ?? []).map((id) => ({ id, name: `group ${id}`, my_memberships: [{ role: 'member' }] }))) : unauthorized();
    });
    this.route('GET', /\/v2\/oauth2\/userinfo/, (req) => {
      const u = this.users.get(this.userOf(req) ?? '');
      return u ? ok({ sub: u.sub, preferred_username: u.preferred_username, email: u.email, name: u.preferred_username }) : unauthorized();
    });
  }
}
