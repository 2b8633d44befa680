// Wikimedia login end to end (PAWS): a MediaWiki OAuth 1.0a fake on 127.0.0.1 that checks the
// HMAC-SHA1 signature of every request (test/support/fakeMediawiki.ts), the real nbhub CLI with
// auth state on, headless Chromium, real jupyterhub-singleuser + JupyterLab.
// - "Jane Doe (WMF)" signs in at the wiki and reaches JupyterLab at /user/Jane%20Doe%20%28WMF%29/lab;
//   her server gets ACCESS_KEY / ACCESS_SECRET and her wiki name from the auth state (PAWS's environment);
// - identify answers with a wrong secret, audience, iat, nonce or issuer are refused with a page
//   that says so, and nobody is logged in;
// - locking her global account stops her running server at the next refresh;
// - the hub log holds neither the consumer secret nor an access token or its secret.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { freePort, startNbhub, type NbhubProcess } from '../support/nbhubProcess.ts';
import { launchBrowser, screenshot } from '../support/browser.ts';
import { HubApi } from '../support/hubApi.ts';
import { runInKernel } from '../support/jupyterKernel.ts';
import { FakeMediawiki, type IdentifyTamper } from '../support/fakeMediawiki.ts';
import { IDENTIFY_REFUSED } from '../../src/auth/mediawiki/identify.ts';

const SUITE = 'mediawiki-login';
const JANE = 'Jane Doe (WMF)';
const JANE_PATH = 'Jane%20Doe%20%28WMF%29';
const CONSUMER_KEY = randomBytes(16).toString('hex');
const CONSUMER_SECRET = randomBytes(20).toString('hex');

let wiki: FakeMediawiki;
let hub: NbhubProcess;
let api: HubApi;
let browser: Browser;
let janeContext: BrowserContext;
let janePage: Page;
let janeAccess: { key: string; secret: string } | null = null;

before(async () => {
  const port = await freePort();
  wiki = await new FakeMediawiki({
    consumerKey: CONSUMER_KEY,
    consumerSecret: CONSUMER_SECRET,
    callbackUrl: `http://127.0.0.1:${port}/hub/oauth_callback`,
    users: { [JANE]: 4242 },
  }).start();
  const serviceToken = randomBytes(16).toString('hex');
  const configYaml = `auth:
  type: mediawiki
  mediawiki:
    clientId: ${CONSUMER_KEY}
    mwIndexUrl: ${wiki.indexUrl}
    loginService: Wikimedia
  allowed:
    all: true
  admin:
    users: ["${JANE}"]
  state:
    enabled: true
  refresh:
    maxAgeSeconds: 1
hub:
  services:
    e2e:
      apiToken: ${serviceToken}
      admin: true
singleuser:
  startTimeout: 120
  httpTimeout: 120
  authStateEnv:
    ACCESS_KEY: ACCESS_TOKEN_KEY
    ACCESS_SECRET: ACCESS_TOKEN_SECRET
    # PAWS's USER; the local spawner keeps USER for the Unix account, so it is tested under another name
    WIKI_USER: MEDIAWIKI_USER_IDENTITY.username
`;
  hub = await startNbhub({
    name: SUITE,
    port,
    configYaml,
    // the consumer secret comes from the environment, as the chart hands it over
    env: { OAUTH_CLIENT_SECRET: CONSUMER_SECRET, NBHUB_CRYPT_KEY: randomBytes(32).toString('hex') },
  });
  api = new HubApi(hub.url, serviceToken);
  browser = await launchBrowser();
  janeContext = await loopbackOnlyContext();
  janePage = await janeContext.newPage();
});

after(async () => {
  await browser?.close();
  await api?.call('DELETE', `/users/${encodeURIComponent(JANE)}/server`).catch(() => undefined);
  await hub?.stop();
  await wiki?.stop();
});

async function loopbackOnlyContext(): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await ctx.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => route.abort(),
  );
  return ctx;
}

/** Login button → the wiki's page → log in as `user` and allow → back at the hub. */
async function signInAtWiki(page: Page, user: string, shot?: string): Promise<void> {
  await page.goto(`${hub.url}hub/login`);
  const button = page.locator('#provider_login');
  assert.equal((await button.innerText()).trim(), 'Sign in with Wikimedia');
  if (shot) await screenshot(page, SUITE, `${shot}-login-button`);
  await button.click();
  await page.waitForURL((u) => u.origin === wiki.origin);
  await page.fill('#wpName1', user);
  if (shot) await screenshot(page, SUITE, `${shot}-wiki-allow`);
  await Promise.all([page.waitForURL((u) => u.origin === new URL(hub.url).origin), page.click('#mw-mwoauth-accept')]);
  await page.waitForLoadState('load');
}

test('"Jane Doe (WMF)" signs in at the wiki and reaches JupyterLab at the escaped URL, with PAWS’s environment', async () => {
  const page = janePage;
  await signInAtWiki(page, JANE, '01');
  await screenshot(page, SUITE, '02-back-at-hub');
  assert.deepEqual(wiki.rejected, [], 'every signed request verified');
  assert.deepEqual(wiki.verified.slice(0, 3), ['initiate', 'token', 'identify']);

  const me = await api.get(`/users/${encodeURIComponent(JANE)}`);
  assert.equal(me.status, 200);
  assert.equal(me.body.name, JANE, 'the name as the wiki spells it');
  assert.equal(me.body.admin, true, 'listed in auth.admin.users with spaces and parentheses');
  const state = me.body.auth_state as Record<string, unknown>;
  assert.equal((state.MEDIAWIKI_USER_IDENTITY as Record<string, unknown>).sub, '4242');
  janeAccess = { key: String(state.ACCESS_TOKEN_KEY), secret: String(state.ACCESS_TOKEN_SECRET) };
  assert.match(janeAccess.key, /^[0-9a-f]{32}$/);

  await page.goto(`${hub.url}user/${JANE_PATH}/lab`);
  await page.waitForSelector('#start');
  await page.click('#start');
  try {
    await page.waitForURL((u) => u.pathname === `/user/${JANE_PATH}/lab`, { timeout: 120_000 });
    await page.waitForSelector('.jp-LauncherCard', { timeout: 120_000 });
  } catch (e) {
    await screenshot(page, SUITE, '03-failed-to-reach-lab');
    throw new Error(`JupyterLab did not load; the page is at ${page.url()}: ${(await page.locator('body').innerText()).slice(0, 500)}`, { cause: e });
  }
  await screenshot(page, SUITE, '03-jupyterlab');
  assert.equal(new URL(page.url()).pathname, `/user/${JANE_PATH}/lab`);

  const token = (await api.call('POST', `/users/${encodeURIComponent(JANE)}/tokens`, { note: 'mediawiki e2e' })).body.token as string;
  const code = `import os; e = os.environ; print(e["WIKI_USER"]); print(e["ACCESS_KEY"] == "${janeAccess.key}", e["ACCESS_SECRET"] == "${janeAccess.secret}")`;
  const out = await runInKernel(hub.url, JANE, token, code);
  assert.equal(out.error, null);
  const [user, keys] = out.stdout.trim().split('\n');
  assert.equal(user, JANE);
  assert.equal(keys, 'True True', 'the server has the user’s access token and secret (ACCESS_KEY, ACCESS_SECRET)');
});

for (const tamper of ['wrong-secret', 'wrong-audience', 'stale-iat', 'wrong-nonce', 'wrong-issuer'] as IdentifyTamper[]) {
  test(`an identify answer with ${tamper} is refused with a clear page, and nobody is logged in`, async () => {
    const ctx = await loopbackOnlyContext();
    const page = await ctx.newPage();
    const who = `Tamper ${tamper} (WMF)`;
    wiki.tamper = tamper;
    try {
      await signInAtWiki(page, who);
    } finally {
      wiki.tamper = null;
    }
    const message = (await page.locator('#error-message').innerText()).trim();
    await screenshot(page, SUITE, `04-refused-${tamper}`);
    assert.equal(message, IDENTIFY_REFUSED);
    assert.match(await page.locator('h1').innerText(), /502/);
    assert.equal((await api.get(`/users/${encodeURIComponent(who)}`)).status, 404, 'no user was created');
    await page.goto(`${hub.url}hub/home`);
    assert.match(new URL(page.url()).pathname, /\/hub\/login/, 'no session');
    await ctx.close();
  });
}

test('locking the global account stops Jane’s running server at her next refresh, and she must sign in again', async () => {
  assert.equal((await api.get(`/users/${encodeURIComponent(JANE)}`)).body.servers['']?.ready, true, 'her server runs');
  wiki.lock(JANE);
  const checksBefore = wiki.lockChecks.length;
  // her auth is older than auth.refresh.maxAgeSeconds (1 s) once this page load comes
  await new Promise((r) => setTimeout(r, 1500));
  await janePage.goto(`${hub.url}hub/home`);
  await api.until('Jane’s server to be stopped', async () => (await api.get(`/users/${encodeURIComponent(JANE)}`)).body.server === null, 90_000);
  assert.ok(wiki.lockChecks.slice(checksBefore).includes(JANE), 'the hub asked the wiki');
  await janePage.goto(`${hub.url}hub/home`);
  assert.match(new URL(janePage.url()).pathname, /\/hub\/login/, 'sent to sign in again');
  const log = await readFile(hub.logFile, 'utf8');
  assert.match(log, /global wiki account is locked/);
  await screenshot(janePage, SUITE, '05-after-lock');
});

test('the hub log holds neither the consumer secret nor an access token or its secret', async () => {
  const log = await readFile(hub.logFile, 'utf8');
  assert.match(log, /user logged in/);
  assert.ok(janeAccess, 'the first test logged Jane in');
  for (const s of [CONSUMER_SECRET, janeAccess.key, janeAccess.secret]) assert.equal(log.includes(s), false, 'a secret or token reached the hub log');
});
