// The settings every OAuth 2.0 / OpenID Connect login provider shares (oauthenticator's
// OAuthenticator base class), and the two providers that are nothing more: any OAuth 2.0
// provider (genericOAuth) and an OpenID Connect provider found by discovery (oidc).
import { Type } from '@sinclair/typebox';
import { FreeObject, Key, Nullable, Section, StringList } from './helpers.ts';
import { SecretString } from './common.ts';

export const Url = () => Nullable(Type.String({ format: 'uri' }));

/** clientId, clientSecret, callbackUrl, scopes: shared by every OAuth provider. */
export function oauthBase(provider: string, authType: string) {
  const required = `required with auth.type ${authType}`;
  return {
    clientId: Key(Nullable(Type.String({ minLength: 1 })), null, `OAuth client id registered with ${provider} (${required}).`),
    clientSecret: Key(SecretString(), null, `OAuth client secret from ${provider} (${required}).`),
    callbackUrl: Key(Url(), null, 'Redirect URL registered with the provider; null: <public URL>/hub/oauth_callback.'),
    scopes: Key(StringList(), [], 'OAuth scopes requested; empty: the provider’s usual minimum.'),
  };
}

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

