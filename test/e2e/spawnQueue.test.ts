// Class-start bursts: with hub.concurrentSpawnLimit reached, a spawn waits in a fair queue and
// the user sees their place in it on the live progress page (JupyterHub answers 429 instead).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { startNbhub, REPO, type NbhubProcess } from '../support/nbhubProcess.ts';
import { HubApi } from '../support/hubApi.ts';
import { e2eConfig } from '../support/e2eConfig.ts';
import { launchBrowser, login, screenshot } from '../support/browser.ts';

const fixture = path.join(REPO, 'src/spawner/fixtures/http_fixture.py');
const { yaml, serviceToken } = e2eConfig({
  hub: ['concurrentSpawnLimit: 1'],
  singleuser: [`cmd: ["bash", "-c", "sleep 3; exec python3 ${fixture}"]`],
});
let hub: NbhubProcess;
let api: HubApi;
let browser: Browser;

before(async () => {
  hub = await startNbhub({
    name: 'spawn-queue',
    configYaml: yaml,
  });
  api = new HubApi(hub.url, serviceToken);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  for (const u of ['first', 'second']) await api?.call('DELETE', `/users/${u}/server`).catch(() => undefined);
  await hub?.stop();
});

test('a spawn beyond the concurrent limit waits its turn and shows its place in the queue', async () => {
  await api.call('POST', '/users', { usernames: ['first', 'second'] });
  const first = api.call('POST', '/users/first/server');
  await api.until('first to be pending', async () => (await api.get('/users/first')).body.pending === 'spawn');

  const page = await (await browser.newContext({ viewport: { width: 1100, height: 700 } })).newPage();
  await login(page, hub.url, 'second');
  await page.goto(`${hub.url}hub/spawn`);
  await page.getByText('you are number 1 in the queue').first().waitFor({ timeout: 10_000 });
  assert.match(await page.locator('#message').innerText(), /number 1 in the queue/);
  await screenshot(page, 'spawn-queue', 'waiting-in-queue');
  // when first is up, second gets the slot, starts, and the page moves on to the server
  assert.equal((await first).status, 201);
  await page.waitForURL(/\/user\/second\//, { timeout: 30_000 });
  assert.equal((await page.locator('body').innerText()).trim(), 'ok');
  const u = (await api.get('/users/second')).body;
  assert.equal(u.servers[''].ready, true);
});
