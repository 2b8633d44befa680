// The LDAP authenticator against a real OpenLDAP slapd (test/support/slapd.ts): bind DN
// templates, DN lookup, StartTLS / LDAPS / client certificates, allowed groups, search filter,
// auth state attributes, refusals, a stopped directory; and the shared conformance suite.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { loadConfig } from '../../config/index.ts';
import type { ConfigInput } from '../../config/schema.ts';
import { runAuthenticatorConformance } from '../authenticator.case.ts';
import { runLogin } from '../pipeline.ts';
import { AuthSourceError, type Authenticated, type LoginPolicy } from '../types.ts';
import { LdapAuthenticator, ldapSettingsFromConfig } from './ldap.ts';
import { UNREACHABLE_MESSAGE } from './connection.ts';
import { PEOPLE, startSlapd, SUFFIX, userDn } from '../../../test/support/slapd.ts';

const slapd = await startSlapd();
after(() => slapd.destroy());
const { users, service, groups } = slapd.directory;

const logLines: string[] = [];
const logger = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });

type LdapInput = NonNullable<NonNullable<ConfigInput['auth']>['ldap']>;

function ldapAuth(ldap: LdapInput): LdapAuthenticator {
  const base: LdapInput = { server: { address: '127.0.0.1', port: slapd.ldapPort, tlsStrategy: 'insecure', timeoutSeconds: 3 } };
  const merged = { ...base, ...ldap, server: { ...base.server, ...ldap.server } };
  const { config } = loadConfig({ data: { auth: { type: 'ldap', ldap: merged } } });
  return new LdapAuthenticator(ldapSettingsFromConfig(config.auth.ldap), logger);
}

const PEOPLE_TEMPLATE = `uid={username},${PEOPLE}`;
const byTemplate = (extra: LdapInput = {}) => ldapAuth({ dn: { templates: [PEOPLE_TEMPLATE] }, ...extra });
const byLookup = (extra: { user?: string | null; password?: string | null; dnAttribute?: string; useLookupName?: boolean } = {}) =>
  ldapAuth({
    dn: {
      lookup: true,
      search: { user: extra.user === undefined ? service.dn : extra.user, password: extra.password === undefined ? service.password : extra.password },
      user: { searchBase: SUFFIX, attribute: 'uid', dnAttribute: extra.dnAttribute ?? 'uid', useLookupName: extra.useLookupName ?? false },
    },
  });

function ok(r: unknown): Authenticated {
  assert.ok(r && typeof r === 'object' && 'name' in r, `expected a successful authentication, got ${JSON.stringify(r)}`);
  return r as Authenticated;
}

const closedPolicy: LoginPolicy = {
  adminUsers: new Set(),
  allowedUsers: new Set(),
  blockedUsers: new Set(),
  allowAll: false,
  allowExistingUsers: false,
  isExistingUser: async () => false,
  manageGroups: false,
  allowedGroups: new Set(),
  adminGroups: new Set(),
};

runAuthenticatorConformance('ldap (bind DN template, real slapd)', async () => ({
  authenticator: byTemplate(),
  good: { username: 'alice', password: users.alice.password },
  goodName: 'alice',
  bad: [
    { username: 'alice', password: 'not-her-password' },
    { username: 'alice', password: '   ' },
    { username: 'nobody', password: users.alice.password },
    { username: '*)(uid=*', password: users.alice.password },
  ],
}));

runAuthenticatorConformance('ldap (lookup_dn with a service account, StartTLS)', async () => ({
  authenticator: ldapAuth({
    server: { tlsStrategy: 'before_bind', tls: { caFile: slapd.caFile } },
    dn: { lookup: true, search: { user: service.dn, password: service.password }, user: { searchBase: SUFFIX, attribute: 'uid', dnAttribute: 'uid' } },
  }),
  good: { username: 'bob', password: users.bob.password },
  goodName: 'bob',
  bad: [
    { username: 'bob', password: users.alice.password },
    { username: 'twin', password: users.twinPeople.password },
  ],
}));

describe('bind DN templates', () => {
  it('tries the templates in order and binds with the first that works', async () => {
    const a = ldapAuth({ dn: { templates: [`uid={username},ou=staff,${SUFFIX}`, PEOPLE_TEMPLATE] } });
    const r = ok(await a.authenticate({ username: 'alice', password: users.alice.password }));
    assert.equal(r.name, 'alice');
    assert.deepEqual(r.authState, { ldap_groups: [], user_attributes: {} });
    assert.equal(r.allowedByProvider, false);
    // the staff twin is found by the first template
    const twin = ok(await a.authenticate({ username: 'twin', password: users.twinStaff.password }));
    assert.equal(twin.name, 'twin');
  });

  it('refuses a wrong password, a blank password and an unknown user', async () => {
    const a = byTemplate();
    assert.equal(await a.authenticate({ username: 'alice', password: users.bob.password }), null);
    assert.equal(await a.authenticate({ username: 'alice', password: '' }), null);
    assert.equal(await a.authenticate({ username: 'alice', password: ' \t ' }), null);
    assert.equal(await a.authenticate({ username: 'mallory', password: 'whatever-1' }), null);
  });

  it('refuses filter and DN metacharacters even when validRegex lets them through', async () => {
    const open = byTemplate({ dn: { templates: [PEOPLE_TEMPLATE], user: { validRegex: '.+' } } });
    const withUser = ldapAuth({
      dn: { templates: [PEOPLE_TEMPLATE], user: { validRegex: '.+', searchBase: SUFFIX, attribute: 'uid' } },
      searchFilter: '({userattr}={username})',
    });
    for (const a of [open, withUser]) {
      for (const name of ['*)(uid=*', '*', 'alice)(|(uid=*', 'alice,ou=people', 'alice+cn=x']) {
        assert.equal(await a.authenticate({ username: name, password: users.alice.password }), null, name);
      }
    }
    // …and the default validRegex refuses them before the directory is asked
    assert.equal(await byTemplate().authenticate({ username: '*)(uid=*', password: users.alice.password }), null);
  });
});

describe('DN lookup (lookup_dn)', () => {
  it('finds the DN with the service account and binds as it', async () => {
    const r = ok(await byLookup().authenticate({ username: 'carol', password: users.carol.password }));
    assert.equal(r.name, 'carol');
  });

  it('works with an anonymous search too', async () => {
    const r = ok(await byLookup({ user: null, password: null }).authenticate({ username: 'alice', password: users.alice.password }));
    assert.equal(r.name, 'alice');
  });

  it('uses the looked-up attribute as the hub name only with useLookupName', async () => {
    const plain = ok(await byLookup({ dnAttribute: 'mail' }).authenticate({ username: 'alice', password: users.alice.password }));
    assert.equal(plain.name, 'alice');
    const looked = ok(await byLookup({ dnAttribute: 'mail', useLookupName: true }).authenticate({ username: 'alice', password: users.alice.password }));
    assert.equal(looked.name, 'alice@example.org');
  });

  it('refuses a name that matches more than one entry', async () => {
    assert.equal(await byLookup().authenticate({ username: 'twin', password: users.twinPeople.password }), null);
    assert.equal(await byLookup().authenticate({ username: 'twin', password: users.twinStaff.password }), null);
  });

  it('refuses an entry without exactly one value of dnAttribute', async () => {
    // twin has no mail attribute
    assert.equal(await byLookup({ dnAttribute: 'mail' }).authenticate({ username: 'dana', password: users.comma.password }), null);
  });

  it('a refused service account is the directory’s problem, not a wrong password', async () => {
    await assert.rejects(byLookup({ password: 'wrong-service-pw' }).authenticate({ username: 'alice', password: users.alice.password }), (e: unknown) => {
      assert.ok(e instanceof AuthSourceError);
      assert.match(e.userMessage, /search account/);
      assert.doesNotMatch(e.logDetail, /wrong-service-pw/);
      return true;
    });
  });
});

describe('TLS', () => {
  const creds = { username: 'alice', password: users.alice.password };
  it('StartTLS (before_bind) with the test CA', async () => {
    ok(await byTemplate({ server: { tlsStrategy: 'before_bind', tls: { caFile: slapd.caFile } } }).authenticate(creds));
  });

  it('LDAPS (on_connect) with the test CA, with and without a client certificate', async () => {
    ok(await byTemplate({ server: { tlsStrategy: 'on_connect', port: slapd.ldapsPort, tls: { caFile: slapd.caFile } } }).authenticate(creds));
    const withCert = { caFile: slapd.caFile, certFile: slapd.clientCertFile, keyFile: slapd.clientKeyFile };
    ok(await byTemplate({ server: { tlsStrategy: 'on_connect', port: slapd.ldapsPort, tls: withCert } }).authenticate(creds));
  });

  it('a certificate not signed by a trusted CA is refused as unreachable (no fallback to clear text)', async () => {
    for (const server of [
      { tlsStrategy: 'before_bind' as const },
      { tlsStrategy: 'on_connect' as const, port: slapd.ldapsPort },
    ]) {
      await assert.rejects(byTemplate({ server }).authenticate(creds), (e: unknown) => {
        assert.ok(e instanceof AuthSourceError, String(e));
        assert.match(e.logDetail, /certificate/i);
        return true;
      });
    }
  });
});

describe('allowed groups', () => {
  const grouped = () => byTemplate({ allowedGroups: [groups.researchers, groups.operators] });

  it('a member (groupOfNames member, posixGroup memberUid) is admitted by the provider', async () => {
    const alice = ok(await grouped().authenticate({ username: 'alice', password: users.alice.password }));
    assert.equal(alice.allowedByProvider, true);
    assert.deepEqual(alice.authState?.ldap_groups, [groups.researchers]);
    const bob = ok(await grouped().authenticate({ username: 'bob', password: users.bob.password }));
    assert.deepEqual(bob.authState?.ldap_groups, [groups.operators]);
    const out = await runLogin(grouped(), { username: 'alice', password: users.alice.password }, closedPolicy);
    assert.equal(out.ok, true);
  });

  it('a non-member authenticates but is not allowed by the pipeline', async () => {
    const carol = ok(await grouped().authenticate({ username: 'carol', password: users.carol.password }));
    assert.equal(carol.allowedByProvider, false);
    assert.deepEqual(carol.authState?.ldap_groups, []);
    const out = await runLogin(grouped(), { username: 'carol', password: users.carol.password }, closedPolicy);
    assert.equal(out.ok, false);
    assert.equal(!out.ok && out.reason, 'not-allowed');
  });

  it('a group DN that does not exist admits nobody', async () => {
    const r = ok(await byTemplate({ allowedGroups: [`cn=ghosts,ou=groups,${SUFFIX}`] }).authenticate({ username: 'alice', password: users.alice.password }));
    assert.equal(r.allowedByProvider, false);
  });
});

describe('search filter and auth state attributes', () => {
  it('searchFilter must find exactly one entry', async () => {
    const a = byTemplate({ dn: { templates: [PEOPLE_TEMPLATE], user: { searchBase: SUFFIX, attribute: 'uid' } }, searchFilter: '(&({userattr}={username})(mail=*))' });
    ok(await a.authenticate({ username: 'alice', password: users.alice.password }));
    // dana has no mail: no entry matches
    assert.equal(await a.authenticate({ username: 'dana', password: users.comma.password }), null);
    // twin binds (ou=people) but (uid=twin) matches two entries
    const b = byTemplate({ dn: { templates: [PEOPLE_TEMPLATE], user: { searchBase: SUFFIX, attribute: 'uid' } }, searchFilter: '({userattr}={username})' });
    assert.equal(await b.authenticate({ username: 'twin', password: users.twinPeople.password }), null);
  });

  it('authStateAttributes land in user_attributes', async () => {
    const a = byTemplate({ authStateAttributes: ['mail', 'cn'] });
    const r = ok(await a.authenticate({ username: 'alice', password: users.alice.password }));
    assert.deepEqual(r.authState?.user_attributes, { mail: ['alice@example.org'], cn: ['Alice Liddell'] });
  });
});

describe('a directory that does not answer', () => {
  it('throws AuthSourceError (not null, not a crash) and works again once the directory is back', async () => {
    const a = byTemplate();
    await slapd.stop();
    try {
      await assert.rejects(a.authenticate({ username: 'alice', password: users.alice.password }), (e: unknown) => {
        assert.ok(e instanceof AuthSourceError, String(e));
        assert.equal(e.userMessage, UNREACHABLE_MESSAGE);
        assert.match(e.logDetail, /ECONNREFUSED/);
        assert.ok(!e.logDetail.includes(users.alice.password));
        return true;
      });
    } finally {
      await slapd.start();
    }
    ok(await a.authenticate({ username: 'alice', password: users.alice.password }));
  });

  it('a port where nothing answers in time is a timeout, bounded by timeoutSeconds', async () => {
    // a listening socket that never speaks LDAP
    const net = await import('node:net');
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as { port: number }).port;
    try {
      const a = ldapAuth({ server: { port, timeoutSeconds: 0.5 }, dn: { templates: [PEOPLE_TEMPLATE] } });
      await assert.rejects(a.authenticate({ username: 'alice', password: users.alice.password }), AuthSourceError);
    } finally {
      silent.close();
    }
  });
});

describe('logs', () => {
  it('never contain a password', () => {
    assert.ok(logLines.length > 10, 'the authenticator logged something');
    const text = logLines.join('');
    for (const secret of [...Object.values(users).map((u) => u.password), service.password]) assert.ok(!text.includes(secret), 'a password reached the log');
    assert.ok(text.includes(userDn(users.alice)), 'bound DNs are logged (debug)');
  });
});
