// config.yaml for a hub that logs in through the test OpenID Connect provider.
import { e2eConfig, type E2eConfig } from './e2eConfig.ts';
import type { TestOidcProvider } from './oidcProvider.ts';

export interface OidcHubConfigOptions {
  /** Lines under `auth:` (two-space indented by the caller's intent, without the indent). */
  auth?: string[];
  /** Lines under `auth.oidc:` besides issuer/clientId/clientSecret. */
  oidc?: string[];
  /** Overrides of the provider's values (e.g. a wrong secret, a dead issuer). */
  issuer?: string;
  clientSecret?: string;
  hub?: string[];
  singleuser?: string[];
}

export function oidcHubConfig(idp: TestOidcProvider, o: OidcHubConfigOptions = {}): E2eConfig {
  const base = e2eConfig({ authType: 'oidc', hub: o.hub, singleuser: o.singleuser });
  const auth = [
    '  type: oidc',
    ...(o.auth ?? []).map((l) => `  ${l}`),
    '  oidc:',
    `    issuer: ${o.issuer ?? idp.issuer}`,
    `    clientId: ${idp.clientId}`,
    `    clientSecret: ${o.clientSecret ?? idp.clientSecret}`,
    ...(o.oidc ?? []).map((l) => `    ${l}`),
  ].join('\n');
  return { ...base, yaml: base.yaml.replace('  type: oidc', auth) };
}
