// z2jh's `auth.type: custom` names a Python authenticator class and its snake_case settings.
// nbhub runs no Python, so the classes it has a built-in equivalent for are translated:
// `oauthenticator.generic.GenericOAuthenticator` + `config.token_url` becomes
// `auth.type: generic-oauth` + `auth.genericOAuth.tokenUrl`. This runs on the file's data
// before validation, so the translated values are checked like any other key.
import { formatPath, type ConfigFinding, type ConfigPath } from './errors.ts';
import { getIn, isPlainObject, setIn, type PlainObject } from './dataPath.ts';
import type { AuthType } from './schema/auth.ts';

type Transform = 'list' | 'words' | 'camelKeysBelow' | 'userinfoPath';
interface Target {
  /** Path under `auth`. */
  to: string[];
  transform?: Transform;
}
interface ClassMapping {
  type: Exclude<AuthType, 'custom'>;
  /** The section under `auth` holding the provider's settings. */
  section: string;
  keys: Record<string, Target>;
}

const t = (path: string, transform?: Transform): Target => ({ to: path.split('.'), transform });

/** Authenticator-level settings every class has. Paths are under `auth`. */
const AUTHENTICATOR_KEYS: Record<string, Target> = {
  allowed_users: t('allowed.users', 'list'),
  admin_users: t('admin.users', 'list'),
  blocked_users: t('blocked.users', 'list'),
  enable_auth_state: t('state.enabled'),
};

function oauth(type: ClassMapping['type'], section: string, extra: Record<string, string | Target>): ClassMapping {
  const keys: Record<string, Target> = {
    client_id: t(`${section}.clientId`),
    client_secret: t(`${section}.clientSecret`),
    oauth_callback_url: t(`${section}.callbackUrl`),
    scope: t(`${section}.scopes`, 'words'),
    // oauthenticator 17's OAuthenticator options, shared by every OAuth class
    username_claim: t(`${section}.usernameClaim`),
    extra_authorize_params: t(`${section}.extraAuthorizeParams`),
    token_params: t(`${section}.tokenParams`),
    userdata_params: t(`${section}.userdataParams`),
    userdata_method: t(`${section}.userdataMethod`),
    userdata_token_method: t(`${section}.userdataTokenMethod`),
    userdata_from_id_token: t(`${section}.userdataFromIdToken`),
    basic_auth: t(`${section}.basicAuth`),
    enable_pkce: t(`${section}.enablePkce`),
    login_service: t(`${section}.loginService`),
    logout_redirect_url: t(`${section}.logoutRedirectUrl`),
    custom_403_message: t(`${section}.custom403Message`),
    validate_server_cert: t(`${section}.validateServerCert`),
    auth_state_groups_key: t(`${section}.authStateGroupsKey`),
    allowed_scopes: t(`${section}.allowedScopes`, 'list'),
    allowed_groups: t('allowed.groups', 'list'),
    admin_groups: t('admin.groups', 'list'),
  };
  for (const [k, v] of Object.entries(extra)) keys[k] = typeof v === 'string' ? t(`${section}.${v}`) : { ...v, to: [section, ...v.to] };
  return { type, section, keys };
}

/** By class name without its module (GenericOAuthenticator), as oauthenticator has moved classes between modules. */
const CLASSES: Record<string, ClassMapping> = {
  GenericOAuthenticator: oauth('generic-oauth', 'genericOAuth', {
    authorize_url: 'authorizeUrl',
    token_url: 'tokenUrl',
    userdata_url: 'userdataUrl',
    // the pre-16 names oauthenticator still accepts
    username_key: 'usernameClaim',
    extra_params: 'tokenParams',
    tls_verify: 'validateServerCert',
    // claim_groups_key named a key of the user info; auth_state_groups_key a path in the auth state
    claim_groups_key: t('authStateGroupsKey', 'userinfoPath'),
  }),
  GitHubOAuthenticator: oauth('github', 'github', {
    github_url: 'githubUrl',
    github_api: 'apiUrl',
    allowed_organizations: t('allowedOrganizations', 'list'),
    github_organization_whitelist: t('allowedOrganizations', 'list'),
    populate_teams_in_auth_state: 'populateTeamsInAuthState',
  }),
  GoogleOAuthenticator: oauth('google', 'google', {
    hosted_domain: t('hostedDomain', 'list'),
    strip_domain: 'stripDomain',
    login_service: 'loginService',
  }),
  CILogonOAuthenticator: oauth('cilogon', 'cilogon', {
    cilogon_host: 'cilogonHost',
    username_claim: 'usernameClaim',
    skin: 'skin',
    // entity id → { username_derivation: { username_claim, … }, allow_all, … } in oauthenticator's snake_case
    idps: t('idps', 'camelKeysBelow'),
    allowed_idps: t('idps', 'camelKeysBelow'),
  }),
  GlobusOAuthenticator: oauth('globus', 'globus', {
    identity_provider: 'identityProvider',
    username_from_email: 'usernameFromEmail',
    allowed_globus_groups: t('allowedGlobusGroups', 'list'),
  }),
  GitLabOAuthenticator: oauth('gitlab', 'gitlab', {
    gitlab_url: 'gitlabUrl',
    gitlab_api: 'apiUrl',
    allowed_gitlab_groups: t('allowedGitlabGroups', 'list'),
    gitlab_group_whitelist: t('allowedGitlabGroups', 'list'),
    allowed_project_ids: t('allowedProjectIds', 'list'),
    project_id_whitelist: t('allowedProjectIds', 'list'),
  }),
  AzureAdOAuthenticator: oauth('azuread', 'azuread', { tenant_id: 'tenantId', username_claim: 'usernameClaim' }),
  LDAPAuthenticator: {
    type: 'ldap',
    section: 'ldap',
    keys: {
      // every trait of ldapauthenticator 2.x; use_ssl, escape_userdn and tls_kwargs are folded with a warning
      server_address: t('ldap.server.address'),
      server_port: t('ldap.server.port'),
      tls_strategy: t('ldap.server.tlsStrategy'),
      tls_kwargs: t('ldap.server.tlsKwargs'),
      use_ssl: t('ldap.server.ssl'),
      bind_dn_template: t('ldap.dn.templates', 'list'),
      lookup_dn: t('ldap.dn.lookup'),
      lookup_dn_search_filter: t('ldap.dn.search.filter'),
      lookup_dn_search_user: t('ldap.dn.search.user'),
      lookup_dn_search_password: t('ldap.dn.search.password'),
      lookup_dn_user_dn_attribute: t('ldap.dn.user.dnAttribute'),
      use_lookup_dn_username: t('ldap.dn.user.useLookupName'),
      escape_userdn: t('ldap.dn.user.escape'),
      valid_username_regex: t('ldap.dn.user.validRegex'),
      user_search_base: t('ldap.dn.user.searchBase'),
      user_attribute: t('ldap.dn.user.attribute'),
      search_filter: t('ldap.searchFilter'),
      attributes: t('ldap.attributes', 'list'),
      allowed_groups: t('ldap.allowedGroups', 'list'),
      group_search_filter: t('ldap.groupSearchFilter'),
      group_attributes: t('ldap.groupAttributes', 'list'),
      auth_state_attributes: t('ldap.authStateAttributes', 'list'),
    },
  },
  // entry point `mediawiki`; executor_threads has no meaning here (no thread pool) and is ignored with a warning
  MWOAuthenticator: {
    type: 'mediawiki',
    section: 'mediawiki',
    keys: {
      client_id: t('mediawiki.clientId'),
      client_secret: t('mediawiki.clientSecret'),
      mw_index_url: t('mediawiki.mwIndexUrl'),
      login_service: t('mediawiki.loginService'),
    },
  },
  DummyAuthenticator: { type: 'dummy', section: 'dummy', keys: { password: t('dummy.password') } },
  NativeAuthenticator: {
    type: 'native',
    section: 'native',
    keys: {
      open_signup: t('native.openSignup'),
      minimum_password_length: t('native.minimumPasswordLength'),
      ask_email_on_signup: t('native.askEmailOnSignup'),
    },
  },
};

/** Python class names nbhub can stand in for (without their module). */
export const SUPPORTED_CUSTOM_CLASSES = Object.keys(CLASSES);

export function customClassMapping(className: string): ClassMapping | undefined {
  return CLASSES[className.split('.').pop() ?? className];
}

export interface CustomAuthResult {
  findings: ConfigFinding[];
  /** Keys written by the translation, and the key of the file they came from. */
  renamed: { to: ConfigPath; from: ConfigPath }[];
}

/** Translates `auth.custom` in place (on a copy of the file's data) when it names a known class. */
export function translateCustomAuthenticator(data: PlainObject): CustomAuthResult {
  const out: CustomAuthResult = { findings: [], renamed: [] };
  const auth = data.auth;
  if (!isPlainObject(auth) || auth.type !== 'custom' || !isPlainObject(auth.custom)) return out;
  const className = auth.custom.className;
  const mapping = typeof className === 'string' ? customClassMapping(className) : undefined;
  if (!mapping) return out; // the cross-checks say why
  const config = isPlainObject(auth.custom.config) ? auth.custom.config : {};
  for (const [key, value] of Object.entries(config)) {
    const from: ConfigPath = ['auth', 'custom', 'config', key];
    const target = mapping.keys[key] ?? AUTHENTICATOR_KEYS[key];
    if (!target) {
      out.findings.push({ path: from, at: 'key', message: `not used by nbhub's ${mapping.type} authenticator; ignored`, warning: 'CONFIG_IGNORED' });
      continue;
    }
    const to: ConfigPath = ['auth', ...target.to];
    if (getIn(data, to) !== undefined) {
      out.findings.push({ path: from, at: 'key', message: `${formatPath(to)} is set too; keep one of them` });
      continue;
    }
    setIn(data, to, transform(value, target.transform));
    out.renamed.push({ to, from });
  }
  auth.type = mapping.type;
  out.findings.push({
    path: ['auth', 'custom', 'className'],
    message: `${className as string} runs as nbhub's built-in authenticator: auth.type ${mapping.type}, settings in auth.${mapping.section}`,
    warning: 'CONFIG_MAPPED',
  });
  return out;
}

function transform(value: unknown, how: Transform | undefined): unknown {
  if (how === 'camelKeysBelow' && isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, camelKeys(v)]));
  }
  if (how === 'userinfoPath' && typeof value === 'string') return `oauth_user.${value}`;
  if (how === 'words' && typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  if ((how === 'list' || how === 'words') && typeof value === 'string') return [value];
  return value;
}

/** snake_case keys of nested objects (an oauthenticator dict) in nbhub's camelCase. */
function camelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (!isPlainObject(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), camelKeys(v)]));
}

/** Where a trait every authenticator class has (Authenticator.admin_users, …) goes, under `auth`; for hub.config without a class. */
export function authenticatorTraitTarget(trait: string): { to: string[]; value: (v: unknown) => unknown } | undefined {
  const target = AUTHENTICATOR_KEYS[trait];
  return target && { to: target.to, value: (v) => transform(v, target.transform) };
}
