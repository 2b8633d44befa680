// `auth.<provider>:` — settings of each OAuth 2.0 / OpenID Connect login provider and LDAP.
import { Type } from '@sinclair/typebox';
import { Deprecated, FreeObject, Key, Nullable, Section, StringList } from './helpers.ts';
import { SecretString } from './common.ts';

const Url = () => Nullable(Type.String({ format: 'uri' }));

/** clientId, clientSecret, callbackUrl, scopes: shared by every OAuth provider. */
function oauthBase(provider: string, authType: string) {
  const required = `required with auth.type ${authType}`;
  return {
    clientId: Key(Nullable(Type.String({ minLength: 1 })), null, `OAuth client id registered with ${provider} (${required}).`),
    clientSecret: Key(SecretString(), null, `OAuth client secret from ${provider} (${required}).`),
    callbackUrl: Key(Url(), null, 'Redirect URL registered with the provider; null: <public URL>/hub/oauth_callback.'),
    scopes: Key(StringList(), [], 'OAuth scopes requested; empty: the provider’s usual minimum.'),
  };
}

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

/** Any OAuth 2.0 provider (genericOAuth) or an OpenID Connect provider (oidc). */
function genericSection(description: string, authType: string, loginService: string) {
  return Section(description, {
    ...oauthBase('the provider', authType),
    authorizeUrl: Key(Url(), null, 'Authorization endpoint; null: from issuer discovery (or OAUTH2_AUTHORIZE_URL in the environment).'),
    tokenUrl: Key(Url(), null, 'Token endpoint; null: from issuer discovery (or OAUTH2_TOKEN_URL).'),
    userdataUrl: Key(Url(), null, 'User info endpoint; null: from issuer discovery (or OAUTH2_USERDATA_URL).'),
    issuer: Key(Url(), null, 'OpenID Connect issuer; its /.well-known/openid-configuration provides the endpoints left null.'),
    usernameKey: Key(Type.String({ minLength: 1 }), 'preferred_username', 'Field of the user info used as the user name (e.g. sub, email).'),
    userdataMethod: Key(Type.Unsafe<'GET' | 'POST'>({ type: 'string', enum: ['GET', 'POST'] }), 'GET', 'HTTP method of the user info request.'),
    userdataParams: Key(FreeObject(), {}, 'Extra query parameters of the user info request.'),
    loginService: Key(Type.String(), loginService, 'Name on the login button.'),
  });
}

export const GenericOAuthSchema = genericSection('Log in with any OAuth 2.0 provider.', 'generic-oauth', 'OAuth 2.0');
export const OidcSchema = genericSection('Log in with an OpenID Connect provider.', 'oidc', 'OpenID Connect');

export const LdapSchema = Section('Log in with LDAP or Active Directory.', {
  server: Section('The directory server.', {
    address: Key(Nullable(Type.String({ minLength: 1 })), null, 'Host name of the server (required for ldap).'),
    port: Key(Nullable(Type.Integer({ minimum: 1, maximum: 65535 })), null, 'Port; null: 636 with ssl, else 389.'),
    ssl: Key(Type.Boolean(), false, 'Connect over TLS (ldaps).'),
  }),
  dn: Section('How a login name becomes a bind DN.', {
    templates: Key(StringList(), [], 'DN templates tried in turn, e.g. uid={username},ou=people,dc=example,dc=org.'),
    lookup: Key(Type.Boolean(), false, 'Look the DN up with a search before binding.'),
    search: Section('The search used when lookup is true.', {
      filter: Key(Nullable(Type.String()), null, 'Search filter, e.g. ({login_attr}={login}).'),
      user: Key(Nullable(Type.String()), null, 'DN to bind as for the search; null: anonymous.'),
      password: Key(SecretString(), null, 'Password of that DN.'),
    }),
    user: Section('Where users are and how their names look.', {
      searchBase: Key(Nullable(Type.String()), null, 'Base DN searched for users.'),
      escape: Key(Type.Boolean(), false, 'Escape special characters in the user name before putting it in a DN.'),
      validRegex: Key(Type.String(), '^[a-z][.a-z0-9_-]*$', 'User names that may try to log in.'),
      dnAttribute: Key(Nullable(Type.String()), null, 'Attribute holding the name used in the DN (e.g. cn).'),
      attribute: Key(Nullable(Type.String()), null, 'Attribute matched against the login name (e.g. sAMAccountName, uid).'),
    }),
  }),
  allowedGroups: Key(StringList(), [], 'Only members of these group DNs may log in; empty: any.'),
});
