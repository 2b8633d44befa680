// A user server that exits at start-up is reported within 2 s on the spawn page and in the
// API, with its exit code and the tail of its output.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startNbhub, type NbhubProcess } from '../support/nbhubProcess.ts';
import { HubApi } from '../support/hubApi.ts';
import { e2eConfig } from '../support/e2eConfig.ts';
import { launchBrowser, login, screenshot } from '../support/browser.ts';

const { yaml, serviceToken } = e2eConfig({
  singleuser: ['cmd: ["bash", "-c", "echo \'starting up...\'; echo \'fatal: no such notebook directory\' >&2; exit 3"]'],
});
let hub: NbhubProcess;
let api: HubApi;
let browser: Browser;

before(async () => {
  hub = await startNbhub({
    name: 'spawn-failure',
    configYaml: yaml,
  });
  api = new HubApi(hub.url, serviceToken);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await hub?.stop();
});

test('the API reports the exit code and output tail of a server that dies at start-up', async () => {
  await api.call('POST', '/users', { usernames: ['carol'] });
  const t0 = Date.now();
  const r = await api.call('POST', '/users/carol/server');
  const elapsed = Date.now() - t0;
  assert.equal(r.status, 500);
  assert.match(r.body.message, /exited with code 3/);
  assert.equal(r.body.exit_code, 3);
  assert.ok(r.body.log_tail.some((l: string) => l.includes('fatal: no such notebook directory')));
  assert.ok(elapsed < 2000, `reported after ${elapsed} ms`);
  const u = (await api.get('/users/carol?include_stopped_servers=1')).body;
  assert.equal(u.servers[''].ready, false);
  assert.equal(u.pending, null);
});

test('the spawn page shows the failure with its reason', async () => {
  const page = await (await browser.newContext()).newPage();
  await login(page, hub.url, 'dave');
  const t0 = Date.now();
  await page.goto(`${hub.url}hub/spawn`);
  await page.waitForSelector('#failure', { timeout: 10_000 });
  const elapsed = Date.now() - t0;
  const text = await page.locator('#failure').innerText();
  assert.match(text, /exited with code 3/);
  assert.match(text, /Exit code: 3/);
  assert.match(await page.locator('#log-tail').innerText(), /fatal: no such notebook directory/);
  await screenshot(page, 'spawn-failure', 'failed-spawn-page');
  assert.ok(elapsed < 2000 + 1500, `shown after ${elapsed} ms`);
  await page.context().close();
});
