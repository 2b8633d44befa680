// Native accounts end to end: the first admin signs up with the one-time token printed at
// first start, creates an account for alice, a self sign-up waits for approval, and
// passwords are checked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { startNbhub, type NbhubProcess } from '../support/nbhubProcess.ts';
import { launchBrowser, login, screenshot } from '../support/browser.ts';

const SUITE = 'native-auth';
let hub: NbhubProcess;
let browser: Browser;

before(async () => {
  hub = await startNbhub({ name: SUITE, configYaml: 'auth:\n  type: native\n  admin:\n    users: [teacher]\n' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await hub?.stop();
});

async function page(): Promise<Page> {
  return (await browser.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
}

async function signUp(p: Page, user: string, password: string, token?: string): Promise<void> {
  await p.goto(`${hub.url}hub/signup`);
  await p.fill('#username_input', user);
  await p.fill('#password_input', password);
  if (token) await p.fill('#bootstrap_input', token);
  await Promise.all([p.waitForLoadState('load'), p.click('button[type=submit]')]);
}

test('the first admin signs up with the printed one-time token and creates an account', async () => {
  const log = await readFile(hub.logFile, 'utf8');
  const m = /create the admin account "teacher" at \/hub\/signup with this one-time token:\s+(\S+)/.exec(log);
  assert.ok(m, 'the bootstrap token is printed at first start');
  const token = m[1];

  const p = await page();
  await signUp(p, 'teacher', 'correct horse battery', 'not-the-token');
  assert.match(await p.locator('.error').innerText(), /admin account/);
  await signUp(p, 'teacher', 'correct horse battery', token);
  assert.match(await p.locator('main').innerText(), /account was created/);
  await screenshot(p, SUITE, '01-admin-signed-up');

  await login(p, hub.url, 'teacher', 'wrong password');
  assert.match(await p.locator('.error').innerText(), /Invalid username or password|incorrect/i);
  await login(p, hub.url, 'teacher', 'correct horse battery');
  await p.goto(`${hub.url}hub/authorize`);
  await p.fill('#new_username', 'alice');
  await p.fill('#new_password', 'alice-secret-pw');
  await Promise.all([p.waitForLoadState('load'), p.click('form:has(#new_username) button[type=submit]')]);
  assert.match(await p.locator('#notice').innerText(), /Account alice created/);
  await screenshot(p, SUITE, '02-accounts-page');

  const a = await page();
  await login(a, hub.url, 'alice', 'alice-secret-pw');
  assert.equal(new URL(a.url()).pathname.startsWith('/hub/login'), false, `alice is logged in (at ${a.url()})`);
  await a.goto(`${hub.url}hub/home`);
  assert.match(await a.locator('h1').innerText(), /alice/);
  // the one-time token cannot be used twice
  const again = await page();
  await signUp(again, 'teacher', 'another password 123', token);
  assert.ok(await again.locator('.error').count());
});

test('a self sign-up waits for an administrator’s approval', async () => {
  const p = await page();
  await signUp(p, 'bob', 'bob-password-1');
  assert.match(await p.locator('main').innerText(), /waits for an administrator/);
  await login(p, hub.url, 'bob', 'bob-password-1');
  assert.match(await p.locator('.error').innerText(), /not been approved/);

  const admin = await page();
  await login(admin, hub.url, 'teacher', 'correct horse battery');
  await admin.goto(`${hub.url}hub/authorize`);
  await Promise.all([admin.waitForLoadState('load'), admin.click('tr:has-text("bob") button:has-text("Approve")')]);
  assert.match(await admin.locator('#notice').innerText(), /bob: approved/);

  await login(p, hub.url, 'bob', 'bob-password-1');
  await p.goto(`${hub.url}hub/home`);
  assert.match(await p.locator('h1').innerText(), /bob/);
});
