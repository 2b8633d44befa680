// `auth.<provider>:` — settings of the OAuth 2.0 / OpenID Connect providers with rules of
// their own (GitHub, Google, CILogon, Globus, GitLab, Azure AD). The settings every OAuth
// provider shares are in oauth.ts.
import { Type } from '@sinclair/typebox';
import { Deprecated, Key, Nullable, Section, StringList } from './helpers.ts';
import { oauthBase } from './oauth.ts';

const githubProperties = {
  ...oauthBase('GitHub', 'github'),
  allowedOrganizations: Key(StringList(), [], 'Only members of these GitHub organizations (or org:team) may log in; empty: anyone allowed by auth.allowed.'),
};
const GITHUB = 'Log in with GitHub.';
export const GithubResolvedSchema = Section(GITHUB, githubProperties);
export const GithubInputSchema = Section(GITHUB, {
  ...githubProperties,
  orgWhitelist: Deprecated(StringList(), 'auth.github.allowedOrganizations', 'z2jh 0.x name.'),
  org_whitelist: Deprecated(StringList(), 'auth.github.allowedOrganizations', 'z2jh guide spelling.'),
});

const googleProperties = {
  ...oauthBase('Google', 'google'),
  loginService: Key(Type.String(), 'Google', 'Name on the login button, e.g. “Your University”.'),
};
const GOOGLE = 'Log in with Google.';
const HOSTED_DOMAIN = 'Only accounts of these Google Workspace domains may log in; empty: any.';
export const GoogleResolvedSchema = Section(GOOGLE, {
  ...googleProperties,
  hostedDomain: Key(StringList(), [], HOSTED_DOMAIN),
});
export const GoogleInputSchema = Section(GOOGLE, {
  ...googleProperties,
  hostedDomain: Key(
    Type.Unsafe<string | string[]>({ type: ['string', 'array'], items: { type: 'string' } }),
    [],
    `${HOSTED_DOMAIN} A single domain may be written as a string.`,
  ),
});

export const CilogonSchema = Section('Log in with CILogon.', {
  ...oauthBase('CILogon', 'cilogon'),
  usernameClaim: Key(Type.String({ minLength: 1 }), 'eppn', 'Claim used as the user name (e.g. eppn or email).'),
  idpHint: Key(Nullable(Type.String()), null, 'Identity provider preselected on the CILogon page.'),
});

export const GlobusSchema = Section('Log in with Globus.', {
  ...oauthBase('Globus', 'globus'),
  identityProvider: Key(Nullable(Type.String()), null, 'Only identities from this provider domain may log in, e.g. youruniversity.edu.'),
});

export const GitlabSchema = Section('Log in with GitLab.', {
  ...oauthBase('GitLab', 'gitlab'),
  gitlabUrl: Key(Type.String({ format: 'uri' }), 'https://gitlab.com', 'Address of the GitLab instance.'),
  allowedGroups: Key(StringList(), [], 'Only members of these GitLab groups may log in; empty: any.'),
});

export const AzureadSchema = Section('Log in with Microsoft Entra ID (Azure AD).', {
  ...oauthBase('Azure AD', 'azuread'),
  tenantId: Key(Nullable(Type.String({ minLength: 1 })), null, 'Directory (tenant) id (required with auth.type azuread).'),
  usernameClaim: Key(Type.String({ minLength: 1 }), 'name', 'Claim used as the user name.'),
});

