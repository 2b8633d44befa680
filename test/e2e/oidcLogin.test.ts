// End to end in headless Chromium with a real OpenID Connect provider (oidc-provider on
// 127.0.0.1, its client requires PKCE): alice clicks "Sign in with Test IdP", logs in and
// consents at the provider, lands in the hub, starts JupyterLab and runs print(6*7). The hub's
// log shows neither the client secret nor any token the provider issued.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext } from 'playwright-core';
import { freePort, startNbhub, type NbhubProcess } from '../support/nbhubProcess.ts';
import { launchBrowser, screenshot } from '../support/browser.ts';
import { HubApi } from '../support/hubApi.ts';
import { e2eConfig } from '../support/e2eConfig.ts';
import { startOidcProvider, type TestOidcProvider } from '../support/oidcProvider.ts';

const SUITE = 'oidc-login';
let idp: TestOidcProvider;
let hub: NbhubProcess;
let api: HubApi;
let browser: Browser;

before(async () => {
  const port = await freePort();
  idp = await startOidcProvider({ redirectUris: [`http://127.0.0.1:${port}/hub/oauth_callback`] });
  const { yaml, serviceToken } = e2eConfig({ authType: 'oidc' });
  const auth = [
    '  type: oidc',
    '  allowed:',
    '    users: [alice]',
    '  oidc:',
    `    issuer: ${idp.issuer}`,
    `    clientId: ${idp.clientId}`,
    '    loginService: Test IdP',
  ].join('\n');
  hub = await startNbhub({
    name: SUITE,
    port,
    configYaml: yaml.replace('  type: oidc', auth),
    // the secret comes from the environment, as oauthenticator reads it
    env: { OAUTH_CLIENT_SECRET: idp.clientSecret },
  });
  api = new HubApi(hub.url, serviceToken);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await api?.call('DELETE', '/users/alice/server').catch(() => undefined);
  await hub?.stop();
  await idp?.stop();
});

/** A browser context that only reaches loopback (the provider's page imports a web font). */
async function loopbackOnlyContext(): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await ctx.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => route.abort(),
  );
  return ctx;
}

test('alice signs in at the OpenID Connect provider, lands in JupyterLab and runs print(6*7)', async () => {
  const ctx = await loopbackOnlyContext();
  const page = await ctx.newPage();
  await page.goto(`${hub.url}hub/login`);
  const button = page.locator('#provider_login');
  assert.equal((await button.innerText()).trim(), 'Sign in with Test IdP');
  assert.equal(await page.locator('#password_input').count(), 0, 'no password form for an identity provider');
  await screenshot(page, SUITE, '01-login-button');

  await button.click();
  await page.waitForURL((u) => u.origin === idp.issuer);
  await page.fill('input[name=login]', 'alice');
  await page.fill('input[name=password]', 'whatever');
  await screenshot(page, SUITE, '02-provider-login');
  await page.click('button[type=submit]');
  await page.getByRole('button', { name: 'Continue' }).waitFor();
  await screenshot(page, SUITE, '03-provider-consent');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((u) => u.origin === new URL(hub.url).origin && !u.pathname.includes('oauth_callback'));
  await screenshot(page, SUITE, '04-back-at-hub');
  const me = await api.get('/users/alice');
  assert.equal(me.status, 200);
  assert.equal(idp.counts.pkceAuthorize >= 1, true);

  await page.goto(`${hub.url}user/alice/lab`);
  await page.waitForSelector('#start');
  await page.click('#start');
  try {
    await page.waitForURL(/\/user\/alice\/lab/, { timeout: 120_000 });
    await page.waitForSelector('.jp-LauncherCard', { timeout: 120_000 });
  } catch (e) {
    await screenshot(page, SUITE, '05-failed-to-reach-lab');
    throw new Error(`JupyterLab did not load; the page is at ${page.url()}: ${(await page.locator('body').innerText()).slice(0, 500)}`, { cause: e });
  }
  await page.click('.jp-LauncherCard[data-category="Notebook"]');
  await page.getByText(/Python 3 \(ipykernel\) \| Idle/).waitFor({ timeout: 90_000 });
  const editor = page.locator('.jp-Notebook .jp-Cell .cm-content').first();
  await editor.click();
  await page.keyboard.type('print(6*7)');
  await page.keyboard.press('Shift+Enter');
  const out = page.locator('.jp-OutputArea-output').first();
  try {
    await out.waitFor({ timeout: 90_000 });
  } finally {
    await screenshot(page, SUITE, '05-notebook-42');
  }
  assert.equal((await out.innerText()).trim(), '42');
  await ctx.close();
});

test('the hub log holds neither the client secret nor any token the provider issued', async () => {
  const log = await readFile(hub.logFile, 'utf8');
  assert.match(log, /user logged in/);
  const secrets = [idp.clientSecret, ...idp.issuedTokens()];
  assert.ok(secrets.length >= 3, 'the provider issued an access, a refresh and an id token');
  for (const s of secrets) assert.equal(log.includes(s), false, 'a secret or token reached the hub log');
});
