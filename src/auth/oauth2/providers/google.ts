// Google. The name is the email; `hostedDomain` restricts logins to Google Workspace
// accounts whose `hd` claim is one of the listed domains (it allows no one by itself), asks
// Google's page to offer only such accounts (authorize parameter hd), and — with exactly one
// domain, or stripDomain: true — drops “@domain” from the name (oauthenticator's strip_domain).
// Endpoints and signing keys come from Google's OpenID Connect discovery at `issuer`.
import type { Config } from '../../../config/index.ts';
import type { OAuthProvider, ProviderDecision } from '../provider.ts';
import { claimString, missingClaim } from './api.ts';

export type GoogleSettings = Pick<Config['auth']['google'], 'issuer' | 'hostedDomain' | 'stripDomain'>;

export function googleProvider(s: GoogleSettings): OAuthProvider {
  const domains = s.hostedDomain.map((d) => d.toLowerCase());
  const strip = s.stripDomain ?? domains.length === 1;
  return {
    kind: 'google',
    loginService: 'Google',
    endpoints: { issuer: s.issuer, authorizeUrl: null, tokenUrl: null, userdataUrl: null },
    defaultScopes: ['openid', 'email'],
    defaultUsernameClaim: 'email',
    userAuthStateKey: 'google_user',
    authorizeParams: (): Record<string, string> => (domains.length === 0 ? {} : { hd: domains.length === 1 ? domains[0] : '*' }),
    async decide({ user, name }): Promise<ProviderDecision> {
      const info = user.userinfo;
      const email = claimString(info, 'email') ?? claimString(user.idTokenClaims ?? {}, 'email');
      if (!name) throw missingClaim('Google', 'email', info);
      const verified = info.email_verified ?? info.verified_email ?? user.idTokenClaims?.email_verified;
      if (verified === false || verified === 'false') {
        return { kind: 'denied', userMessage: `The Google account ${email ?? name} has no verified email address.`, reason: 'Google email not verified' };
      }
      if (domains.length > 0) {
        const hd = (claimString(info, 'hd') ?? claimString(user.idTokenClaims ?? {}, 'hd') ?? '').toLowerCase();
        if (!domains.includes(hd)) {
          const shown = hd ? `@${hd}` : 'a personal Google account';
          return {
            kind: 'denied',
            userMessage: `Log in with your ${domains.join(' or ')} Google account (${shown} is not accepted here).`,
            reason: hd ? `Google hosted domain ${hd} is not in auth.google.hostedDomain` : 'Google account has no hosted domain (hd claim); auth.google.hostedDomain is set',
          };
        }
      }
      return { kind: 'user', name: strip ? stripListedDomain(name, domains) : name, groups: null, allowedByProvider: false };
    },
  };
}

/** `jane@example.edu` → `jane` when example.edu is one of `domains`; other names unchanged. */
export function stripListedDomain(name: string, domains: readonly string[]): string {
  const at = name.lastIndexOf('@');
  if (at < 0) return name;
  return domains.includes(name.slice(at + 1).toLowerCase()) ? name.slice(0, at) : name;
}
