// LDAP login end to end: the real `nbhub start` with auth.type ldap against a real OpenLDAP
// slapd (StartTLS with a test CA), through POST /hub/login: a member of an allowed group gets
// in and their directory attributes reach the admin API's auth state; a non-member, a wrong,
// blank or filter-injecting login are refused; a stopped directory gives a clear page and the
// hub keeps serving (and logs people in again once the directory is back); the same in headless
// Chromium through the login form; no password in the log.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { startNbhub, type NbhubProcess } from '../support/nbhubProcess.ts';
import { HubApi } from '../support/hubApi.ts';
import { CookieJar } from '../api/support.ts';
import { launchBrowser, login, screenshot } from '../support/browser.ts';
import { PEOPLE, startSlapd, type Slapd } from '../support/slapd.ts';

let slapd: Slapd;
let hub: NbhubProcess;
let api: HubApi;

before(async () => {
  slapd = await startSlapd();
  const token = randomBytes(16).toString('hex');
  const { groups } = slapd.directory;
  hub = await startNbhub({
    name: 'ldap-login',
    configYaml: `auth:
  type: ldap
  ldap:
    server:
      address: 127.0.0.1
      port: ${slapd.ldapPort}
      tlsStrategy: before_bind
      tls:
        caFile: ${slapd.caFile}
      timeoutSeconds: 3
    dn:
      templates: ['uid={username},${PEOPLE}']
    allowedGroups: ['${groups.researchers}', '${groups.operators}']
    authStateAttributes: [mail, cn]
  state:
    enabled: true
    cryptoKey: ${randomBytes(32).toString('hex')}
hub:
  services:
    e2e:
      apiToken: ${token}
      admin: true
`,
  });
  api = new HubApi(hub.url, token);
});

after(async () => {
  await hub?.stop();
  await slapd?.destroy();
});

/** GET the form (xsrf cookie), POST the credentials; the response is not followed. */
async function postLogin(username: string, password: string): Promise<{ status: number; body: string; location: string | null; jar: CookieJar }> {
  const jar = new CookieJar();
  await (await jar.fetch(`${hub.url}hub/login`)).text();
  const res = await jar.fetch(`${hub.url}hub/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password, _xsrf: jar.get('_xsrf') ?? '' }).toString(),
  });
  return { status: res.status, body: await res.text(), location: res.headers.get('location'), jar };
}

function errorText(html: string): string {
  return /<div class="error" role="alert">([^<]*)<\/div>/.exec(html)?.[1] ?? '';
}

test('a member of an allowed group logs in; directory attributes and groups reach the admin API’s auth state', async () => {
  const { users, groups } = slapd.directory;
  const r = await postLogin('alice', users.alice.password);
  assert.equal(r.status, 302, errorText(r.body));
  // the session works
  const home = await r.jar.fetch(`${hub.url}hub/home`);
  assert.equal(home.status, 200);
  assert.match(await home.text(), /alice/);

  const u = await api.get('/users/alice');
  assert.equal(u.status, 200);
  assert.deepEqual(u.body.auth_state, {
    ldap_groups: [groups.researchers],
    user_attributes: { mail: ['alice@example.org'], cn: ['Alice Liddell'] },
  });
  // posixGroup membership (memberUid) admits too
  assert.equal((await postLogin('bob', users.bob.password)).status, 302);
});

test('a user outside every allowed group is refused', async () => {
  const r = await postLogin('carol', slapd.directory.users.carol.password);
  assert.equal(r.status, 403);
  assert.match(errorText(r.body), /not on the list of users allowed/);
  assert.equal((await api.get('/users/carol')).status, 404);
});

test('wrong password, blank password, unknown user and filter metacharacters are refused', async () => {
  const { users } = slapd.directory;
  for (const [name, pw] of [
    ['alice', users.bob.password],
    ['alice', ''],
    ['alice', '   '],
    ['nobody', users.alice.password],
    ['*)(uid=*', users.alice.password],
    ['*', users.alice.password],
  ]) {
    const r = await postLogin(name, pw);
    assert.equal(r.status, 403, `${name} must be refused`);
    assert.equal(errorText(r.body), 'Invalid username or password.');
  }
});

test('a stopped directory: a clear page, the hub stays up, and logins work again once it is back', async () => {
  const { users } = slapd.directory;
  await slapd.stop();
  try {
    const r = await postLogin('alice', users.alice.password);
    assert.equal(r.status, 503);
    assert.match(errorText(r.body), /directory is unreachable/);
    assert.match(r.body, /<form method="post"/, 'the login form is shown again');
    // the hub keeps serving
    const info = await api.get('/');
    assert.equal(info.status, 200);
    assert.equal((await api.get('/users/alice')).status, 200);
  } finally {
    await slapd.start();
  }
  assert.equal((await postLogin('alice', users.alice.password)).status, 302);
});

test('in Chromium: the login form signs a directory user in, and says so when the directory is down', async () => {
  const { users } = slapd.directory;
  const browser = await launchBrowser();
  try {
    const page = await (await browser.newContext()).newPage();
    await login(page, hub.url, 'bob', users.bob.password);
    assert.equal(new URL(page.url()).pathname, '/hub/home', `bob is signed in (at ${page.url()})`);
    assert.match(await page.locator('h1').innerText(), /bob/);
    await screenshot(page, 'ldap-login', '01-bob-signed-in');
    const other = await (await browser.newContext()).newPage();
    await slapd.stop();
    try {
      await login(other, hub.url, 'alice', users.alice.password);
      assert.match(await other.locator('.error').innerText(), /directory is unreachable/);
      assert.equal(await other.inputValue('#username_input'), 'alice', 'the name typed is kept');
      await screenshot(other, 'ldap-login', '02-directory-unreachable');
    } finally {
      await slapd.start();
    }
  } finally {
    await browser.close();
  }
});

test('the hub log names the failure but holds no password', async () => {
  const log = await readFile(hub.logFile, 'utf8');
  assert.match(log, /ECONNREFUSED/, 'the unreachable directory is logged with its cause');
  const { users, service } = slapd.directory;
  for (const secret of [...Object.values(users).map((u) => u.password), service.password]) {
    assert.ok(!log.includes(secret), 'a password reached the hub log');
  }
});
