// CILogon: one login page in front of many identity providers (universities, GitHub, ORCID,
// …). The user info's `idp` claim says which one the user chose. With `idps` configured, only
// those providers are accepted, each with its own username derivation (a claim, then
// strip_idp_domain or prefix) and its own allow rules (allowAll, allowedDomains with * and ?
// wildcards matched against the domain of a claim). The `openid` and `org.cilogon.userinfo`
// scopes are always requested (without them there is no `idp` claim).
import picomatch from 'picomatch';
import type { Config } from '../../../config/index.ts';
import { AuthSourceError } from '../../types.ts';
import type { OAuthProvider, ProviderDecision } from '../provider.ts';
import { claimString, missingClaim, trimSlash } from './api.ts';

export type CilogonSettings = Pick<Config['auth']['cilogon'], 'cilogonHost' | 'usernameClaim' | 'idpHint' | 'skin' | 'idps'>;
type Idp = CilogonSettings['idps'][string];

/** `cilogon.org` → https://cilogon.org; a full URL (a test's fake) is kept. */
export function cilogonBaseUrl(host: string): string {
  return trimSlash(host.includes('://') ? host : `https://${host}`);
}

export function cilogonProvider(s: CilogonSettings): OAuthProvider {
  const base = cilogonBaseUrl(s.cilogonHost);
  const entityIds = Object.keys(s.idps);
  return {
    kind: 'cilogon',
    loginService: 'CILogon',
    endpoints: { issuer: base, authorizeUrl: `${base}/authorize`, tokenUrl: `${base}/oauth2/token`, userdataUrl: `${base}/oauth2/userinfo` },
    defaultScopes: ['openid', 'email', 'org.cilogon.userinfo', 'profile'],
    requiredScopes: ['openid', 'org.cilogon.userinfo'],
    defaultUsernameClaim: 'eppn',
    userAuthStateKey: 'cilogon_user',
    authorizeParams() {
      const params: Record<string, string> = {};
      // The default one first: CILogon preselects the first of selected_idp.
      const selected = entityIds.length ? [...entityIds].sort((a, b) => Number(s.idps[b].default) - Number(s.idps[a].default)) : s.idpHint ? [s.idpHint] : [];
      if (selected.length) params.selected_idp = selected.join(',');
      if (s.skin) params.skin = s.skin;
      return params;
    },
    async decide({ user, name }): Promise<ProviderDecision> {
      const info = user.userinfo;
      if (entityIds.length === 0) {
        if (!name) throw missingClaim('CILogon', s.usernameClaim ?? 'eppn', info);
        return { kind: 'user', name, groups: null, allowedByProvider: false };
      }
      const idp = claimString(info, 'idp');
      if (!idp) {
        throw new AuthSourceError(
          'CILogon did not say which identity provider you logged in with. Ask an administrator.',
          'CILogon user info has no "idp" claim (is the org.cilogon.userinfo scope granted to this client?)',
        );
      }
      const rules = s.idps[idp];
      if (!rules) {
        return {
          kind: 'denied',
          userMessage: 'Logging in through this identity provider is not allowed on this hub. Choose another one on the CILogon page.',
          reason: `CILogon identity provider ${idp} is not in auth.cilogon.idps`,
        };
      }
      const derived = deriveUsername(info, idp, rules);
      if (derived.kind === 'denied') return derived;
      return { kind: 'user', name: derived.name, groups: null, allowedByProvider: idpAllows(info, rules) };
    },
  };
}

function deriveUsername(info: Record<string, unknown>, idp: string, rules: Idp): { kind: 'user'; name: string } | Extract<ProviderDecision, { kind: 'denied' }> {
  const d = rules.usernameDerivation;
  const raw = claimString(info, d.usernameClaim);
  if (!raw) throw missingClaim(`CILogon (identity provider ${idp})`, d.usernameClaim, info);
  if (d.action === 'strip_idp_domain') {
    const suffix = `@${d.domain ?? ''}`;
    if (!d.domain || !raw.toLowerCase().endsWith(suffix.toLowerCase())) {
      return {
        kind: 'denied',
        userMessage: 'Your account at this identity provider is not in the domain this hub expects. Ask an administrator.',
        reason: `CILogon ${d.usernameClaim} from ${idp} does not end with ${suffix} (usernameDerivation strip_idp_domain)`,
      };
    }
    return { kind: 'user', name: raw.slice(0, raw.length - suffix.length) };
  }
  if (d.action === 'prefix') return { kind: 'user', name: `${d.prefix ?? ''}:${raw}` };
  return { kind: 'user', name: raw };
}

/** allowAll, or the domain of allowedDomainsClaim (else the username claim) matches an allowedDomains pattern. */
function idpAllows(info: Record<string, unknown>, rules: Idp): boolean {
  if (rules.allowAll) return true;
  if (rules.allowedDomains.length === 0) return false;
  const value = claimString(info, rules.allowedDomainsClaim ?? rules.usernameDerivation.usernameClaim);
  const at = value?.lastIndexOf('@') ?? -1;
  if (!value || at < 0) return false;
  const domain = value.slice(at + 1).toLowerCase();
  return rules.allowedDomains.some((pattern) => picomatch.isMatch(domain, pattern.toLowerCase(), { dot: true }));
}
