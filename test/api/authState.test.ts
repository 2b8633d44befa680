// Auth state, groups and refresh through a running hub (real HTTP through the public proxy, the
// stdlib fixture as the user server, SQLite), with a scripted in-process identity source:
// - the access token reaches the server's environment through singleuser.authStateEnv and is
//   stored encrypted (the raw database row does not contain it),
// - manageGroups sets hub groups at login; admin.groups grants admin and revokes it later,
// - auth_state in the REST user model only for admin:auth_state,
// - stale auth is refreshed once for concurrent requests; `updated` stores the new state;
//   `relogin` ends sessions and refuses the user's tokens; pre-spawn refresh refuses a spawn
//   (API 403, spawn page "log in again") and with stopServers stops the running server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import type { SqlStore } from '../../src/store/sql.ts';
import { ScriptedAuthenticator } from '../support/scriptedAuthenticator.ts';
import { CookieJar, login, startTestHub, waitFor, type TestHub } from './support.ts';

const KEY = randomBytes(32).toString('hex');
const SECRETS = ['at-alice-1-SECRET', 'rt-alice-SECRET', 'at-alice-2-SECRET', 'at-bob-SECRET'];

function capture(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
  return { logger, lines };
}

describe('auth state, groups and refresh', () => {
  const idp = new ScriptedAuthenticator();
  const { logger, lines } = capture();
  let clock = Date.parse('2026-12-02T09:00:00Z');
  let t: TestHub;

  before(async () => {
    t = await startTestHub({
      authenticator: idp,
      logger,
      now: () => new Date(clock),
      config: {
        auth: {
          type: 'dummy',
          manageGroups: true,
          admin: { groups: ['teachers'] },
          state: { enabled: true, cryptoKey: KEY },
          refresh: { maxAgeSeconds: 300 },
        },
        singleuser: { authStateEnv: { ACCESS_TOKEN: 'access_token', GROUPS: 'userinfo.groups', ABSENT: 'no.such.path' } },
      },
    });
  });
  after(async () => {
    await t?.close();
    const all = lines.join('');
    for (const s of SECRETS) assert.ok(!all.includes(s), `a token reached the hub log: ${s.slice(0, 8)}…`);
  });

  const rawAuthState = async (name: string) =>
    (await (t.hub.store as SqlStore).db.selectFrom('users').select('auth_state').where('name', '=', name).executeTakeFirst())?.auth_state ?? null;

  test('the access token reaches the server environment and is stored encrypted', async () => {
    idp.identities.set('alice', {
      authState: { access_token: 'at-alice-1-SECRET', refresh_token: 'rt-alice-SECRET', userinfo: { groups: ['physics'], id: 7 } },
      groups: ['physics'],
    });
    await login(t.url, 'alice');
    const raw = await rawAuthState('alice');
    assert.match(String(raw), /^nbhub-as1\./);
    for (const s of SECRETS) assert.ok(!String(raw).includes(s));

    await t.api.startServer('alice');
    const env = (await (await fetch(`${t.url}user/alice/env`)).json()) as Record<string, string>;
    assert.equal(env.ACCESS_TOKEN, 'at-alice-1-SECRET');
    assert.equal(env.GROUPS, '["physics"]');
    assert.equal(env.ABSENT, undefined);
    assert.equal(env.JUPYTERHUB_USER, 'alice');
    const missing = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'singleuser.authStateEnv: variable not set');
    assert.deepEqual(missing.map((l) => [l.user, l.variable, l.path]), [['alice', 'ABSENT', 'no.such.path']]);
    await t.api.call('DELETE', '/users/alice/server');
  });

  test('auth_state is shown only to callers holding admin:auth_state', async () => {
    const full = await t.api.get('/users/alice');
    assert.equal(full.status, 200);
    assert.equal(full.body.auth_state.access_token, 'at-alice-1-SECRET');
    const listed = await t.api.get('/users');
    assert.equal(listed.body.find((u: { name: string }) => u.name === 'alice').auth_state, null, 'listings never carry it');

    await t.createUsers('reader');
    assert.equal((await t.api.call('PATCH', '/users/reader', { admin: true })).status, 200);
    const plain = await t.tokenFor('reader', { scopes: ['read:users!user=alice'] });
    const without = await t.as(plain).get('/users/alice');
    assert.equal(without.status, 200);
    assert.ok(!('auth_state' in without.body), 'no admin:auth_state: no auth_state key');
    const scoped = await t.tokenFor('reader', { scopes: ['read:users!user=alice', 'admin:auth_state!user=alice'] });
    const withState = await t.as(scoped).get('/users/alice');
    assert.equal(withState.body.auth_state.access_token, 'at-alice-1-SECRET');
    await t.createUsers('dave');
    const otherUser = await t.as(scoped).get('/users/dave');
    assert.equal(otherUser.status, 404, 'filtered to alice');
  });

  test('admins set auth_state through PATCH; it is stored sealed and read back decrypted', async () => {
    const r = await t.api.call('PATCH', '/users/alice', { auth_state: { access_token: 'at-alice-1-SECRET', note: 'patched' } });
    assert.equal(r.status, 200);
    assert.equal(r.body.auth_state.note, 'patched');
    assert.match(String(await rawAuthState('alice')), /^nbhub-as1\./);
    assert.equal((await t.api.get('/users/alice')).body.auth_state.note, 'patched');
  });

  test('manageGroups: groups follow the provider at each login; admin.groups grants and revokes admin', async () => {
    idp.identities.set('bob', { authState: { access_token: 'at-bob-SECRET' }, groups: ['teachers', 'physics'] });
    await login(t.url, 'bob');
    let bob = await t.api.get('/users/bob');
    assert.deepEqual(bob.body.groups, ['physics', 'teachers']);
    assert.equal(bob.body.admin, true);

    idp.identities.set('bob', { authState: { access_token: 'at-bob-SECRET' }, groups: ['chemistry'] });
    await login(t.url, 'bob');
    bob = await t.api.get('/users/bob');
    assert.deepEqual(bob.body.groups, ['chemistry']);
    assert.equal(bob.body.admin, false, 'left every admin group: admin revoked');
    assert.deepEqual(await t.hub.store.groupsOfUser('alice'), ['physics'], 'other users keep their groups');
    assert.deepEqual((await t.hub.store.getGroup('teachers'))?.members, []);
  });

  test('stale auth: one refresh for concurrent requests, and `updated` stores the new state', async () => {
    const token = await t.tokenFor('alice');
    const before = idp.refreshCalls.length;
    assert.equal((await t.as(token).get('/user')).status, 200);
    assert.equal(idp.refreshCalls.length, before, 'fresh auth: no refresh');

    clock += 301_000;
    idp.refreshPlan.set('alice', {
      kind: 'updated',
      authenticated: { name: 'alice', admin: null, authState: { access_token: 'at-alice-2-SECRET' }, groups: ['physics', 'astro'] },
    });
    const release = idp.hold();
    const pending = Array.from({ length: 5 }, () => t.as(token).get('/user'));
    await waitFor('the refresh to start', () => idp.refreshCalls.length > before);
    release();
    const results = await Promise.all(pending);
    assert.deepEqual(results.map((r) => r.status), [200, 200, 200, 200, 200]);
    assert.equal(idp.refreshCalls.length, before + 1, 'concurrent requests shared one refresh');
    assert.equal(idp.refreshCalls.at(-1)?.authState?.note, 'patched', 'the refresh saw the decrypted state');

    const alice = await t.api.get('/users/alice');
    assert.equal(alice.body.auth_state.access_token, 'at-alice-2-SECRET');
    assert.deepEqual(alice.body.groups, ['astro', 'physics']);
    assert.equal((await t.as(token).get('/user')).status, 200);
    assert.equal(idp.refreshCalls.length, before + 1, 'fresh again: no further refresh');
  });

  test('relogin on a request: sessions end, tokens are refused, logging in again restores access', async () => {
    const jar = await login(t.url, 'alice');
    const token = await t.tokenFor('alice');
    assert.equal((await jar.fetch(`${t.url}hub/home`)).status, 200);

    clock += 301_000;
    idp.refreshPlan.set('alice', { kind: 'relogin', reason: 'refresh token revoked', stopServers: false });
    const home = await jar.fetch(`${t.url}hub/home`);
    assert.equal(home.status, 302);
    assert.match(home.headers.get('location') ?? '', /\/hub\/login/);
    assert.equal((await t.as(token).get('/user')).status, 403);
    const calls = idp.refreshCalls.length;
    assert.equal((await t.as(token).get('/user')).status, 403);
    assert.equal(idp.refreshCalls.length, calls, 'no new provider call while the user must log in again');
    assert.ok(lines.some((l) => l.includes('user must log in again') && l.includes('refresh token revoked')));

    idp.refreshPlan.delete('alice');
    const again = await login(t.url, 'alice');
    assert.equal((await again.fetch(`${t.url}hub/home`)).status, 200);
    assert.equal((await t.as(token).get('/user')).status, 200);
  });

  test('pre-spawn refresh: relogin refuses the spawn (API 403, page with a login link)', async () => {
    idp.refreshPlan.set('alice', { kind: 'relogin', reason: 'account locked', stopServers: false });
    const api = await t.api.call('POST', '/users/alice/server');
    assert.equal(api.status, 403);
    assert.match(api.body.message, /log in again/);
    assert.equal((await t.api.get('/users/alice')).body.servers[''], undefined, 'no server was started');

    idp.refreshPlan.delete('alice');
    const jar = await login(t.url, 'alice');
    idp.refreshPlan.set('alice', { kind: 'relogin', reason: 'account locked', stopServers: false });
    const page = await jar.fetch(`${t.url}hub/spawn/alice`);
    assert.equal(page.status, 403);
    const html = await page.text();
    assert.match(html, /Please log in again/);
    assert.match(html, /href="\/hub\/login\?next=%2Fhub%2Fspawn%2Falice"/);
    const next = await jar.fetch(`${t.url}hub/home`);
    assert.equal(next.status, 302, 'the session was ended');
  });

  test('pre-spawn refresh: a provider failure refuses the spawn with 503 and keeps the user logged in', async () => {
    idp.refreshPlan.delete('alice');
    const jar = await login(t.url, 'alice');
    idp.refreshPlan.set('alice', new Error('connect ECONNREFUSED 127.0.0.1:9'));
    const r = await t.api.call('POST', '/users/alice/server');
    assert.equal(r.status, 503);
    assert.match(r.body.message, /Could not re-check your login with Scripted IdP/);
    assert.equal((await jar.fetch(`${t.url}hub/home`)).status, 200);
    idp.refreshPlan.delete('alice');
  });

  test('relogin with stopServers stops the running server', async () => {
    idp.refreshPlan.delete('alice');
    await login(t.url, 'alice');
    await t.api.startServer('alice');
    clock += 301_000;
    idp.refreshPlan.set('alice', { kind: 'relogin', reason: 'wiki account locked', stopServers: true });
    const token = await t.tokenFor('alice');
    assert.equal((await t.as(token).get('/user')).status, 403);
    await waitFor('the server to stop', async () => (await t.api.get('/users/alice')).body.servers[''] === undefined);
    idp.refreshPlan.delete('alice');
  });
});

describe('auth state switched off', () => {
  test('no auth state is kept at all, and GET shows null', async () => {
    const idp = new ScriptedAuthenticator();
    idp.identities.set('carol', { authState: { access_token: 'at-carol' } });
    const t = await startTestHub({ authenticator: idp });
    try {
      await login(t.url, 'carol', new CookieJar());
      assert.equal((await t.hub.store.getUser('carol'))?.encryptedAuthState, null);
      assert.equal((await t.api.get('/users/carol')).body.auth_state, null);
      const r = await t.api.call('PATCH', '/users/carol', { auth_state: { access_token: 'x' } });
      assert.equal(r.status, 200);
      assert.equal((await t.hub.store.getUser('carol'))?.encryptedAuthState, null);
      // pre-spawn refresh defaults to off without auth state
      await t.api.startServer('carol');
      assert.equal(idp.refreshCalls.length, 0);
    } finally {
      await t.close();
    }
  });
});
