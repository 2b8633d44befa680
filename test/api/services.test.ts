// hub.services: the stock jupyterhub-idle-culler as a hub-managed service (config only, as the
// z2jh chart runs it) culls an idle server and is restarted when killed; a tiny Python service
// written with jupyterhub.services.auth.HubOAuth, managed by the hub and reached through the
// proxy at /services/whoami/, logs a user in through the hub and sees her name; GET /services.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import pino from 'pino';
import { cacheDir } from '../../src/hub/spawnerSetup.ts';
import { freePort } from '../support/nbhubProcess.ts';
import { startTestHub, login, waitFor, type TestHub } from './support.ts';
import { follow } from '../support/navigate.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const VENV_PYTHON = path.join(cacheDir(), 'venv', 'bin', 'python');
const WHOAMI = path.resolve(here, '../fixtures/whoami_service.py');
const skip = !existsSync(VENV_PYTHON) && `no virtualenv python at ${VENV_PYTHON}`;

let t: TestHub;
let whoamiUrl: string;
let hubLog = '';

before(async () => {
  if (skip) return;
  whoamiUrl = `http://127.0.0.1:${await freePort()}`;
  const sink = new Writable({
    write(chunk, _enc, cb) {
      hubLog += String(chunk);
      cb();
    },
  });
  t = await startTestHub({
    logger: pino({ level: 'info' }, sink),
    config: {
      hub: {
        services: {
          culler: { command: [VENV_PYTHON, '-m', 'jupyterhub_idle_culler', '--timeout=2', '--cull-every=1'] },
          whoami: { command: [VENV_PYTHON, WHOAMI], url: whoamiUrl, oauthNoConfirm: true, info: { purpose: 'test' }, environment: { WHOAMI_LOG_LEVEL: process.env.DEBUG_FOLLOW ? 'DEBUG' : 'INFO' } },
        },
        loadRoles: {
          'idle-culler': { scopes: ['list:users', 'read:users:activity', 'read:servers', 'delete:servers'], services: ['culler'] },
          'whoami-users': { scopes: ['access:services!service=whoami'], users: ['alice'] },
        },
      },
    },
  });
});

after(async () => {
  await t?.close();
});

async function pidOf(name: string): Promise<number> {
  const r = await t.api.call('GET', `/services/${name}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.pid as number;
}

test('GET /services lists the services keyed by name; GET /services/{name}; scopes', { skip }, async () => {
  const all = await t.api.call('GET', '/services');
  assert.equal(all.status, 200);
  assert.deepEqual(Object.keys(all.body).sort(), ['culler', 'tester', 'whoami']);
  const w = (await t.api.call('GET', '/services/whoami')).body;
  assert.equal(w.kind, 'service');
  assert.equal(w.url, whoamiUrl);
  assert.equal(w.prefix, '/services/whoami/');
  assert.deepEqual(w.command, [VENV_PYTHON, WHOAMI]);
  assert.deepEqual(w.info, { purpose: 'test' });
  assert.equal(w.display, true);
  assert.equal(w.admin, false);
  assert.deepEqual((await t.api.call('GET', '/services/culler')).body.roles, ['idle-culler']);
  assert.equal((await t.api.call('GET', '/services/tester')).body.pid, 0, 'not a managed service');
  assert.equal((await t.api.call('GET', '/services/nope')).status, 404);
  await t.createUsers('nosvc');
  const user = t.as(await t.tokenFor('nosvc'));
  assert.equal((await user.call('GET', '/services')).status, 403);
  assert.equal((await user.call('GET', '/services/whoami')).status, 403);
});

test('the stock idle culler runs as a managed service, culls an idle server and is restarted when killed', { skip }, async () => {
  await waitFor('the culler process', async () => (await pidOf('culler')) > 0);
  const first = await pidOf('culler');
  await t.createUsers('sleepy', 'sleepy2');
  assert.equal((await t.api.call('POST', '/users/sleepy/server')).status, 201);
  await waitFor('the culler to stop sleepy', () => t.hub.servers.phase('sleepy', '') === 'stopped', 60_000);
  assert.match(hubLog, /Culling server sleepy/);

  // killed, the hub starts it again (a new process) and it goes on culling
  process.kill(first, 'SIGKILL');
  await waitFor('a restarted culler', async () => {
    const p = await pidOf('culler');
    return p > 0 && p !== first;
  });
  assert.match(hubLog, /managed service exited; restarting/);
  assert.equal((await t.api.call('POST', '/users/sleepy2/server')).status, 201);
  await waitFor('the restarted culler to stop sleepy2', () => t.hub.servers.phase('sleepy2', '') === 'stopped', 60_000);
});

test('a HubOAuth service behind /services/whoami/ logs alice in through the hub and sees her name', { skip }, async () => {
  await t.createUsers('alice', 'mallory');
  await waitFor('the whoami service', async () => {
    try {
      return (await fetch(`${whoamiUrl}/services/whoami/oauth_callback`)).status > 0;
    } catch {
      return false;
    }
  });
  const jar = await login(t.url, 'alice');
  const { res } = await follow(jar, `${t.url}services/whoami/`);
  const text = await res.text();
  assert.equal(res.status, 200, text);
  assert.deepEqual(JSON.parse(text), { name: 'alice', kind: 'user' });

  // mallory holds no access:services!service=whoami: the hub refuses her at authorize
  const other = await login(t.url, 'mallory');
  const { res: refused } = await follow(other, `${t.url}services/whoami/`);
  await refused.arrayBuffer();
  assert.equal(refused.status, 403);
});

test('no service token reaches the hub log', { skip }, async () => {
  const token = (await t.api.call('POST', '/users/alice/tokens', {})).body.token as string;
  assert.ok(token);
  assert.ok(!hubLog.includes(token));
  assert.ok(!hubLog.includes(t.token));
  assert.doesNotMatch(hubLog, /JUPYTERHUB_API_TOKEN=\w/);
});

test('a managed service whose command cannot be run is logged and retried, without stopping the hub', async () => {
  let log = '';
  const logger = pino({ level: 'info' }, { write: (s: string) => (log += s) });
  const broken = await startTestHub({ logger, config: { hub: { services: { ghost: { command: ['/nonexistent/service-binary'] } } } } });
  try {
    // the first attempt and the retry a second later
    await waitFor('a retry of the ghost service', () => (log.match(/managed service could not be started/g) ?? []).length >= 2, 15_000);
    assert.match(log, /ENOENT/);
    const r = await broken.api.call('GET', '/services/ghost');
    assert.equal(r.status, 200);
    assert.equal(r.body.pid, 0);
    assert.deepEqual(r.body.command, ['/nonexistent/service-binary']);
  } finally {
    await broken.close();
  }
});
