// Log in with an LDAP directory or Active Directory, as ldapauthenticator 2.x does:
//   name matches validRegex → password not blank → (dn.lookup: find the user's DN, exactly one
//   entry, one dnAttribute value) → bind with each DN template in order (or the DN found) →
//   searchFilter must find exactly one entry → allowedGroups membership (admits the user) →
//   authStateAttributes → { ldap_groups, user_attributes } as auth state.
// Every value typed by the user is escaped for where it goes (DN or filter). The directory not
// answering throws AuthSourceError; the directory saying no returns null. Passwords are never
// logged.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Config } from '../../config/index.ts';
import { AuthSourceError, type Authenticated, type LoginCredentials, type PasswordAuthenticator } from '../types.ts';
import { DirectoryConnection, entryAttributes, type DirectoryEndpoint } from './connection.ts';
import { escapeDnValue, escapeFilterValue, formatTemplate } from './escape.ts';

export interface LdapSettings {
  endpoint: DirectoryEndpoint;
  bindDnTemplates: string[];
  /** Pattern a login name must match (anchored at the start, as Python's re.match). */
  validUsername: RegExp;
  lookup: {
    searchBase: string;
    filter: string;
    userAttribute: string | null;
    dnAttribute: string;
    serviceDn: string | null;
    servicePassword: string | null;
    useLookupName: boolean;
  } | null;
  search: { base: string; filter: string; userAttribute: string | null; attributes: string[] } | null;
  allowedGroups: string[];
  groupSearchFilter: string;
  groupAttributes: string[];
  authStateAttributes: string[];
}

type LdapConfig = Config['auth']['ldap'];

function readPem(file: string | null, key: string): Buffer | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (e) {
    throw new Error(`auth.ldap.server.tls.${key}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Settings from `auth.ldap` (already checked by the config's cross-checks); reads the TLS files. */
export function ldapSettingsFromConfig(c: LdapConfig): LdapSettings {
  const { server, dn } = c;
  if (!server.address) throw new Error('auth.ldap.server.address is required for auth.type ldap');
  return {
    endpoint: {
      address: server.address,
      port: server.port ?? (server.tlsStrategy === 'on_connect' ? 636 : 389),
      tlsStrategy: server.tlsStrategy,
      tls: { ca: readPem(server.tls.caFile, 'caFile'), cert: readPem(server.tls.certFile, 'certFile'), key: readPem(server.tls.keyFile, 'keyFile') },
      timeoutMs: Math.round(server.timeoutSeconds * 1000),
    },
    bindDnTemplates: dn.templates.filter((t) => t.length > 0),
    validUsername: new RegExp(`^(?:${dn.user.validRegex})`, 'u'),
    lookup: dn.lookup
      ? {
          searchBase: dn.user.searchBase ?? '',
          filter: dn.search.filter,
          userAttribute: dn.user.attribute,
          dnAttribute: dn.user.dnAttribute ?? '',
          serviceDn: dn.search.user,
          servicePassword: dn.search.password,
          useLookupName: dn.user.useLookupName,
        }
      : null,
    search: c.searchFilter ? { base: dn.user.searchBase ?? '', filter: c.searchFilter, userAttribute: dn.user.attribute, attributes: c.attributes } : null,
    allowedGroups: c.allowedGroups,
    groupSearchFilter: c.groupSearchFilter,
    groupAttributes: c.groupAttributes,
    authStateAttributes: c.authStateAttributes,
  };
}

export class LdapAuthenticator implements PasswordAuthenticator {
  readonly kind = 'ldap';
  readonly displayName = 'LDAP';
  readonly usesPasswordForm = true;

  constructor(
    private readonly settings: LdapSettings,
    private readonly logger: Logger,
  ) {}

  async authenticate(creds: LoginCredentials): Promise<Authenticated | null> {
    const loginName = creds.username;
    if (!this.settings.validUsername.test(loginName)) {
      this.logger.warn({ user: loginName.slice(0, 100) }, 'ldap: login name does not match auth.ldap.dn.user.validRegex');
      return null;
    }
    if (creds.password.trim() === '') {
      this.logger.warn({ user: loginName }, 'ldap: blank password refused');
      return null;
    }
    const conn = new DirectoryConnection(this.settings.endpoint);
    try {
      await conn.open();
      return await this.authenticateOn(conn, loginName, creds.password);
    } finally {
      await conn.close();
    }
  }

  private async authenticateOn(conn: DirectoryConnection, loginName: string, password: string): Promise<Authenticated | null> {
    const s = this.settings;
    let name = loginName;
    let templates = s.bindDnTemplates;
    if (s.lookup) {
      const found = await this.lookupDn(conn, loginName);
      if (!found) return null;
      name = found.name;
      if (!templates.length) templates = [found.dn];
    }

    let userDn: string | null = null;
    for (const tpl of templates) {
      const dn = s.lookup && !s.bindDnTemplates.length ? tpl : formatTemplate(tpl, { username: escapeDnValue(name) });
      if (await conn.bind(dn, password)) {
        userDn = dn;
        break;
      }
    }
    if (!userDn) {
      this.logger.warn({ user: loginName, ...(name !== loginName ? { lookedUp: name } : {}) }, 'ldap: the directory refused the bind (wrong password or unknown user)');
      return null;
    }

    if (s.search) {
      const filter = formatTemplate(s.search.filter, { userattr: s.search.userAttribute ?? '', username: escapeFilterValue(name) });
      const r = await conn.search({ base: s.search.base, scope: 'sub', filter, attributes: s.search.attributes, sizeLimit: 2 });
      if (r.entries.length !== 1) {
        this.logger.warn({ user: loginName, matches: r.tooMany ? 'more than one' : r.entries.length }, 'ldap: auth.ldap.searchFilter must match exactly one entry');
        return null;
      }
    }

    const ldapGroups: string[] = [];
    for (const group of s.allowedGroups) {
      const filter = formatTemplate(s.groupSearchFilter, { userdn: escapeFilterValue(userDn), uid: escapeFilterValue(name) });
      const r = await conn.search({ base: group, scope: 'base', filter, attributes: s.groupAttributes });
      if (r.entries.length > 0) ldapGroups.push(group);
    }

    let userAttributes: Record<string, string[]> = {};
    if (s.authStateAttributes.length) {
      const r = await conn.search({ base: userDn, scope: 'base', filter: '(objectClass=*)', attributes: s.authStateAttributes });
      if (r.entries.length) userAttributes = entryAttributes(r.entries[0]);
    }

    const hubName = s.lookup?.useLookupName ? name : loginName;
    this.logger.debug({ user: hubName, dn: userDn, groups: ldapGroups.length }, 'ldap: bound');
    return {
      name: hubName,
      admin: null,
      authState: { ldap_groups: ldapGroups, user_attributes: userAttributes },
      groups: null,
      // ldapauthenticator 2.x: membership of an allowed group grants access like allowed_users
      allowedByProvider: ldapGroups.length > 0,
    };
  }

  /** dn.lookup: the user's entry, found as the service account (or anonymously). */
  private async lookupDn(conn: DirectoryConnection, loginName: string): Promise<{ dn: string; name: string } | null> {
    const l = this.settings.lookup!;
    if (l.serviceDn && !(await conn.bind(l.serviceDn, l.servicePassword ?? ''))) {
      // the hub's own account was refused: every login would fail, so say so instead of "wrong password"
      throw new AuthSourceError(
        'The directory refused the hub’s search account, so nobody can log in right now. Please tell an administrator.',
        `LDAP bind of auth.ldap.dn.search.user ${l.serviceDn} was refused (check auth.ldap.dn.search.password)`,
        503,
      );
    }
    const filter = formatTemplate(l.filter, { login_attr: l.userAttribute ?? '', login: escapeFilterValue(loginName) });
    const r = await conn.search({ base: l.searchBase, scope: 'sub', filter, attributes: [l.dnAttribute], sizeLimit: 2 });
    if (r.tooMany || r.entries.length > 1) {
      this.logger.warn({ user: loginName }, 'ldap: dn.lookup found more than one entry; login refused');
      return null;
    }
    if (!r.entries.length) {
      this.logger.warn({ user: loginName }, 'ldap: dn.lookup found no entry');
      return null;
    }
    const entry = r.entries[0];
    const values = entryAttributes(entry)[Object.keys(entry).find((k) => k.toLowerCase() === l.dnAttribute.toLowerCase()) ?? l.dnAttribute] ?? [];
    if (values.length !== 1) {
      this.logger.warn({ user: loginName, attribute: l.dnAttribute, values: values.length }, 'ldap: the entry found must hold exactly one value of dn.user.dnAttribute');
      return null;
    }
    return { dn: entry.dn, name: values[0] };
  }
}
