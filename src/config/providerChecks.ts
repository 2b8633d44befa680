// Cross-key rules of the OAuth providers with rules of their own (auth.type github, google,
// cilogon, globus, gitlab, azuread): things the schema alone cannot say, checked by
// crossChecks.ts's checkAuth for the configured provider only.
import type { Config } from './schema.ts';
import type { ConfigFinding, ConfigPath } from './errors.ts';

/** Named providers whose default scopes include openid (an id_token comes back without setting scopes). */
export const OPENID_BY_DEFAULT: ReadonlySet<string> = new Set(['google', 'cilogon', 'globus', 'azuread']);

/** Tenant aliases whose id_tokens carry each user's own tenant as issuer (checked here and in the provider). */
const AZURE_MULTI_TENANT = new Set(['common', 'organizations', 'consumers']);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function checkNamedProvider(auth: Config['auth']): ConfigFinding[] {
  const out: ConfigFinding[] = [];
  const typeAt: ConfigPath = ['auth', 'type'];
  if (auth.type === 'github') {
    auth.github.allowedOrganizations.forEach((entry, i) => {
      if (!/^[^:\s]+(:[^:\s]+)?$/.test(entry)) {
        out.push({ path: ['auth', 'github', 'allowedOrganizations', i], message: `${JSON.stringify(entry)} is neither an organization nor org:team (slugs as in GitHub's URLs)` });
      }
    });
  }
  const tenant = auth.type === 'azuread' ? auth.azuread.tenantId : null;
  if (tenant && AZURE_MULTI_TENANT.has(tenant.toLowerCase())) {
    out.push({
      path: ['auth', 'azuread', 'tenantId'],
      anchor: typeAt,
      message: `${tenant} is a multi-tenant alias: its id_tokens are issued by each user's own tenant, which nbhub cannot verify yet; use your directory (tenant) id`,
    });
  } else if (tenant && !GUID.test(tenant)) {
    // Azure's discovery document names the issuer by the tenant's id, so a domain name here
    // would fail the issuer check of every login
    out.push({ path: ['auth', 'azuread', 'tenantId'], message: `must be the directory (tenant) id, a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47, not ${JSON.stringify(tenant)}` });
  }
  if (auth.type === 'cilogon') {
    const defaults: string[] = [];
    for (const [entityId, idp] of Object.entries(auth.cilogon.idps)) {
      const at = (...p: string[]): ConfigPath => ['auth', 'cilogon', 'idps', entityId, ...p];
      const d = idp.usernameDerivation;
      if (d.action === 'strip_idp_domain' && !d.domain) out.push({ path: at('usernameDerivation', 'domain'), anchor: at('usernameDerivation', 'action'), message: 'is required for action strip_idp_domain' });
      if (d.action === 'prefix' && !d.prefix) out.push({ path: at('usernameDerivation', 'prefix'), anchor: at('usernameDerivation', 'action'), message: 'is required for action prefix' });
      if (idp.allowedDomainsClaim && !idp.allowedDomains.length) {
        out.push({ path: at('allowedDomainsClaim'), message: 'has no effect without allowedDomains', warning: 'CONFIG_IGNORED' });
      }
      if (idp.default) defaults.push(entityId);
    }
    if (defaults.length > 1) {
      out.push({ path: ['auth', 'cilogon', 'idps', defaults[1], 'default'], message: `only one identity provider may be the default (${defaults[0]} already is)` });
    }
  }
  return out;
}
