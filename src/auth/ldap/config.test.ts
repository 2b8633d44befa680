// auth.ldap in the config file: defaults, old spellings folded with a warning, z2jh's
// `auth.type: custom` / hub.config LDAPAuthenticator traits, cross-checks; the escaping helpers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../config/index.ts';
import { ldapSettingsFromConfig } from './ldap.ts';
import { escapeDnValue, escapeFilterValue, formatTemplate } from './escape.ts';

const BASE = `auth:
  type: ldap
  ldap:
    server:
      address: ldap.example.org
`;

function load(yaml: string) {
  return loadConfig({ text: yaml });
}

function problems(yaml: string): string[] {
  try {
    load(yaml);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.path}: ${p.message}`);
    throw e;
  }
  return [];
}

describe('auth.ldap settings', () => {
  it('defaults follow ldapauthenticator 2.x', () => {
    const { config } = load(`${BASE}    dn:\n      templates: ['uid={username},ou=people,dc=example,dc=org']\n`);
    const s = ldapSettingsFromConfig(config.auth.ldap);
    assert.equal(s.endpoint.tlsStrategy, 'before_bind');
    assert.equal(s.endpoint.port, 389);
    assert.equal(s.endpoint.timeoutMs, 10_000);
    assert.equal(s.groupSearchFilter, '(|(member={userdn})(uniqueMember={userdn})(memberUid={uid}))');
    assert.deepEqual(s.groupAttributes, ['member', 'uniqueMember', 'memberUid']);
    assert.equal(s.lookup, null);
    assert.ok(s.validUsername.test('alice.b-c_d'));
    assert.ok(!s.validUsername.test('Alice'));
  });

  it('on_connect defaults to port 636', () => {
    const { config } = load(`${BASE}      tlsStrategy: on_connect\n    dn:\n      templates: ['uid={username},dc=x']\n`);
    assert.equal(ldapSettingsFromConfig(config.auth.ldap).endpoint.port, 636);
  });

  it('server.ssl: true is tlsStrategy on_connect, with a warning; false does nothing, with a warning', () => {
    const on = load(`${BASE}      ssl: true\n    dn:\n      templates: ['uid={username},dc=x']\n`);
    assert.equal(on.config.auth.ldap.server.tlsStrategy, 'on_connect');
    assert.deepEqual(on.warnings.map((w) => [w.code, w.path]), [['CONFIG_DEPRECATED', 'auth.ldap.server.ssl']]);
    assert.match(on.warnings[0].message, /auth\.ldap\.server\.tlsStrategy/);
    const off = load(`${BASE}      ssl: false\n    dn:\n      templates: ['uid={username},dc=x']\n`);
    assert.equal(off.config.auth.ldap.server.tlsStrategy, 'before_bind');
    assert.match(off.warnings[0].message, /has no effect/);
    assert.equal('ssl' in off.config.auth.ldap.server, false);
  });

  it('server.ssl and server.tlsStrategy together is an error', () => {
    assert.deepEqual(
      problems(`${BASE}      ssl: true\n      tlsStrategy: insecure\n    dn:\n      templates: ['uid={username},dc=x']\n`).filter((p) => p.includes('ssl')).length,
      1,
    );
  });

  it('z2jh’s custom LDAPAuthenticator: every ldapauthenticator 2.x trait maps to a key', () => {
    const { config, warnings } = load(`auth:
  type: custom
  custom:
    className: ldapauthenticator.LDAPAuthenticator
    config:
      server_address: ad.example.org
      server_port: 3269
      tls_strategy: on_connect
      tls_kwargs:
        ca_certs_file: /etc/ssl/ad-ca.pem
      bind_dn_template: '{username}'
      lookup_dn: true
      lookup_dn_search_filter: '({login_attr}={login})'
      lookup_dn_search_user: 'cn=svc,dc=example,dc=org'
      lookup_dn_search_password: svc-secret
      lookup_dn_user_dn_attribute: sAMAccountName
      use_lookup_dn_username: true
      escape_userdn: false
      valid_username_regex: '^[a-z][a-z0-9]*$'
      user_search_base: 'ou=people,dc=example,dc=org'
      user_attribute: sAMAccountName
      search_filter: '(&(objectClass=user)({userattr}={username}))'
      attributes: [mail]
      allowed_groups: ['cn=hub,ou=groups,dc=example,dc=org']
      group_search_filter: '(member={userdn})'
      group_attributes: [member]
      auth_state_attributes: [mail, displayName]
      allowed_users: [alice]
`);
    const l = config.auth.ldap;
    assert.equal(config.auth.type, 'ldap');
    assert.equal(l.server.address, 'ad.example.org');
    assert.equal(l.server.port, 3269);
    assert.equal(l.server.tlsStrategy, 'on_connect');
    assert.equal(l.server.tls.caFile, '/etc/ssl/ad-ca.pem');
    assert.deepEqual(l.dn.templates, ['{username}']);
    assert.equal(l.dn.lookup, true);
    assert.equal(l.dn.search.user, 'cn=svc,dc=example,dc=org');
    assert.equal(l.dn.search.password, 'svc-secret');
    assert.equal(l.dn.user.dnAttribute, 'sAMAccountName');
    assert.equal(l.dn.user.useLookupName, true);
    assert.equal(l.dn.user.validRegex, '^[a-z][a-z0-9]*$');
    assert.equal(l.searchFilter, '(&(objectClass=user)({userattr}={username}))');
    assert.deepEqual(l.attributes, ['mail']);
    assert.deepEqual(l.allowedGroups, ['cn=hub,ou=groups,dc=example,dc=org']);
    assert.equal(l.groupSearchFilter, '(member={userdn})');
    assert.deepEqual(l.groupAttributes, ['member']);
    assert.deepEqual(l.authStateAttributes, ['mail', 'displayName']);
    assert.deepEqual(config.auth.allowed.users, ['alice']);
    const codes = warnings.map((w) => w.code).sort();
    assert.deepEqual(codes, ['CONFIG_DEPRECATED', 'CONFIG_DEPRECATED', 'CONFIG_MAPPED']);
    assert.ok(!warnings.some((w) => w.code === 'CONFIG_IGNORED'), 'no trait is left unmapped');
  });

  it('z2jh 4’s hub.config.LDAPAuthenticator traits map the same way', () => {
    const { config, warnings } = load(`hub:
  config:
    JupyterHub:
      authenticator_class: ldapauthenticator.LDAPAuthenticator
    LDAPAuthenticator:
      server_address: ldap.example.org
      tls_strategy: on_connect
      bind_dn_template: ['uid={username},ou=people,dc=example,dc=org']
      allowed_groups: ['cn=hub,dc=example,dc=org']
      auth_state_attributes: [mail]
`);
    assert.equal(config.auth.type, 'ldap');
    assert.equal(config.auth.ldap.server.tlsStrategy, 'on_connect');
    assert.deepEqual(config.auth.ldap.dn.templates, ['uid={username},ou=people,dc=example,dc=org']);
    assert.deepEqual(config.auth.ldap.allowedGroups, ['cn=hub,dc=example,dc=org']);
    assert.deepEqual(config.auth.ldap.authStateAttributes, ['mail']);
    assert.deepEqual(warnings.map((w) => w.code), ['CONFIG_MAPPED']);
  });

  it('cross-checks: what each mode needs, named with the key', () => {
    assert.deepEqual(problems('auth:\n  type: ldap\n').sort(), [
      'auth.ldap.dn.templates: must list at least one DN template (or set auth.ldap.dn.lookup: true)',
      'auth.ldap.server.address: is required for auth.type ldap',
    ]);
    assert.deepEqual(problems(`${BASE}    dn:\n      templates: ['uid=alice,dc=x']\n`), ['auth.ldap.dn.templates[0]: must contain {username} (where the login name goes)']);
    assert.deepEqual(problems(`${BASE}    dn:\n      lookup: true\n      search:\n        user: cn=svc\n`).sort(), [
      'auth.ldap.dn.search.password: is required when auth.ldap.dn.search.user is set',
      'auth.ldap.dn.user.attribute: is required when auth.ldap.dn.search.filter uses {login_attr}',
      'auth.ldap.dn.user.dnAttribute: is required when auth.ldap.dn.lookup is true',
      'auth.ldap.dn.user.searchBase: is required when auth.ldap.dn.lookup is true',
    ]);
    assert.deepEqual(problems(`${BASE}    dn:\n      templates: ['uid={username},dc=x']\n      user:\n        validRegex: '(['\n`).length, 1);
    assert.deepEqual(problems(`${BASE}      tls:\n        certFile: /c.pem\n    dn:\n      templates: ['uid={username},dc=x']\n`), [
      'auth.ldap.server.tls.keyFile: is required too: a client certificate needs both certFile and keyFile',
    ]);
    assert.deepEqual(problems(`${BASE}    dn:\n      templates: ['uid={username},dc=x']\n    searchFilter: '({userattr}={username})'\n`).sort(), [
      'auth.ldap.dn.user.attribute: is required when auth.ldap.searchFilter uses {userattr}',
      'auth.ldap.dn.user.searchBase: is required when auth.ldap.searchFilter is set',
    ]);
  });

  it('an unreadable CA file is named with its key', () => {
    const { config } = load(`${BASE}      tls:\n        caFile: /nonexistent/ca.pem\n    dn:\n      templates: ['uid={username},dc=x']\n`);
    assert.throws(() => ldapSettingsFromConfig(config.auth.ldap), /auth\.ldap\.server\.tls\.caFile: cannot read \/nonexistent\/ca\.pem: ENOENT/);
  });
});

describe('escaping', () => {
  it('DN values (RFC 4514)', () => {
    assert.equal(escapeDnValue('alice'), 'alice');
    assert.equal(escapeDnValue('Doe, John+X'), 'Doe\\, John\\+X');
    assert.equal(escapeDnValue('a"b;c<d>e=f\\g'), 'a\\"b\\;c\\<d\\>e\\=f\\\\g');
    assert.equal(escapeDnValue(' #lead'), '\\ #lead');
    assert.equal(escapeDnValue('#x'), '\\#x');
    assert.equal(escapeDnValue('trail '), 'trail\\ ');
    assert.equal(escapeDnValue('a\u0000b'), 'a\\00b');
    assert.equal(escapeDnValue('*)(uid=*'), '*)(uid\\=*');
  });

  it('filter values (RFC 4515)', () => {
    assert.equal(escapeFilterValue('*)(uid=*'), '\\2a\\29\\28uid=\\2a');
    assert.equal(escapeFilterValue('a\\b'), 'a\\5cb');
  });

  it('templates use Python format placeholders', () => {
    assert.equal(formatTemplate('uid={username},dc=x', { username: 'a' }), 'uid=a,dc=x');
    assert.equal(formatTemplate('({login_attr}={login})', { login_attr: 'uid', login: 'b' }), '(uid=b)');
    assert.equal(formatTemplate('{{literal}} {unknown} {username}', { username: 'c' }), '{literal} {unknown} c');
    // a value is inserted once, never re-expanded
    assert.equal(formatTemplate('{a}{b}', { a: '{b}', b: 'x' }), '{b}x');
  });
});
