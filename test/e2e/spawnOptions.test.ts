// singleuser.profileList: the spawn page offers the profiles as a form; the choice becomes the
// server's user_options, visible in the REST API.
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
  singleuser: [
    `cmd: ["python3", "${fixture}"]`,
    'profileList:',
    '  - display_name: Small',
    '    slug: small',
    '    description: 1 CPU, 1 GB',
    '    default: true',
    '  - display_name: Large',
    '    slug: large',
    '    description: 4 CPUs, 8 GB',
    '    kubespawner_override:',
    '      cpu_limit: 4',
    '    profile_options:',
    '      image:',
    '        display_name: Image',
    '        choices:',
    '          base:',
    '            display_name: Base',
    '            default: true',
    '          scipy:',
    '            display_name: SciPy',
  ],
});
let hub: NbhubProcess;
let api: HubApi;
let browser: Browser;

before(async () => {
  hub = await startNbhub({ name: 'spawn-options', configYaml: yaml });
  api = new HubApi(hub.url, serviceToken);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await api?.call('DELETE', '/users/erin/server').catch(() => undefined);
  await hub?.stop();
});

test('the spawn page offers the profiles and the choice reaches user_options', async () => {
  const page = await (await browser.newContext({ viewport: { width: 1100, height: 800 } })).newPage();
  await login(page, hub.url, 'erin');
  await page.goto(`${hub.url}hub/spawn`);
  assert.equal(await page.locator('input[name=profile]').count(), 2);
  assert.equal(await page.locator('input[name=profile][value=small]').isChecked(), true);
  await screenshot(page, 'spawn-options', 'form');
  await page.check('input[name=profile][value=large]');
  await page.selectOption('select[name="profile-option-large--image"]', 'scipy');
  await Promise.all([page.waitForURL(/\/user\/erin\//, { timeout: 30_000 }), page.click('#spawn_form button[type=submit]')]);
  const u = (await api.get('/users/erin')).body;
  assert.deepEqual(u.servers[''].user_options, { profile: 'large', image: 'scipy' });
  await page.context().close();
});
