// Secrets may come from the environment instead of the file (and then win over the file), so a
// config.yaml can be committed without them. Names follow JupyterHub and CHP where they exist.
import type { ConfigPath } from './errors.ts';
import { getIn, isPlainObject, setIn, type PlainObject } from './dataPath.ts';
import { OAUTH_SECTIONS } from './schema/auth.ts';

/** Environment variables that override a key, in order of preference. */
export const ENV_OVERRIDES: readonly { names: readonly string[]; path: ConfigPath }[] = [
  { names: ['NBHUB_COOKIE_SECRET', 'JPY_COOKIE_SECRET'], path: ['hub', 'cookieSecret'] },
  { names: ['CONFIGPROXY_AUTH_TOKEN', 'NBHUB_PROXY_TOKEN'], path: ['proxy', 'secretToken'] },
  { names: ['NBHUB_CRYPT_KEY', 'JUPYTERHUB_CRYPT_KEY'], path: ['auth', 'state', 'cryptoKey'] },
  { names: ['NBHUB_DB_URL'], path: ['hub', 'db', 'url'] },
];

/**
 * oauthenticator reads these when its settings are unset; z2jh's OpenID Connect example sets
 * them in hub.extraEnv. They fill the OAuth provider's keys that the file leaves null.
 */
const OAUTH_ENV_DEFAULTS: readonly { name: string; key: string; genericOnly?: boolean }[] = [
  { name: 'OAUTH_CLIENT_ID', key: 'clientId' },
  { name: 'OAUTH_CLIENT_SECRET', key: 'clientSecret' },
  { name: 'OAUTH_CALLBACK_URL', key: 'callbackUrl' },
  { name: 'OAUTH2_AUTHORIZE_URL', key: 'authorizeUrl', genericOnly: true },
  { name: 'OAUTH2_TOKEN_URL', key: 'tokenUrl', genericOnly: true },
  { name: 'OAUTH2_USERDATA_URL', key: 'userdataUrl', genericOnly: true },
  { name: 'OAUTH2_USERNAME_KEY', key: 'usernameClaim', genericOnly: true },
  { name: 'OAUTH_LOGOUT_REDIRECT_URL', key: 'logoutRedirectUrl' },
];

/** Applies the overrides to validated data; returns the paths that came from the environment. */
export function applyEnvOverrides(data: PlainObject, env: NodeJS.ProcessEnv): ConfigPath[] {
  const applied: ConfigPath[] = [];
  for (const { names, path } of ENV_OVERRIDES) {
    const value = names.map((n) => env[n]).find((v) => v !== undefined && v !== '');
    if (value !== undefined && setIn(data, path, value)) applied.push(path);
  }

  const authType = getIn(data, ['auth', 'type']);
  const section = OAUTH_SECTIONS[authType as keyof typeof OAUTH_SECTIONS];
  if (section) {
    const hubEnv = getIn(data, ['hub', 'extraEnv']);
    const generic = authType === 'generic-oauth' || authType === 'oidc';
    for (const { name, key, genericOnly } of OAUTH_ENV_DEFAULTS) {
      if (genericOnly && !generic) continue;
      const path = ['auth', section, key];
      if (getIn(data, path) !== null) continue;
      const fromHubEnv = isPlainObject(hubEnv) && typeof hubEnv[name] === 'string' ? (hubEnv[name] as string) : undefined;
      const value = env[name] || fromHubEnv;
      if (value && setIn(data, path, value)) applied.push(path);
    }
  }
  // MWOAuthenticator (OAuth 1.0a, not an OAuth 2 section) takes its consumer key and secret
  // from the same variables; the chart hands the secret over this way.
  if (authType === 'mediawiki') {
    for (const [name, key] of [['OAUTH_CLIENT_ID', 'clientId'], ['OAUTH_CLIENT_SECRET', 'clientSecret']] as const) {
      const path = ['auth', 'mediawiki', key];
      const value = env[name];
      if (getIn(data, path) === null && value && setIn(data, path, value)) applied.push(path);
    }
  }
  return applied;
}
