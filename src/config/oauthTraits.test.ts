// oauthenticator 17's OAuthenticator traits in z2jh's spellings (hub.config.<Class>.<trait>, and
// auth.custom.config of z2jh 0.x) land on nbhub's OAuth keys, including the pre-16 names
// GenericOAuthenticator still accepts; the old nbhub key genericOAuth.usernameKey is folded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from './load.ts';

const load = (text: string) => loadConfig({ text, file: 'values.yaml' });

const TRAITS = `
      client_id: hub
      client_secret: s3cret-value
      enable_pkce: false
      basic_auth: true
      userdata_token_method: url
      userdata_from_id_token: true
      scope: [openid, email]
      allowed_scopes: [email]
      extra_authorize_params: {prompt: login}
      token_params: {resource: hub}
      logout_redirect_url: https://idp.example.org/logout
      custom_403_message: Ask the office.
      validate_server_cert: false
      auth_state_groups_key: oauth_user.roles
      allowed_groups: [physics]
      admin_groups: [staff]
      login_service: Example SSO
      username_claim: sub
      token_url: https://idp.example.org/token
      userdata_url: https://idp.example.org/userinfo
      authorize_url: https://idp.example.org/auth
`;

const EXPECTED = {
  enablePkce: false,
  basicAuth: true,
  userdataTokenMethod: 'url',
  userdataFromIdToken: true,
  scopes: ['openid', 'email'],
  allowedScopes: ['email'],
  extraAuthorizeParams: { prompt: 'login' },
  tokenParams: { resource: 'hub' },
  logoutRedirectUrl: 'https://idp.example.org/logout',
  custom403Message: 'Ask the office.',
  validateServerCert: false,
  authStateGroupsKey: 'oauth_user.roles',
  loginService: 'Example SSO',
  usernameClaim: 'sub',
};

function picked(c: ReturnType<typeof load>['config']) {
  const g = c.auth.genericOAuth;
  return {
    type: c.auth.type,
    allowedGroups: c.auth.allowed.groups,
    adminGroups: c.auth.admin.groups,
    ...Object.fromEntries(Object.keys(EXPECTED).map((k) => [k, g[k as keyof typeof g]])),
  };
}

test('hub.config.GenericOAuthenticator and auth.custom.config map every OAuthenticator trait the same way', () => {
  const z2jh4 = load(`hub:\n  config:\n    JupyterHub:\n      authenticator_class: generic-oauth\n    GenericOAuthenticator:${TRAITS}`);
  const z2jh0 = load(`auth:\n  type: custom\n  custom:\n    className: oauthenticator.generic.GenericOAuthenticator\n    config:${TRAITS.replace(/^ {6}/gm, '      ')}`);
  const want = { type: 'generic-oauth', allowedGroups: ['physics'], adminGroups: ['staff'], ...EXPECTED };
  assert.deepEqual(picked(z2jh4.config), want);
  assert.deepEqual(picked(z2jh0.config), want);
});

test("GenericOAuthenticator's pre-16 names: username_key, extra_params, tls_verify, claim_groups_key", () => {
  const { config } = load(`auth:
  type: custom
  custom:
    className: oauthenticator.generic.GenericOAuthenticator
    config:
      client_id: hub
      client_secret: s3cret-value
      token_url: https://idp.example.org/token
      userdata_url: https://idp.example.org/userinfo
      authorize_url: https://idp.example.org/auth
      username_key: email
      extra_params: {audience: hub}
      tls_verify: false
      claim_groups_key: roles
`);
  const g = config.auth.genericOAuth;
  assert.equal(g.usernameClaim, 'email');
  assert.deepEqual(g.tokenParams, { audience: 'hub' });
  assert.equal(g.validateServerCert, false);
  // claim_groups_key named a key of the user info, which the auth state keeps under oauth_user
  assert.equal(g.authStateGroupsKey, 'oauth_user.roles');
});

test('auth.genericOAuth.usernameKey still works, with one warning naming usernameClaim', () => {
  const { config, warnings } = load(`auth:
  type: generic-oauth
  genericOAuth:
    clientId: hub
    clientSecret: s3cret-value
    issuer: https://idp.example.org
    usernameKey: email
`);
  assert.equal(config.auth.genericOAuth.usernameClaim, 'email');
  const w = warnings.filter((x) => x.code === 'CONFIG_DEPRECATED');
  assert.equal(w.length, 1);
  assert.equal(w[0].path, 'auth.genericOAuth.usernameKey');
  assert.match(w[0].message, /auth\.genericOAuth\.usernameClaim/);
});

test('allowedScopes must be requested; userdataFromIdToken needs the openid scope', () => {
  let message = '';
  try {
    load(`auth:
  type: oidc
  oidc:
    clientId: hub
    clientSecret: s3cret-value
    issuer: https://idp.example.org
    scopes: [email]
    allowedScopes: [groups]
    userdataFromIdToken: true
`);
  } catch (e) {
    message = String((e as Error).message);
  }
  assert.match(message, /auth\.oidc\.allowedScopes: lists groups, which auth\.oidc\.scopes does not request/);
  assert.match(message, /auth\.oidc\.scopes: must include openid when userdataFromIdToken is true/);
  assert.doesNotMatch(message, /s3cret-value/);
});

test('generic-oauth without an issuer: token and user info URLs required, the latter not with userdataFromIdToken', () => {
  const base = `auth:
  type: generic-oauth
  genericOAuth:
    clientId: hub
    clientSecret: s3cret-value
    authorizeUrl: https://idp.example.org/auth
    tokenUrl: https://idp.example.org/token
    scopes: [openid]
`;
  assert.throws(() => load(base), /auth\.genericOAuth\.userdataUrl: is required for auth\.type generic-oauth when no issuer is set/);
  const { config } = load(`${base}    userdataFromIdToken: true\n`);
  assert.equal(config.auth.genericOAuth.userdataUrl, null);
});
