// `auth.ldap:` — log in with an LDAP directory or Active Directory (ldapauthenticator 2.x).
// The key names are z2jh's own `auth.ldap.*` (server, dn.templates, dn.lookup, dn.search,
// dn.user); the options ldapauthenticator 2.x added sit beside them. Old spellings
// (server.ssl, dn.user.escape, server.tlsKwargs) are folded in src/config/deprecations.ts.
import { Type, type TProperties } from '@sinclair/typebox';
import { Closed, Deprecated, Key, Nullable, Section, StringEnum, StringList } from './helpers.ts';
import { SecretString } from './common.ts';

export const LDAP_TLS_STRATEGIES = ['before_bind', 'on_connect', 'insecure'] as const;
export type LdapTlsStrategy = (typeof LDAP_TLS_STRATEGIES)[number];

/** ldapauthenticator's group_search_filter default. */
export const LDAP_DEFAULT_GROUP_FILTER = '(|(member={userdn})(uniqueMember={userdn})(memberUid={uid}))';

const serverProperties = {
  address: Key(Nullable(Type.String({ minLength: 1 })), null, 'Host name or IP address of the directory (required for auth.type ldap).'),
  port: Key(Nullable(Type.Integer({ minimum: 1, maximum: 65535 })), null, 'Port; null: 636 with tlsStrategy on_connect, else 389.'),
  tlsStrategy: Key(
    StringEnum(LDAP_TLS_STRATEGIES),
    'before_bind',
    'before_bind: plain connection upgraded with StartTLS before any password is sent; on_connect: TLS from the first byte (ldaps, usually port 636); insecure: no TLS at all (passwords travel in clear text).',
  ),
  tls: Section('How the directory’s certificate is checked, and the hub’s own certificate if the directory asks for one.', {
    caFile: Key(Nullable(Type.String({ minLength: 1 })), null, 'PEM file of the CA(s) that signed the directory’s certificate; null: the system’s trusted CAs.'),
    certFile: Key(Nullable(Type.String({ minLength: 1 })), null, 'PEM client certificate presented to the directory (with keyFile); null: none.'),
    keyFile: Key(Nullable(Type.String({ minLength: 1 })), null, 'PEM private key of certFile.'),
  }),
  timeoutSeconds: Key(
    Type.Number({ exclusiveMinimum: 0, maximum: 120 }),
    10,
    'Longest wait for the directory to accept a connection or answer one request; past it the login page says the directory is unreachable.',
  ),
};

const dnUserProperties = {
  searchBase: Key(Nullable(Type.String()), null, 'Base DN searched for users (with dn.lookup or searchFilter), e.g. ou=people,dc=example,dc=org.'),
  validRegex: Key(Type.String(), '^[a-z][.a-z0-9_-]*$', 'Login names that do not match this regular expression are refused before the directory is asked.'),
  dnAttribute: Key(
    Nullable(Type.String()),
    null,
    'With dn.lookup: attribute of the found entry whose value fills {username} in dn.templates (e.g. cn, sAMAccountName); the entry must hold exactly one value.',
  ),
  attribute: Key(Nullable(Type.String()), null, 'Attribute holding the login name: {login_attr} in dn.search.filter and {userattr} in searchFilter (uid for OpenLDAP, sAMAccountName for AD).'),
  useLookupName: Key(Type.Boolean(), false, 'With dn.lookup: the dnAttribute value becomes the hub user name instead of the name typed at login (ldapauthenticator’s use_lookup_dn_username, false since 2.0).'),
};

function ldapProperties<S extends TProperties, U extends TProperties>(server: S, user: U) {
  return {
    server: Section('The directory server.', server),
    dn: Section('How a login name becomes the DN the hub binds as.', {
      templates: Key(
        StringList(),
        [],
        'DN templates tried in order, e.g. uid={username},ou=people,dc=example,dc=org; {username} is escaped as a DN value (RFC 4514). Empty with dn.lookup: bind as the DN found.',
      ),
      lookup: Key(Type.Boolean(), false, 'Find the user’s DN with a search before binding (Active Directory and other directories whose DNs do not contain the login name).'),
      search: Section('The search used when dn.lookup is true.', {
        filter: Key(Type.String({ minLength: 1 }), '({login_attr}={login})', 'Search filter; {login_attr} is dn.user.attribute, {login} the login name (escaped for filters, RFC 4515). More than one match refuses the login.'),
        user: Key(Nullable(Type.String()), null, 'DN to bind as for the search (a service account); null: anonymous search.'),
        password: Key(SecretString(), null, 'Password of that DN.'),
      }),
      user: Section('Where users are and how their names look.', user),
    }),
    searchFilter: Key(
      Nullable(Type.String({ minLength: 1 })),
      null,
      'After the bind, a search under dn.user.searchBase that must find exactly one entry, e.g. (&({userattr}={username})(objectClass=posixAccount)); {username} is escaped for filters. Necessary, not sufficient: an allow rule must still admit the user.',
    ),
    attributes: Key(StringList(), [], 'Attributes requested by the searchFilter search.'),
    allowedGroups: Key(
      StringList(),
      [],
      'Group DNs whose members may log in (like auth.allowed.users, it admits). Membership is found with groupSearchFilter on each group; the groups found go to the auth state as ldap_groups.',
    ),
    groupSearchFilter: Key(Type.String({ minLength: 1 }), LDAP_DEFAULT_GROUP_FILTER, 'Filter applied to each allowed group (scope base); {userdn} is the user’s DN, {uid} the user name, both escaped for filters.'),
    groupAttributes: Key(StringList(), ['member', 'uniqueMember', 'memberUid'], 'Attributes requested from each group.'),
    authStateAttributes: Key(StringList(), [], 'Attributes of the user’s entry kept in the auth state as user_attributes (needs auth.state.enabled to be stored).'),
  };
}

const LDAP = 'Log in with LDAP or Active Directory.';
export const LdapResolvedSchema = Section(LDAP, ldapProperties(serverProperties, dnUserProperties));
export const LdapInputSchema = Section(
  LDAP,
  ldapProperties(
    {
      ...serverProperties,
      ssl: Deprecated(Type.Boolean(), 'auth.ldap.server.tlsStrategy', 'z2jh’s use_ssl: true means tlsStrategy on_connect; false has no effect (ldapauthenticator 2.x).'),
      tlsKwargs: Deprecated(
        Closed({
          ca_certs_file: Type.Optional(Type.String({ minLength: 1, description: 'Becomes auth.ldap.server.tls.caFile.' })),
          local_certificate_file: Type.Optional(Type.String({ minLength: 1, description: 'Becomes auth.ldap.server.tls.certFile.' })),
          local_private_key_file: Type.Optional(Type.String({ minLength: 1, description: 'Becomes auth.ldap.server.tls.keyFile.' })),
        }),
        'auth.ldap.server.tls',
        'ldapauthenticator’s tls_kwargs (ldap3 Tls arguments): ca_certs_file, local_certificate_file, local_private_key_file.',
      ),
    },
    {
      ...dnUserProperties,
      // no replacement, so not Deprecated(): the value is dropped with a warning
      escape: Type.Optional(
        Type.Boolean({ deprecated: true, description: 'DEPRECATED, has no effect: ldapauthenticator’s escape_userdn, removed in 2.0 (the user name is always escaped).' }),
      ),
    },
  ),
);
