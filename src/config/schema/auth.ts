// `auth:` — who may log in and how: the authenticator, admins, allowed and blocked users.
import { Type, type TSchema } from '@sinclair/typebox';
import { Deprecated, FreeObject, Key, Nullable, Section, StringEnum, StringList } from './helpers.ts';
import { SecretString } from './common.ts';
import {
  AzureadSchema,
  CilogonSchema,
  GenericOAuthSchema,
  GithubInputSchema,
  GithubResolvedSchema,
  GitlabSchema,
  GlobusSchema,
  GoogleInputSchema,
  GoogleResolvedSchema,
  LdapSchema,
  OidcSchema,
} from './authProviders.ts';

export const AUTH_TYPES = [
  'dummy',
  'native',
  'github',
  'google',
  'cilogon',
  'globus',
  'gitlab',
  'azuread',
  'generic-oauth',
  'oidc',
  'ldap',
  'custom',
] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

/** auth.type values that log in through an OAuth provider section, and that section's key. */
export const OAUTH_SECTIONS = {
  github: 'github',
  google: 'google',
  cilogon: 'cilogon',
  globus: 'globus',
  gitlab: 'gitlab',
  azuread: 'azuread',
  'generic-oauth': 'genericOAuth',
  oidc: 'oidc',
} as const;

const Users = (description: string) => Section(description, { users: Key(StringList(), [], 'User names.') });

function authProperties<G extends TSchema, O extends TSchema>(github: G, google: O) {
  return {
    type: Key(
      StringEnum(AUTH_TYPES),
      'dummy',
      'How users log in. dummy: any name, optional shared password (testing only); native: accounts with passwords kept by the hub; github, google, cilogon, globus, gitlab, azuread, generic-oauth, oidc: an OAuth provider (settings in the section of that name); ldap: a directory; custom: an oauthenticator class name from z2jh, mapped to the matching built-in.',
    ),
    admin: Section('Hub administrators.', {
      users: Key(StringList(), [], 'Users who are admins (granted at login and at start).'),
      access: Key(Type.Boolean(), true, 'Whether admins may access other users’ servers.'),
    }),
    allowed: Users('Users allowed to log in; empty: anyone the authenticator accepts (admins are always allowed).'),
    blocked: Users('Users never allowed to log in, even if the authenticator accepts them.'),
    dummy: Section('The dummy authenticator (auth.type: dummy).', {
      password: Key(SecretString(), null, 'Shared password every user must give; null: none (only for tests and demos).'),
    }),
    native: Section('Accounts kept by the hub (auth.type: native).', {
      openSignup: Key(Type.Boolean(), false, 'New accounts work without an admin approving them.'),
      minimumPasswordLength: Key(Type.Integer({ minimum: 1 }), 8, 'Shortest password accepted.'),
      askEmailOnSignup: Key(Type.Boolean(), false, 'Ask for an email address on the sign-up form.'),
    }),
    github,
    google,
    cilogon: CilogonSchema,
    globus: GlobusSchema,
    gitlab: GitlabSchema,
    azuread: AzureadSchema,
    genericOAuth: GenericOAuthSchema,
    oidc: OidcSchema,
    ldap: LdapSchema,
    custom: Section('z2jh’s custom authenticator (auth.type: custom).', {
      className: Key(
        Nullable(Type.String({ minLength: 1 })),
        null,
        'Python authenticator class from z2jh. nbhub maps the oauthenticator classes (e.g. oauthenticator.generic.GenericOAuthenticator) to its built-in providers; other classes are rejected.',
      ),
      config: Key(FreeObject(), {}, 'The class’s settings in Python (snake_case) names, e.g. client_id, token_url.'),
    }),
    state: Section('Authentication state (e.g. provider tokens) kept for spawners.', {
      enabled: Key(Type.Boolean(), false, 'Keep auth state, encrypted with cryptoKey.'),
      cryptoKey: Key(
        SecretString(),
        null,
        'Encryption key(s), 32 bytes hex or base64, several separated by ; (`openssl rand -hex 32`). Env: NBHUB_CRYPT_KEY or JUPYTERHUB_CRYPT_KEY.',
      ),
    }),
  };
}

const AUTH = 'Authentication: who may log in, and how.';
export const AuthResolvedSchema = Section(AUTH, authProperties(GithubResolvedSchema, GoogleResolvedSchema));
export const AuthInputSchema = Section(AUTH, {
  ...authProperties(GithubInputSchema, GoogleInputSchema),
  whitelist: Deprecated(Type.Object({ users: Key(StringList(), [], 'User names.') }, { additionalProperties: false }), 'auth.allowed.users', 'Old name of the allowed users list.'),
  scopes: Deprecated(StringList(), 'auth.<provider>.scopes', 'z2jh 0.x: OAuth scopes of the configured provider.'),
});
