// `auth.<provider>:` — settings of the OAuth 2.0 / OpenID Connect providers with rules of
// their own (GitHub, Google, CILogon, Globus, GitLab, Azure AD), in oauthenticator 17's terms.
// The settings every OAuth provider shares are in oauth.ts. Every provider's own addresses
// are settings, so a deployment can use a self-hosted instance (and tests a local fake).
import { Type } from '@sinclair/typebox';
import { Closed, Deprecated, Key, MapOf, Nullable, Section, StringEnum, StringList } from './helpers.ts';
import { oauthBase } from './oauth.ts';

const HttpUrl = () => Type.String({ format: 'uri' });

const githubProperties = {
  ...oauthBase('GitHub', 'github'),
  githubUrl: Key(HttpUrl(), 'https://github.com', 'Address of GitHub, or of a GitHub Enterprise Server (its login and OAuth pages).'),
  apiUrl: Key(Nullable(HttpUrl()), null, 'GitHub REST API; null: https://api.github.com for github.com, else <githubUrl>/api/v3.'),
  allowedOrganizations: Key(
    StringList(),
    [],
    'Members of these GitHub organizations, or of these teams written org:team (the slugs in the URLs), may log in; checked through GitHub’s membership API, so add read:org to scopes to see private memberships.',
  ),
  populateTeamsInAuthState: Key(Type.Boolean(), false, 'Keep the user’s GitHub teams (GET /user/teams) in auth state as `teams`; needs read:org in scopes.'),
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
  issuer: Key(
    HttpUrl(),
    'https://accounts.google.com',
    'Google’s OpenID Connect issuer: its discovery document gives the endpoints, its keys check the id_token.',
  ),
  stripDomain: Key(
    Nullable(Type.Boolean()),
    null,
    'Drop “@domain” from user names whose domain is in hostedDomain. null: only when hostedDomain has exactly one entry (oauthenticator’s strip_domain).',
  ),
};
const GOOGLE = 'Log in with Google.';
const HOSTED_DOMAIN =
  'Only accounts of these Google Workspace domains (the hd claim) may log in; empty: any. This restricts only: users must still be allowed by an auth.allowed rule.';
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

/** One identity provider behind CILogon (oauthenticator's cilogon-schema.yaml, in nbhub's spelling). */
const CilogonIdp = Closed(
  {
    usernameDerivation: Key(
      Closed({
        usernameClaim: Key(Type.String({ minLength: 1 }), 'eppn', 'Claim of the user info that gives the user name, e.g. eppn or email.'),
        action: Key(
          Nullable(StringEnum(['strip_idp_domain', 'prefix'] as const)),
          null,
          'strip_idp_domain: drop “@<domain>” (the name must end with it); prefix: the name becomes “<prefix>:<name>”; null: the claim as it is.',
        ),
        domain: Key(Nullable(Type.String({ minLength: 1 })), null, 'The domain stripped by action strip_idp_domain.'),
        prefix: Key(Nullable(Type.String({ minLength: 1 })), null, 'The prefix added by action prefix.'),
      }),
      { usernameClaim: 'eppn', action: null, domain: null, prefix: null },
      'How the user name is made from this identity provider’s user info.',
    ),
    allowAll: Key(Type.Boolean(), false, 'Every user of this identity provider may log in.'),
    allowedDomains: Key(StringList(), [], 'Users whose email domain matches one of these (wildcards * and ? allowed) may log in.'),
    allowedDomainsClaim: Key(Nullable(Type.String({ minLength: 1 })), null, 'Claim whose domain allowedDomains is matched against; null: the usernameClaim.'),
    default: Key(Type.Boolean(), false, 'Preselected on CILogon’s page.'),
  },
  'An identity provider users may log in with through CILogon.',
);
const CILOGON_IDPS =
  'Identity providers users may log in with, keyed by CILogon entity id (e.g. https://github.com/login/oauth/authorize, urn:mace:incommon:uchicago.edu); users of any other are refused. Empty: any, names from usernameClaim (default eppn).';

export const CilogonResolvedSchema = Section('Log in with CILogon.', {
  ...oauthBase('CILogon', 'cilogon'),
  cilogonHost: Key(Type.String({ minLength: 1 }), 'cilogon.org', 'CILogon host (https://<host>), or a full base URL such as http://127.0.0.1:9000.'),
  usernameClaim: Key(Nullable(Type.String({ minLength: 1 })), null, 'Claim used as the user name when idps is empty; null: eppn (each entry of idps names its own).'),
  idpHint: Key(Nullable(Type.String()), null, 'Identity provider preselected on the CILogon page (when no entry of idps is marked default).'),
  skin: Key(Nullable(Type.String({ minLength: 1 })), null, 'Name of a custom CILogon page skin.'),
  idps: Key(MapOf(CilogonIdp), {}, CILOGON_IDPS),
});
export const CilogonInputSchema = Section('Log in with CILogon.', {
  ...oauthBase('CILogon', 'cilogon'),
  cilogonHost: Key(Type.String({ minLength: 1 }), 'cilogon.org', 'CILogon host (https://<host>), or a full base URL such as http://127.0.0.1:9000.'),
  usernameClaim: Key(Nullable(Type.String({ minLength: 1 })), null, 'Claim used as the user name when idps is empty; null: eppn (each entry of idps names its own).'),
  idpHint: Key(Nullable(Type.String()), null, 'Identity provider preselected on the CILogon page (when no entry of idps is marked default).'),
  skin: Key(Nullable(Type.String({ minLength: 1 })), null, 'Name of a custom CILogon page skin.'),
  idps: Key(MapOf(CilogonIdp), {}, CILOGON_IDPS),
  allowedIdps: Deprecated(MapOf(CilogonIdp), 'auth.cilogon.idps', 'oauthenticator before 17.4 (allowed_idps).'),
});
/** Kept for imports that predate the input/resolved split. */
export const CilogonSchema = CilogonResolvedSchema;

export const GlobusSchema = Section('Log in with Globus.', {
  ...oauthBase('Globus', 'globus'),
  globusUrl: Key(HttpUrl(), 'https://auth.globus.org', 'Globus Auth (its /v2/oauth2/… endpoints).'),
  identityProvider: Key(
    Nullable(Type.String()),
    null,
    'Only identities from this provider domain may log in, e.g. youruniversity.edu; others are refused with a hint to link that identity.',
  ),
  usernameFromEmail: Key(Type.Boolean(), false, 'Make the user name from the email claim instead of preferred_username (the part before @ either way).'),
  allowedGlobusGroups: Key(
    StringList(),
    [],
    'Members of these Globus groups (group ids) may log in. The user’s groups are read from the Globus Groups API and kept in auth state as globus_groups (auth.manageGroups makes them hub groups, so auth.admin.groups can name admin groups).',
  ),
  groupsUrl: Key(HttpUrl(), 'https://groups.api.globus.org', 'Globus Groups API.'),
});

const gitlabProperties = {
  ...oauthBase('GitLab', 'gitlab'),
  gitlabUrl: Key(HttpUrl(), 'https://gitlab.com', 'Address of the GitLab instance.'),
  apiUrl: Key(Nullable(HttpUrl()), null, 'GitLab REST API; null: <gitlabUrl>/api/v4.'),
  allowedGitlabGroups: Key(StringList(), [], 'Members of these GitLab groups (full paths, e.g. my-org/my-team) may log in.'),
  allowedProjectIds: Key(Type.Array(Type.Integer({ minimum: 1 })), [], 'Members of these GitLab projects with Developer access or more may log in.'),
};
const GITLAB = 'Log in with GitLab.';
export const GitlabResolvedSchema = Section(GITLAB, gitlabProperties);
export const GitlabInputSchema = Section(GITLAB, {
  ...gitlabProperties,
  allowedGroups: Deprecated(StringList(), 'auth.gitlab.allowedGitlabGroups', 'Earlier nbhub name.'),
});
/** Kept for imports that predate the input/resolved split. */
export const GitlabSchema = GitlabResolvedSchema;

export const AzureadSchema = Section('Log in with Microsoft Entra ID (Azure AD).', {
  ...oauthBase('Azure AD', 'azuread'),
  tenantId: Key(Nullable(Type.String({ minLength: 1 })), null, 'Directory (tenant) id (required with auth.type azuread).'),
  usernameClaim: Key(Nullable(Type.String({ minLength: 1 })), null, 'Claim of the id_token used as the user name; null: name (as oauthenticator).'),
  userdataFromIdToken: Key(Type.Boolean(), true, 'Read the user info from the id_token (as oauthenticator does for Azure AD: it carries tid and groups); false: Microsoft Graph’s userinfo endpoint.'),
  loginUrl: Key(HttpUrl(), 'https://login.microsoftonline.com', 'Microsoft identity platform (national clouds have their own).'),
});
