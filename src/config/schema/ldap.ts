// `auth.ldap:` — log in with an LDAP directory or Active Directory (ldapauthenticator 2.x).
import { Type } from '@sinclair/typebox';
import { Key, Nullable, Section, StringList } from './helpers.ts';
import { SecretString } from './common.ts';

export const LdapSchema = Section('Log in with LDAP or Active Directory.', {
  server: Section('The directory server.', {
    address: Key(Nullable(Type.String({ minLength: 1 })), null, 'Host name of the server (required for ldap).'),
    port: Key(Nullable(Type.Integer({ minimum: 1, maximum: 65535 })), null, 'Port; null: 636 with ssl, else 389.'),
    ssl: Key(Type.Boolean(), false, 'Connect over TLS (ldaps).'),
  }),
  dn: Section('How a login name becomes a bind DN.', {
    templates: Key(StringList(), [], 'DN templates tried in turn, e.g. uid={username},ou=people,dc=example,dc=org.'),
    lookup: Key(Type.Boolean(), false, 'Look the DN up with a search before binding.'),
    search: Section('The search used when lookup is true.', {
      filter: Key(Nullable(Type.String()), null, 'Search filter, e.g. ({login_attr}={login}).'),
      user: Key(Nullable(Type.String()), null, 'DN to bind as for the search; null: anonymous.'),
      password: Key(SecretString(), null, 'Password of that DN.'),
    }),
    user: Section('Where users are and how their names look.', {
      searchBase: Key(Nullable(Type.String()), null, 'Base DN searched for users.'),
      escape: Key(Type.Boolean(), false, 'Escape special characters in the user name before putting it in a DN.'),
      validRegex: Key(Type.String(), '^[a-z][.a-z0-9_-]*$', 'User names that may try to log in.'),
      dnAttribute: Key(Nullable(Type.String()), null, 'Attribute holding the name used in the DN (e.g. cn).'),
      attribute: Key(Nullable(Type.String()), null, 'Attribute matched against the login name (e.g. sAMAccountName, uid).'),
    }),
  }),
  allowedGroups: Key(StringList(), [], 'Only members of these group DNs may log in; empty: any.'),
});
