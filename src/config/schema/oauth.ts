// The settings every OAuth 2.0 / OpenID Connect login provider shares (oauthenticator 17's
// OAuthenticator base class, camelCase), and the two providers that are nothing more: any
// OAuth 2.0 provider (genericOAuth) and an OpenID Connect provider found by discovery (oidc).
import { Type } from '@sinclair/typebox';
import { Deprecated, Key, MapOf, Nullable, Section, StringEnum, StringList } from './helpers.ts';
import { SecretString } from './common.ts';

export const Url = () => Nullable(Type.String({ format: 'uri' }));
const Params = () => MapOf(Type.String());

/** Every OAuth provider's shared keys (oauthenticator's OAuthenticator options). */
export function oauthBase(provider: string, authType: string) {
  const required = `required with auth.type ${authType}`;
  return {
    clientId: Key(Nullable(Type.String({ minLength: 1 })), null, `OAuth client id registered with ${provider} (${required}; env OAUTH_CLIENT_ID).`),
    clientSecret: Key(SecretString(), null, `OAuth client secret from ${provider} (${required}; env OAUTH_CLIENT_SECRET).`),
    callbackUrl: Key(Url(), null, 'Redirect URL registered with the provider; null: <scheme>://<host of the request><baseUrl>hub/oauth_callback (env OAUTH_CALLBACK_URL).'),
    scopes: Key(StringList(), [], 'OAuth scopes requested; empty: the provider’s usual minimum (oidc: openid profile email).'),
    usernameClaim: Key(
      Nullable(Type.String({ minLength: 1 })),
      null,
      'Key of the user info (or, with userdataFromIdToken, of the id_token) whose value becomes the user name; a dotted path reads nested objects. null: the provider’s default (generic-oauth: username, or env OAUTH2_USERNAME_KEY; oidc: preferred_username).',
    ),
    extraAuthorizeParams: Key(Params(), {}, 'Extra query parameters added to the redirect to the provider’s authorization page.'),
    tokenParams: Key(Params(), {}, 'Extra form fields sent with the code → token request.'),
    userdataParams: Key(Params(), {}, 'Extra query parameters of the user info request.'),
    userdataMethod: Key(StringEnum(['GET', 'POST'] as const), 'GET', 'HTTP method of the user info request.'),
    userdataTokenMethod: Key(
      StringEnum(['header', 'url'] as const),
      'header',
      'How the access token goes to the user info endpoint: header (Authorization: Bearer) or url (?access_token=, for old providers; the URL is never logged).',
    ),
    userdataFromIdToken: Key(Type.Boolean(), false, 'Read the user info from the id_token’s claims instead of calling the user info endpoint (needs the openid scope).'),
    basicAuth: Key(Type.Boolean(), false, 'Authenticate the hub at the token endpoint with HTTP Basic (client_secret_basic) instead of form fields (client_secret_post).'),
    enablePkce: Key(Type.Boolean(), true, 'Send a PKCE S256 code challenge with every login (RFC 7636).'),
    loginService: Key(Nullable(Type.String({ minLength: 1 })), null, 'Name on the login button (“Sign in with …”); null: the provider’s name.'),
    logoutRedirectUrl: Key(Url(), null, 'Where /hub/logout sends the browser after ending the hub session, e.g. the provider’s logout page; null: the hub’s login page (env OAUTH_LOGOUT_REDIRECT_URL).'),
    custom403Message: Key(Nullable(Type.String({ minLength: 1 })), null, 'Text of the page shown to a user who signed in at the provider but may not use this hub; null: a standard message.'),
    validateServerCert: Key(Type.Boolean(), true, 'Verify the provider’s TLS certificates. false turns verification off (only for test setups).'),
    caFile: Key(Nullable(Type.String({ minLength: 1 })), null, 'PEM file of extra CA certificates trusted for calls to the provider (a private CA).'),
    httpProxy: Key(Url(), null, 'http://host:port of a proxy that all calls to the provider go through.'),
    authStateGroupsKey: Key(
      Nullable(Type.String({ minLength: 1 })),
      null,
      'Dotted path in the auth state holding the user’s groups, read at each login when auth.manageGroups is on (e.g. oauth_user.groups: the user info’s groups claim). null: the provider’s default (oauth_user.groups for generic-oauth and oidc).',
    ),
    allowedScopes: Key(StringList(), [], 'A user whose token was granted all of these scopes may log in (each must also be in scopes).'),
  };
}

/** Any OAuth 2.0 provider (genericOAuth) or an OpenID Connect provider (oidc). */
function genericProperties(authType: string) {
  return {
    ...oauthBase('the provider', authType),
    authorizeUrl: Key(Url(), null, 'Authorization endpoint; null: from issuer discovery (or env OAUTH2_AUTHORIZE_URL).'),
    tokenUrl: Key(Url(), null, 'Token endpoint; null: from issuer discovery (or env OAUTH2_TOKEN_URL).'),
    userdataUrl: Key(Url(), null, 'User info endpoint; null: from issuer discovery (or env OAUTH2_USERDATA_URL).'),
    issuer: Key(
      Url(),
      null,
      'OpenID Connect issuer: its /.well-known/openid-configuration gives the endpoints left null, and its keys verify the id_token. null (generic-oauth only): the URLs above are used as they are, and an id_token is decoded but not verified, as oauthenticator does.',
    ),
  };
}

const GENERIC = 'Log in with any OAuth 2.0 provider (oauthenticator’s GenericOAuthenticator).';
export const GenericOAuthSchema = Section(GENERIC, genericProperties('generic-oauth'));
export const GenericOAuthInputSchema = Section(GENERIC, {
  ...genericProperties('generic-oauth'),
  usernameKey: Deprecated(Type.String({ minLength: 1 }), 'auth.genericOAuth.usernameClaim', 'oauthenticator’s username_key, renamed username_claim in 16.0.'),
});
export const OidcSchema = Section('Log in with an OpenID Connect provider found by discovery at its issuer.', genericProperties('oidc'));
