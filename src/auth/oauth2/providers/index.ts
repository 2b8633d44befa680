// The named OAuth providers with rules of their own, picked by auth.type.
import type { Config } from '../../../config/index.ts';
import type { OAuthProvider } from '../provider.ts';
import { githubProvider } from './github.ts';
import { googleProvider } from './google.ts';
import { cilogonProvider } from './cilogon.ts';
import { globusProvider } from './globus.ts';
import { gitlabProvider } from './gitlab.ts';
import { azureadProvider } from './azuread.ts';

export const NAMED_PROVIDER_TYPES = ['github', 'google', 'cilogon', 'globus', 'gitlab', 'azuread'] as const;
export type NamedProviderType = (typeof NAMED_PROVIDER_TYPES)[number];

export function isNamedProviderType(type: string): type is NamedProviderType {
  return (NAMED_PROVIDER_TYPES as readonly string[]).includes(type);
}

/** The provider for `auth.type`, built from its section of the config. */
export function namedProvider(type: NamedProviderType, auth: Config['auth']): OAuthProvider {
  switch (type) {
    case 'github':
      return githubProvider(auth.github);
    case 'google':
      return googleProvider(auth.google);
    case 'cilogon':
      return cilogonProvider(auth.cilogon);
    case 'globus':
      return globusProvider(auth.globus);
    case 'gitlab':
      return gitlabProvider(auth.gitlab);
    case 'azuread':
      return azureadProvider(auth.azuread);
  }
}
