// A private OpenLDAP directory for tests: Debian's `slapd` run unprivileged (as the `openldap`
// account when we are root) from a generated slapd.conf (back_mdb; core, cosine, inetorgperson
// and nis schemas), listening on 127.0.0.1 with plain LDAP (StartTLS offered) and LDAPS, with a
// test CA and server certificate made by openssl. Seeded offline with slapadd. `stop()` signals
// only the slapd this call started; `start()` brings it back on the same ports and data.
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { Client } from 'ldapts';
import { ensureDebianPackage, freePort, runAs, ServerProcess, serviceAccount, tempDirFor, type SystemAccount } from './dbServer.ts';

const run = promisify(execFile);
const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';

export const SUFFIX = 'dc=example,dc=org';
export const PEOPLE = `ou=people,${SUFFIX}`;
export const GROUPS = `ou=groups,${SUFFIX}`;

/** A person seeded into the directory (inetOrgPerson under ou=people unless `ou` says otherwise). */
export interface DirectoryUser {
  uid: string;
  password: string;
  cn: string;
  mail?: string;
  ou?: string;
}

/** The seed most tests use. Passwords are random per run so a leak in a log is recognisable. */
export function exampleDirectory() {
  const pw = (who: string) => `${who}-pw-${randomBytes(6).toString('hex')}`;
  const users = {
    alice: { uid: 'alice', password: pw('alice'), cn: 'Alice Liddell', mail: 'alice@example.org' },
    bob: { uid: 'bob', password: pw('bob'), cn: 'Bob Builder', mail: 'bob@example.org' },
    carol: { uid: 'carol', password: pw('carol'), cn: 'Carol Danvers', mail: 'carol@example.org' },
    // the same uid twice (people and staff): a lookup finds two entries and must refuse
    twinPeople: { uid: 'twin', password: pw('twin'), cn: 'Twin One' },
    twinStaff: { uid: 'twin', password: pw('twin2'), cn: 'Twin Two', ou: 'staff' },
    // a DN value that needs RFC 4514 escaping (comma and plus) when it fills a DN template
    comma: { uid: 'dana', password: pw('dana'), cn: 'Dana, Scully+X' },
  } satisfies Record<string, DirectoryUser>;
  const service = { dn: `cn=reader,ou=services,${SUFFIX}`, password: pw('reader') };
  const groups = {
    researchers: `cn=researchers,${GROUPS}`, // groupOfNames: member = alice
    operators: `cn=operators,${GROUPS}`, // posixGroup: memberUid = bob
  };
  return { users, service, groups };
}
export type ExampleDirectory = ReturnType<typeof exampleDirectory>;

export function userDn(u: DirectoryUser): string {
  return `uid=${u.uid},ou=${u.ou ?? 'people'},${SUFFIX}`;
}

function exampleLdif(d: ExampleDirectory, rootPassword: string): string {
  const entry = (lines: string[]) => `${lines.join('\n')}\n`;
  const out = [
    entry([`dn: ${SUFFIX}`, 'objectClass: dcObject', 'objectClass: organization', 'o: Example', 'dc: example']),
    entry([`dn: cn=admin,${SUFFIX}`, 'objectClass: organizationalRole', 'objectClass: simpleSecurityObject', 'cn: admin', `userPassword: ${rootPassword}`]),
  ];
  for (const ou of ['people', 'staff', 'groups', 'services']) out.push(entry([`dn: ou=${ou},${SUFFIX}`, 'objectClass: organizationalUnit', `ou: ${ou}`]));
  for (const u of Object.values(d.users) as DirectoryUser[]) {
    out.push(
      entry([
        `dn: ${userDn(u)}`,
        'objectClass: inetOrgPerson',
        `uid: ${u.uid}`,
        `cn: ${u.cn}`,
        `sn: ${u.cn.split(' ').pop()}`,
        ...(u.mail ? [`mail: ${u.mail}`] : []),
        `userPassword: ${u.password}`,
      ]),
    );
  }
  out.push(entry([`dn: ${d.service.dn}`, 'objectClass: organizationalRole', 'objectClass: simpleSecurityObject', 'cn: reader', `userPassword: ${d.service.password}`]));
  out.push(entry([`dn: ${d.groups.researchers}`, 'objectClass: groupOfNames', 'cn: researchers', `member: ${userDn(d.users.alice)}`]));
  out.push(entry([`dn: ${d.groups.operators}`, 'objectClass: posixGroup', 'cn: operators', 'gidNumber: 5001', 'memberUid: bob']));
  return out.join('\n');
}

export interface Slapd {
  /** ldap://127.0.0.1:<port> (StartTLS available). */
  ldapUrl: string;
  ldapPort: number;
  /** ldaps://127.0.0.1:<port>. */
  ldapsPort: number;
  /** PEM file of the test CA that signed the server certificate (readable by anyone). */
  caFile: string;
  /** A client certificate and key signed by the same CA. */
  clientCertFile: string;
  clientKeyFile: string;
  directory: ExampleDirectory;
  /** Directory with the config, data and log. */
  dir: string;
  running(): boolean;
  /** Starts slapd again on the same ports and data (after stop()). */
  start(): Promise<void>;
  /** Stops the slapd this harness started (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
  /** stop() and remove every file. */
  destroy(): Promise<void>;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd, timeout: 60_000 });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? e.message}`);
  }
}

/** A test CA, a server certificate for 127.0.0.1/localhost and a client certificate. */
async function makeCertificates(dir: string): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=nbhub test LDAP CA'], dir);
  for (const [name, ext] of [
    ['server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'],
    ['client', 'extendedKeyUsage=clientAuth\n'],
  ] as const) {
    writeFileSync(join(dir, `${name}.ext`), ext);
    await openssl(['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name === 'server' ? '127.0.0.1' : 'nbhub test client'}`], dir);
    await openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`], dir);
  }
}

function slapdConf(dir: string, rootPassword: string): string {
  return `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
pidfile ${dir}/slapd.pid
argsfile ${dir}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCACertificateFile ${dir}/ca.pem
TLSCertificateFile ${dir}/server.pem
TLSCertificateKeyFile ${dir}/server.key
TLSVerifyClient allow
database mdb
maxsize 33554432
suffix "${SUFFIX}"
rootdn "cn=admin,${SUFFIX}"
rootpw ${rootPassword}
directory ${dir}/db
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
`;
}

export async function startSlapd(): Promise<Slapd> {
  await ensureDebianPackage('slapd', SLAPD);
  const account: SystemAccount = serviceAccount('openldap');
  const dir = tempDirFor(account, 'nbhub-slapd-');
  chmodSync(dir, 0o755);
  const directory = exampleDirectory();
  const rootPassword = randomBytes(12).toString('hex');
  let server: ServerProcess | null = null;
  const ldapPort = await freePort();
  const ldapsPort = await freePort();
  const ldapUrl = `ldap://127.0.0.1:${ldapPort}`;

  const start = async () => {
    if (server?.running) return;
    server = new ServerProcess(
      'slapd',
      SLAPD,
      ['-f', join(dir, 'slapd.conf'), '-h', `${ldapUrl}/ ldaps://127.0.0.1:${ldapsPort}/`, '-d', '0'],
      account,
      dir,
      join(dir, 'slapd.log'),
    );
    await server.waitUntil(async () => {
      const c = new Client({ url: ldapUrl, connectTimeout: 1000, timeout: 2000 });
      try {
        await c.search('', { scope: 'base', attributes: ['namingContexts'] });
        return true;
      } finally {
        await c.unbind().catch(() => undefined);
      }
    }, 30_000);
  };
  const stop = async () => {
    await server?.stop('SIGTERM');
  };
  try {
    await makeCertificates(dir);
    for (const f of ['ca.pem', 'server.pem', 'client.pem', 'client.key']) chmodSync(join(dir, f), 0o644);
    chmodSync(join(dir, 'server.key'), 0o600);
    mkdirSync(join(dir, 'db'));
    writeFileSync(join(dir, 'slapd.conf'), slapdConf(dir, rootPassword), { mode: 0o600 });
    writeFileSync(join(dir, 'seed.ldif'), exampleLdif(directory, rootPassword), { mode: 0o600 });
    if (process.getuid?.() === 0) {
      for (const f of ['db', 'slapd.conf', 'seed.ldif', 'server.key']) chownSync(join(dir, f), account.uid, account.gid);
    }
    await runAs(account, SLAPD, ['-Ttest', '-f', join(dir, 'slapd.conf'), '-u'], dir);
    await runAs(account, SLAPADD, ['-f', join(dir, 'slapd.conf'), '-l', join(dir, 'seed.ldif'), '-q'], dir);
    await start();
  } catch (err) {
    await stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    ldapUrl,
    ldapPort,
    ldapsPort,
    caFile: join(dir, 'ca.pem'),
    clientCertFile: join(dir, 'client.pem'),
    clientKeyFile: join(dir, 'client.key'),
    directory,
    dir,
    running: () => server?.running ?? false,
    start,
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
