// Sharing through the proxy with a real jupyterhub-singleuser (JupyterLab from the venv): bob,
// given a share of alice's server, opens /user/alice/lab, confirms the hub's consent page and
// gets JupyterLab; erin, without a share, is refused by the hub.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { venvSingleuser } from '../../src/hub/spawnerSetup.ts';
import { startTestHub, login, type TestHub } from './support.ts';
import { follow } from '../support/navigate.ts';

const SINGLEUSER = venvSingleuser();
const skip = !existsSync(SINGLEUSER) && `no jupyterhub-singleuser at ${SINGLEUSER}`;
let t: TestHub;

before(async () => {
  if (skip) return;
  t = await startTestHub({
    config: {
      hub: { loadRoles: { user: { scopes: ['self', 'shares!user', 'read:users:name'] } } },
      // the test hub runs servers as its own (root) user: isolateUsers is off in test/api/support.ts
      singleuser: { cmd: [SINGLEUSER, '--allow-root'], startTimeout: 120, httpTimeout: 120 },
    },
  });
  await t.createUsers('alice', 'bob', 'erin');
  const r = await t.api.call('POST', '/users/alice/server');
  assert.ok(r.status === 201 || r.status === 202, JSON.stringify(r.body));
  await t.hub.servers.whenSettled('alice', '');
  assert.equal(t.hub.servers.isReady('alice', ''), true);
});

after(async () => {
  await t?.close();
});

test('bob reaches alice’s JupyterLab through the proxy once she shares it; erin does not', { skip }, async () => {
  const alice = t.as(await t.tokenFor('alice'));
  assert.equal((await alice.call('POST', '/shares/alice/', { user: 'bob' })).status, 200);

  const bob = await login(t.url, 'bob');
  // /user/alice/lab → the server's OAuth login → the hub's consent page (not bob's own server)
  const { res: consent, url: consentUrl } = await follow(bob, `${t.url}user/alice/lab`);
  const page = await consent.text();
  assert.equal(consent.status, 200, page.slice(0, 500));
  assert.match(page, /access:servers!server=alice\//);
  const action = /<form method="post" action="([^"]*)"/.exec(page)![1].replace(/&amp;/g, '&');
  const xsrf = /name="_xsrf" value="([^"]*)"/.exec(page)![1];
  const { res: lab } = await follow(bob, new URL(action, consentUrl).toString(), { _xsrf: xsrf });
  const labHtml = await lab.text();
  assert.equal(lab.status, 200, labHtml.slice(0, 500));
  assert.match(labHtml, /JupyterLab/);

  const erin = await login(t.url, 'erin');
  const { res: refused } = await follow(erin, `${t.url}user/alice/lab`);
  await refused.arrayBuffer();
  assert.equal(refused.status, 403);
});
