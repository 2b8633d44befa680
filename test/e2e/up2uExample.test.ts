// The chart's examples: `nbhub config check` passes on every file in chart/examples/, and
// Up2U's values (auth.custom naming oauthenticator's GenericOAuthenticator, eduTEAMS's
// endpoints) start a hub that logs a user in — with only the eduTEAMS URLs replaced by a real
// OpenID Connect provider on 127.0.0.1 that knows Up2U's client id and secret.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO, freePort, runNbhub, startNbhub, type NbhubProcess } from '../support/nbhubProcess.ts';
import { startOidcProvider, type TestOidcProvider } from '../support/oidcProvider.ts';
import { hubOidcLogin } from '../support/hubOidcLogin.ts';

const EXAMPLES = path.join(REPO, 'chart/examples');
let idp: TestOidcProvider | undefined;
let hub: NbhubProcess | undefined;

after(async () => {
  await hub?.stop();
  await idp?.stop();
});

test('nbhub config check passes on every file in chart/examples/', async () => {
  const files = (await readdir(EXAMPLES)).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.includes('up2u.yaml') && files.length >= 2);
  for (const f of files) {
    const r = await runNbhub(['config', 'check', path.join(EXAMPLES, f)]);
    assert.equal(r.code, 0, `${f}:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /: valid/, f);
  }
});

test('up2u.yaml, its eduTEAMS endpoints pointed at a local provider, starts and logs a user in', async () => {
  const original = await readFile(path.join(EXAMPLES, 'up2u.yaml'), 'utf8');
  const clientId = /client_id: "([^"]+)"/.exec(original)?.[1];
  const clientSecret = /client_secret: "([^"]+)"/.exec(original)?.[1];
  assert.ok(clientId && clientSecret, 'up2u.yaml names its client id and secret');
  const port = await freePort();
  idp = await startOidcProvider({ redirectUris: [`http://127.0.0.1:${port}/hub/oauth_callback`], clientId, clientSecret });
  const eduteams = 'https://proxy.eduteams.org/OIDC';
  const urls: Record<string, string> = { authorization: `${idp.issuer}/auth`, token: `${idp.issuer}/token`, userinfo: `${idp.issuer}/me` };
  let copy = original;
  for (const [k, v] of Object.entries(urls)) copy = copy.replace(`${eduteams}/${k}`, v);
  assert.equal(copy.includes(eduteams), false, 'every eduTEAMS URL was replaced');
  // Up2U's values allow nobody explicitly (their hub let every eduTEAMS user in): say so
  copy += '\n# test only: who may log in\n';
  copy = copy.replace('auth:\n  type: custom\n', 'auth:\n  type: custom\n  allowed:\n    all: true\n');

  hub = await startNbhub({ name: 'up2u-example', port, configYaml: copy });
  const r = await hubOidcLogin(hub.url, 'up2u-student');
  assert.equal(r.status, 302, r.body.slice(0, 400));
  assert.ok(r.cookies.some((c) => c.startsWith('jupyterhub-hub-login=')));
  // username_key: sub — the provider's subject is the hub user's name
  const home = await fetch(`${hub.url}hub/home`, { headers: { cookie: r.cookies.join('; ') }, redirect: 'manual' });
  assert.equal(home.status, 200);
  assert.match(await home.text(), /up2u-student/);
  const log = await readFile(hub.logFile, 'utf8');
  assert.equal(log.includes(clientSecret), false);
  for (const t of idp.issuedTokens()) assert.equal(log.includes(t), false);
});
