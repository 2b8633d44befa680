// `auth:` — who may log in and how: the authenticator, admins, allowed and blocked users.
import { Type, type TSchema } from '@sinclair/typebox';
import { Deprecated, FreeObject, Key, Nullable, Section, StringEnum, StringList } from './helpers.ts';
import { SecretString } from './common.ts';
import {
  AzureadSchema,
  CilogonInputSchema,
  CilogonResolvedSchema,
  GithubInputSchema,
  GithubResolvedSchema,
  GitlabInputSchema,
  GitlabResolvedSchema,
  GlobusSchema,
  GoogleInputSchema,
  GoogleResolvedSchema,
} from './authProviders.ts';
import { GenericOAuthInputSchema, GenericOAuthSchema, OidcSchema } from './oauth.ts';
import { LdapInputSchema, LdapResolvedSchema } from './ldap.ts';
import { MediawikiSchema } from './mediawiki.ts';

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
  'mediawiki',
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

function authProperties<G extends TSchema, O extends TSchema, C extends TSchema, L extends TSchema, D extends TSchema>(github: G, google: O, cilogon: C, gitlab: L, ldap: D) {
  return {
    type: Key(
      StringEnum(AUTH_TYPES),
      'dummy',
      'How users log in. dummy: any name, optional shared password (testing only); native: accounts with passwords kept by the hub; github, google, cilogon, globus, gitlab, azuread, generic-oauth, oidc: an OAuth provider (settings in the section of that name); ldap: a directory; mediawiki: a MediaWiki wiki (OAuth 1.0a); custom: an oauthenticator class name from z2jh, mapped to the matching built-in.',
    ),
    admin: Section('Hub administrators.', {
      users: Key(StringList(), [], 'Users who are admins (granted at login and at start).'),
      groups: Key(
        StringList(),
        [],
        'Members of these hub groups are admins (needs auth.manageGroups). A user in none of them and not in admin.users loses admin at their next login.',
      ),
      access: Key(Type.Boolean(), true, 'Whether admins may access other users’ servers.'),
    }),
    allowed: Section('Who may log in besides admins (admins are always allowed). A user is let in by the first rule that admits them.', {
      users: Key(StringList(), [], 'User names allowed to log in.'),
      groups: Key(StringList(), [], 'Members of these hub groups may log in (needs auth.manageGroups).'),
      all: Key(
        Nullable(Type.Boolean()),
        null,
        'Anyone the authenticator accepts may log in. null: true for dummy and native when no allow rule is set, and for ldap when neither an allow rule nor auth.ldap.allowedGroups is set (ldapauthenticator on JupyterHub 5); false for every OAuth provider (as oauthenticator: set an allow rule or this).',
      ),
      existingUsers: Key(
        Nullable(Type.Boolean()),
        null,
        'Users that already exist in the hub (e.g. added by an admin) may log in. null: true for dummy and native, for ldap only when auth.allowed.users is set (JupyterHub 5), false for OAuth providers.',
      ),
    }),
    blocked: Users('Users never allowed to log in, even if the authenticator accepts them.'),
    manageGroups: Key(
      Type.Boolean(),
      false,
      'The identity provider’s groups (OAuth auth state, see <provider>.authStateGroupsKey) become each user’s hub groups at every login.',
    ),
    autoLogin: Key(Type.Boolean(), false, 'Skip the login page: send people straight to the identity provider.'),
    refresh: Section('Re-checking a logged-in user with the identity provider (needs auth.state.enabled).', {
      maxAgeSeconds: Key(Type.Integer({ minimum: 0 }), 300, 'Auth info older than this is re-checked on the user’s next request (auth_refresh_age); 0: only before spawns.'),
      preSpawn: Key(
        Nullable(Type.Boolean()),
        null,
        'Re-check before starting a server; a user whose re-check fails must log in again first. null: true when auth state is enabled.',
      ),
    }),
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
    cilogon,
    globus: GlobusSchema,
    gitlab,
    azuread: AzureadSchema,
    genericOAuth: GenericOAuthSchema,
    oidc: OidcSchema,
    ldap,
    mediawiki: MediawikiSchema,
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
export const AuthResolvedSchema = Section(AUTH, authProperties(GithubResolvedSchema, GoogleResolvedSchema, CilogonResolvedSchema, GitlabResolvedSchema, LdapResolvedSchema));
export const AuthInputSchema = Section(AUTH, {
  ...authProperties(GithubInputSchema, GoogleInputSchema, CilogonInputSchema, GitlabInputSchema, LdapInputSchema),
  genericOAuth: GenericOAuthInputSchema,
  whitelist: Deprecated(Type.Object({ users: Key(StringList(), [], 'User names.') }, { additionalProperties: false }), 'auth.allowed.users', 'Old name of the allowed users list.'),
  scopes: Deprecated(StringList(), 'auth.<provider>.scopes', 'z2jh 0.x: OAuth scopes of the configured provider.'),
});
