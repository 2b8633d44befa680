// A Globus Auth fake (/v2/oauth2/…): userinfo with preferred_username (user@domain) and
// email, and a token response carrying other_tokens for the transfer service.
import { OAuthFake, ok, unauthorized } from './oauthFake.ts';

export interface FakeGlobusUser {
  sub: string;
  preferred_username: string;
  email: string;
}

export class FakeGlobus extends OAuthFake {
  readonly users = new Map<string, FakeGlobusUser>();

  constructor(clientId: string, clientSecret: string, users: FakeGlobusUser[]) {
    super({
      clientId,
      clientSecret,
      authorizePath: '/v2/oauth2/authorize',
      tokenPath: '/v2/oauth2/token',
      tokenExtras: () => ({
        resource_server: 'auth.globus.org',
        other_tokens: [{ resource_server: 'transfer.api.globus.org', access_token: 'transfer-token', scope: 'urn:globus:auth:scope:transfer.api.globus.org:all', token_type: 'Bearer', expires_in: 3600 }],
      }),
    });
    for (const u of users) this.users.set(u.sub, u);
    this.route('GET', /\/v2\/oauth2\/userinfo/, (req) => {
      const u = this.users.get(this.userOf(req) ?? '');
      return u ? ok({ sub: u.sub, preferred_username: u.preferred_username, email: u.email, name: u.preferred_username }) : unauthorized();
    });
  }
}
