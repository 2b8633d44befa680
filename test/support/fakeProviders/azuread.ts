// A Microsoft Entra ID fake for one tenant: /<tenant>/oauth2/v2.0/{authorize,token}, the
// tenant's discovery document at /<tenant>/v2.0 and its keys; id_tokens carry name,
// preferred_username, tid (another tenant's id for guests of another directory) and groups.
import { OAuthFake } from './oauthFake.ts';

export interface FakeAzureUser {
  oid: string;
  name: string;
  preferredUsername: string;
  /** Tenant of the account; default the fake's tenant. */
  tid?: string;
  groups?: string[];
}

export class FakeAzureAd extends OAuthFake {
  readonly users = new Map<string, FakeAzureUser>();

  constructor(clientId: string, clientSecret: string, readonly tenant: string, users: FakeAzureUser[]) {
    super({
      clientId,
      clientSecret,
      authorizePath: `/${tenant}/oauth2/v2.0/authorize`,
      tokenPath: `/${tenant}/oauth2/v2.0/token`,
      oidc: { issuerPath: `/${tenant}/v2.0`, jwksPath: `/${tenant}/discovery/v2.0/keys`, userinfoPath: null },
      idTokenClaims: (oid) => {
        const u = this.users.get(oid);
        if (!u) return {};
        return { oid: u.oid, sub: u.oid, name: u.name, preferred_username: u.preferredUsername, tid: u.tid ?? tenant, ...(u.groups ? { groups: u.groups } : {}) };
      },
    });
    for (const u of users) this.users.set(u.oid, u);
  }
}
