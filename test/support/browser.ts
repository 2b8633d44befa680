// Headless Debian chromium driven by playwright-core, with screenshots into artifacts/.
import { chromium, type Browser, type Page } from 'playwright-core';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ARTIFACTS } from './nbhubProcess.ts';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export async function screenshot(page: Page, suite: string, name: string): Promise<string> {
  const dir = path.join(ARTIFACTS, suite);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** Logs in through the hub's login form. */
export async function login(page: Page, baseUrl: string, user: string, password = 'any-password'): Promise<void> {
  await page.goto(`${baseUrl}hub/login`);
  await page.fill('#username_input', user);
  await page.fill('#password_input', password);
  await Promise.all([page.waitForLoadState('load'), page.click('#login_submit')]);
}
