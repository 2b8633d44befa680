// A CILogon fake: OpenID Connect (discovery, signed id_tokens) with the userinfo endpoint
// answering the claims of the configured user: idp (entity id of the identity provider the
// user picked), eppn, email, …; a user may lack any of them.
import { OAuthFake, ok, unauthorized } from './oauthFake.ts';

export type FakeCilogonUser = { sub: string } & Record<string, string>;

export class FakeCilogon extends OAuthFake {
  readonly users = new Map<string, FakeCilogonUser>();

  constructor(clientId: string, clientSecret: string, users: FakeCilogonUser[]) {
    super({
      clientId,
      clientSecret,
      authorizePath: '/authorize',
      tokenPath: '/oauth2/token',
      oidc: { issuerPath: '', jwksPath: '/oauth2/certs', userinfoPath: '/oauth2/userinfo' },
      idTokenClaims: (sub) => ({ ...(this.users.get(sub) ?? {}) }),
    });
    for (const u of users) this.users.set(u.sub, u);
    this.route('GET', /\/oauth2\/userinfo/, (req) => {
      const sub = this.userOf(req);
      const u = sub ? this.users.get(sub) : undefined;
      return u ? ok(u) : unauthorized();
    });
    this.route('POST', /\/oauth2\/userinfo/, (req) => {
      const u = this.users.get(this.userOf(req) ?? '');
      return u ? ok(u) : unauthorized();
    });
  }
}
