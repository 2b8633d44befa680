// End to end in headless Chromium: log in as alice, start the server, JupyterLab loads at
// /user/alice/lab, create a notebook, run print(6*7), see 42 (websockets through the proxy).
// Then bob cannot get into alice's server, alice's token cannot read bob, and alice's code
// cannot read bob's files (per-user Unix accounts: the tests run as root).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startNbhub, type NbhubProcess } from '../support/nbhubProcess.ts';
import { launchBrowser, login, screenshot } from '../support/browser.ts';
import { HubApi } from '../support/hubApi.ts';
import { runInKernel } from '../support/jupyterKernel.ts';
import { e2eConfig } from '../support/e2eConfig.ts';

const SUITE = 'walking-skeleton';
const { yaml, serviceToken } = e2eConfig();
let hub: NbhubProcess;
let api: HubApi;
let browser: Browser;

before(async () => {
  hub = await startNbhub({
    name: SUITE,
    configYaml: yaml,
  });
  api = new HubApi(hub.url, serviceToken);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  if (api) {
    for (const u of ['alice', 'bob']) await api.call('DELETE', `/users/${u}/server`).catch(() => undefined);
  }
  await hub?.stop();
});

async function newPage(): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  return ctx.newPage();
}

test('alice logs in, starts JupyterLab, and runs print(6*7) in a notebook', async () => {
  const page = await newPage();
  await login(page, hub.url, 'alice');
  await screenshot(page, SUITE, '01-after-login');
  await page.goto(`${hub.url}user/alice/lab`);
  // not running yet: the hub offers to launch it
  await page.waitForSelector('#start');
  await screenshot(page, SUITE, '02-not-running');
  await page.click('#start');
  // spawn → pending page with live progress → JupyterLab
  try {
    await page.waitForURL(/\/user\/alice\/lab/, { timeout: 120_000 });
    await page.waitForSelector('.jp-LauncherCard', { timeout: 120_000 });
  } catch (e) {
    await screenshot(page, SUITE, '03-failed-to-reach-lab');
    throw new Error(`JupyterLab did not load; the page is at ${page.url()}: ${(await page.locator('body').innerText()).slice(0, 500)}`, { cause: e });
  }
  assert.match(new URL(page.url()).pathname, /^\/user\/alice\/lab/);
  await screenshot(page, SUITE, '03-jupyterlab');

  await page.click('.jp-LauncherCard[data-category="Notebook"]');
  // wait until the notebook's kernel is up (status bar), then type into the first cell
  await page.getByText(/Python 3 \(ipykernel\) \| Idle/).waitFor({ timeout: 90_000 });
  const editor = page.locator('.jp-Notebook .jp-Cell .cm-content').first();
  await editor.click();
  await page.keyboard.type('print(6*7)');
  assert.equal((await editor.innerText()).trim(), 'print(6*7)');
  await page.keyboard.press('Shift+Enter');
  const out = page.locator('.jp-OutputArea-output').first();
  try {
    await out.waitFor({ timeout: 90_000 });
  } finally {
    await screenshot(page, SUITE, '04-notebook-42');
  }
  assert.equal((await out.innerText()).trim(), '42');
  await page.context().close();
});

test('bob cannot open alice’s server, and alice’s token cannot read bob', async () => {
  const page = await newPage();
  await login(page, hub.url, 'bob');
  const res = await page.goto(`${hub.url}user/alice/lab`);
  // Either alice's server refuses bob (403) or the hub hides it (404): never JupyterLab.
  const status = res?.status();
  await screenshot(page, SUITE, '05-bob-at-alice');
  assert.ok(status === 403 || status === 404, `bob got status ${status} at ${page.url()}`);
  assert.equal(await page.locator('.jp-LauncherCard').count(), 0);
  await page.context().close();

  const t = await api.call('POST', '/users/alice/tokens', { note: 'e2e' });
  assert.equal(t.status, 201);
  const alice = new HubApi(hub.url, t.body.token);
  assert.equal((await alice.get('/users/alice')).status, 200);
  assert.equal((await alice.get('/users/bob')).status, 404);
  assert.equal((await alice.call('DELETE', '/users/bob')).status, 403);
  // listing users is not part of a user's own scopes (JupyterHub's `self`)
  assert.equal((await alice.get('/users')).status, 403);
});

test('code in alice’s notebook cannot read files in bob’s home directory', async () => {
  await api.startServer('bob');
  const tb = (await api.call('POST', '/users/bob/tokens', { note: 'e2e' })).body.token as string;
  const secretPath = await runInKernel(hub.url, 'bob', tb, [
    'import os, pathlib',
    'p = pathlib.Path(os.environ["HOME"]) / "secret.txt"',
    'p.write_text("bob-only")',
    'print(p)',
  ].join('\n'));
  assert.equal(secretPath.error, null);
  const path = secretPath.stdout.trim();
  assert.match(path, /secret\.txt$/);

  const ta = (await api.call('POST', '/users/alice/tokens', { note: 'e2e' })).body.token as string;
  const whoami = await runInKernel(hub.url, 'alice', ta, 'import os, pwd; print(pwd.getpwuid(os.getuid()).pw_name)');
  assert.notEqual(whoami.stdout.trim(), 'root');
  const attempt = await runInKernel(hub.url, 'alice', ta, `print(open(${JSON.stringify(path)}).read())`);
  assert.match(attempt.error ?? '', /PermissionError/);
  assert.doesNotMatch(attempt.stdout, /bob-only/);
});

test('alice stops her server from the home page', async () => {
  const page = await newPage();
  await login(page, hub.url, 'alice');
  await page.goto(`${hub.url}hub/home`);
  assert.equal(await page.locator('#server-status').innerText(), 'running');
  await screenshot(page, SUITE, '06-home-running');
  await page.click('#stop');
  await page.waitForFunction(() => document.querySelector('#server-status')?.textContent === 'stopped', undefined, { timeout: 30_000 });
  await screenshot(page, SUITE, '07-home-stopped');
  const u = (await api.get('/users/alice')).body;
  assert.equal(u.server, null);
  assert.deepEqual(u.servers, {});
  await page.context().close();
});
