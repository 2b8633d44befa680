// Old z2jh spellings: each is moved to its new key with one warning naming that key. Giving
// both the old and the new key is an error (nbhub would have to guess which one you meant).
import { formatPath, type ConfigFinding, type ConfigPath } from './errors.ts';
import { deleteIn, getIn, isPlainObject, setIn, type PlainObject } from './dataPath.ts';
import { OAUTH_SECTIONS, type AuthType } from './schema/auth.ts';

interface Alias {
  /** The deprecated key, removed once folded. */
  old: ConfigPath;
  /** Where its value is, if not the key itself (auth.whitelist holds users). */
  value?: ConfigPath;
  /** The new key; a function when it depends on other settings. */
  to: ConfigPath | ((data: PlainObject) => ConfigPath | null);
  /** Turns the old value into the new key's; `ignored`: the old key no longer has any effect (the text says why). */
  convert?: (value: unknown) => { value: unknown } | { ignored: string };
}

const LDAP_SERVER: ConfigPath = ['auth', 'ldap', 'server'];

const ALIASES: Alias[] = [
  { old: ['auth', 'whitelist'], value: ['auth', 'whitelist', 'users'], to: ['auth', 'allowed', 'users'] },
  { old: ['auth', 'github', 'orgWhitelist'], to: ['auth', 'github', 'allowedOrganizations'] },
  { old: ['auth', 'genericOAuth', 'usernameKey'], to: ['auth', 'genericOAuth', 'usernameClaim'] },
  { old: ['auth', 'github', 'org_whitelist'], to: ['auth', 'github', 'allowedOrganizations'] },
  { old: ['auth', 'cilogon', 'allowedIdps'], to: ['auth', 'cilogon', 'idps'] },
  { old: ['auth', 'gitlab', 'allowedGroups'], to: ['auth', 'gitlab', 'allowedGitlabGroups'] },
  { old: ['hub', 'imagePullPolicy'], to: ['hub', 'image', 'pullPolicy'] },
  { old: ['singleuser', 'imagePullPolicy'], to: ['singleuser', 'image', 'pullPolicy'] },
  // ldapauthenticator 2.x: use_ssl=True means tls_strategy on_connect, use_ssl=False and escape_userdn do nothing
  {
    old: [...LDAP_SERVER, 'ssl'],
    to: [...LDAP_SERVER, 'tlsStrategy'],
    convert: (v) =>
      v === true
        ? { value: 'on_connect' }
        : { ignored: 'auth.ldap.server.ssl: false has no effect (auth.ldap.server.tlsStrategy, default before_bind, chooses how TLS is used); remove it' },
  },
  {
    old: ['auth', 'ldap', 'dn', 'user', 'escape'],
    to: () => null,
    convert: () => ({ ignored: 'auth.ldap.dn.user.escape has no effect: the user name is always escaped in DNs and filters (ldapauthenticator 2.x); remove it' }),
  },
  {
    old: [...LDAP_SERVER, 'tlsKwargs'],
    to: [...LDAP_SERVER, 'tls'],
    convert: (v) => {
      const kw = (isPlainObject(v) ? v : {}) as Record<string, string | undefined>;
      return { value: { caFile: kw.ca_certs_file ?? null, certFile: kw.local_certificate_file ?? null, keyFile: kw.local_private_key_file ?? null } };
    },
  },
  {
    old: ['auth', 'scopes'],
    to: (data) => {
      const section = OAUTH_SECTIONS[getIn(data, ['auth', 'type']) as Exclude<AuthType, 'custom'> & keyof typeof OAUTH_SECTIONS];
      return section ? ['auth', section, 'scopes'] : null;
    },
  },
];

/**
 * Folds deprecated keys of `data` (validated, defaults applied) into their new keys.
 * `given` is the data as written in the file, to tell a value someone wrote from a default.
 */
export function foldDeprecatedKeys(data: PlainObject, given: unknown): ConfigFinding[] {
  const findings: ConfigFinding[] = [];
  const written = new Set<string>();
  for (const alias of ALIASES) {
    const value = getIn(data, alias.value ?? alias.old);
    if (getIn(data, alias.old) === undefined) continue;
    const to = typeof alias.to === 'function' ? alias.to(data) : alias.to;
    const oldName = formatPath(alias.value ?? alias.old);
    deleteIn(data, alias.old);
    const converted = alias.convert && value !== undefined ? alias.convert(value) : { value };
    if ('ignored' in converted) {
      findings.push({ path: alias.old, at: 'key', message: `deprecated: ${converted.ignored}`, warning: 'CONFIG_DEPRECATED' });
      continue;
    }
    if (!to) {
      findings.push({ path: alias.old, at: 'key', message: `${oldName} only applies to OAuth logins (auth.type); ignored`, warning: 'CONFIG_IGNORED' });
      continue;
    }
    const newName = formatPath(to);
    if (getIn(given, to) !== undefined || written.has(newName)) {
      findings.push({ path: alias.old, at: 'key', message: `both ${oldName} (deprecated) and ${newName} are set; keep only ${newName}` });
      continue;
    }
    if (converted.value !== undefined) setIn(data, to, converted.value);
    written.add(newName);
    findings.push({ path: alias.old, at: 'key', message: `deprecated: use ${newName} instead`, warning: 'CONFIG_DEPRECATED' });
  }
  return findings;
}
