// A Google fake: OpenID Connect discovery at the issuer, id_tokens signed by the fake's key,
// and the userinfo endpoint with email, email_verified and hd (Workspace accounts only).
import { OAuthFake, ok, unauthorized } from './oauthFake.ts';

export interface FakeGoogleUser {
  sub: string;
  email: string;
  emailVerified?: boolean;
  /** Google Workspace domain; absent for personal accounts. */
  hd?: string;
}

export class FakeGoogle extends OAuthFake {
  readonly users = new Map<string, FakeGoogleUser>();

  constructor(clientId: string, clientSecret: string, users: FakeGoogleUser[]) {
    super({
      clientId,
      clientSecret,
      authorizePath: '/o/oauth2/v2/auth',
      tokenPath: '/token',
      oidc: { issuerPath: '', jwksPath: '/oauth2/v3/certs', userinfoPath: '/v1/userinfo' },
      idTokenClaims: (email) => this.claims(email),
    });
    for (const u of users) this.users.set(u.email, u);
    this.route('GET', /\/v1\/userinfo/, (req) => {
      const email = this.userOf(req);
      return email && this.users.has(email) ? ok(this.claims(email)) : unauthorized();
    });
  }

  private claims(email: string): Record<string, unknown> {
    const u = this.users.get(email);
    if (!u) return {};
    return { sub: u.sub, email: u.email, email_verified: u.emailVerified ?? true, ...(u.hd ? { hd: u.hd } : {}) };
  }
}
