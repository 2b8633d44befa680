// The Spawner conformance suite: every implementation's test calls runSpawnerConformance.
// The server it starts is fixtures/http_fixture.py (binds the address in
// JUPYTERHUB_SERVICE_URL, answers under its prefix, or prints lines and exits on request).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SpawnFailedError, type ProgressEvent, type Spawner, type SpawnSpec, type StartResult } from './types.ts';

export interface SpawnerFixture {
  /** argv running fixtures/http_fixture.py wherever this spawner runs servers. */
  fixtureCmd: string[];
  /** argv whose command does not exist there. */
  missingCmd?: string[];
  /** Cases this implementation's test environment cannot show, with the reason (reported as skipped). */
  skip?: { missingCommand?: string };
  /** Called once at the end with every hub user name the suite used (delete accounts etc.). */
  cleanup?: (userNames: string[]) => Promise<void>;
}

const GRACE_MS = 5000;

export function runSpawnerConformance(label: string, makeSpawner: () => Spawner | Promise<Spawner>, fixture: SpawnerFixture): void {
  describe(`Spawner conformance: ${label}`, { timeout: 120_000 }, () => {
    const run = randomBytes(3).toString('hex');
    const userNames = new Set<string>();
    const started: { spawner: Spawner; state: Record<string, unknown> }[] = [];
    const spawners: Spawner[] = [];

    const newSpawner = async () => {
      const s = await makeSpawner();
      spawners.push(s);
      return s;
    };
    const user = (n: string) => {
      const name = `sc${run}-${n}`;
      userNames.add(name);
      return name;
    };
    const spec = (userName: string, serverName = '', extraEnv: Record<string, string> = {}, cmd = fixture.fixtureCmd): SpawnSpec => {
      userNames.add(userName);
      const prefix = `/user/${encodeURIComponent(userName)}/${serverName ? `${encodeURIComponent(serverName)}/` : ''}`;
      return { userName, serverName, env: { ...protocolEnv(userName, serverName, prefix), ...extraEnv }, servicePrefix: prefix, cmd, args: [], userOptions: {} };
    };
    const start = async (spawner: Spawner, sp: SpawnSpec, events: ProgressEvent[] = []): Promise<StartResult> => {
      const r = await spawner.start(sp, { progress: (e) => events.push(e), signal: new AbortController().signal });
      started.push({ spawner, state: r.state });
      return r;
    };

    after(async () => {
      for (const { spawner, state } of started) await spawner.stop(state, { graceMs: GRACE_MS }).catch(() => undefined);
      for (const s of spawners) await s.close();
      await fixture.cleanup?.([...userNames]);
    });

    it('starts a server that answers at target + prefix, with the hub-given environment', async () => {
      const spawner = await newSpawner();
      const sp = spec(user('alice'));
      const events: ProgressEvent[] = [];
      const { target, state } = await start(spawner, sp, events);
      assert.match(target, /^https?:\/\/[^/]+$/, 'target is an origin without a path');
      for (const e of events) assert.ok(e.progress >= 0 && e.progress <= 100 && e.message, 'progress events are well-formed');
      const root = await waitForHttp(`${target}${sp.servicePrefix}`);
      assert.equal(root.body, 'ok');
      const env = JSON.parse((await httpGet(`${target}${sp.servicePrefix}env`)).body) as Record<string, string>;
      for (const [k, v] of Object.entries(sp.env)) assert.equal(env[k], v, `env ${k} reaches the server`);
      assert.equal(env.JUPYTERHUB_SERVICE_URL, `${target}${sp.servicePrefix}`);
      assert.deepEqual(await spawner.poll(state), { running: true });
      await spawner.stop(state, { graceMs: GRACE_MS });
      assert.equal((await spawner.poll(state)).running, false);
      await assert.rejects(httpGet(`${target}${sp.servicePrefix}`), /ECONNREFUSED|ECONNRESET/, 'port is closed after stop');
    });

    it('reports an exit code and the last log lines when the server dies', async () => {
      const spawner = await newSpawner();
      const { state } = await start(spawner, spec(user('crash'), '', { FIXTURE_PRINT: 'starting up\nboom', FIXTURE_EXIT_CODE: '3' }));
      const r = await spawner.waitForExit(state, new AbortController().signal);
      assert.equal(r.running, false);
      assert.equal(r.exitCode, 3);
      assert.match(r.message, /3/);
      assert.ok(r.logTail.includes('boom'), `log tail has the output: ${JSON.stringify(r.logTail)}`);
      const polled = await spawner.poll(state);
      assert.equal(polled.running, false);
      assert.ok((await spawner.logTail(state, 1)).includes('boom'));
      await spawner.stop(state, { graceMs: GRACE_MS }); // stopping a dead server is fine
    });

    it('stop is idempotent', async () => {
      const spawner = await newSpawner();
      const sp = spec(user('twice'));
      const { target, state } = await start(spawner, sp);
      await waitForHttp(`${target}${sp.servicePrefix}`);
      await spawner.stop(state, { graceMs: GRACE_MS });
      await spawner.stop(state, { graceMs: GRACE_MS });
      await Promise.all([spawner.stop(state, { graceMs: GRACE_MS }), spawner.stop(state, { graceMs: GRACE_MS })]);
      assert.equal((await spawner.poll(state)).running, false);
    });

    it('state survives JSON: a new spawner instance polls, watches and stops the server (hub restart)', async () => {
      const first = await newSpawner();
      const sp = spec(user('adopt'));
      const { target, state } = await start(first, sp);
      await waitForHttp(`${target}${sp.servicePrefix}`);
      await first.close();
      const persisted = JSON.parse(JSON.stringify(state)) as Record<string, unknown>;
      const second = await newSpawner();
      assert.deepEqual(await second.poll(persisted), { running: true });
      const exited = second.waitForExit(persisted, new AbortController().signal);
      await second.stop(persisted, { graceMs: GRACE_MS });
      const r = await exited;
      assert.equal(r.running, false);
      assert.equal((await second.poll(persisted)).running, false);
      await assert.rejects(httpGet(`${target}${sp.servicePrefix}`), /ECONNREFUSED|ECONNRESET/);
    });

    it('runs a default and a named server of one user side by side', async () => {
      const spawner = await newSpawner();
      const name = user('Named.User');
      const a = spec(name, '');
      const b = spec(name, 'second', { FIXTURE_PRINT: 'i am the named one' });
      const [ra, rb] = await Promise.all([start(spawner, a), start(spawner, b)]);
      assert.notEqual(ra.target, rb.target);
      await waitForHttp(`${ra.target}${a.servicePrefix}`);
      await waitForHttp(`${rb.target}${b.servicePrefix}`);
      assert.ok((await spawner.logTail(rb.state, 50)).includes('i am the named one'));
      assert.ok(!(await spawner.logTail(ra.state, 50)).includes('i am the named one'), 'logs are per server');
      await spawner.stop(ra.state, { graceMs: GRACE_MS });
      assert.equal((await spawner.poll(ra.state)).running, false);
      assert.deepEqual(await spawner.poll(rb.state), { running: true });
      await spawner.stop(rb.state, { graceMs: GRACE_MS });
    });

    it('waitForExit rejects when its signal aborts, and the server keeps running', async () => {
      const spawner = await newSpawner();
      const sp = spec(user('abort'));
      const { state } = await start(spawner, sp);
      const ac = new AbortController();
      const w = spawner.waitForExit(state, ac.signal);
      ac.abort(new Error('no longer interested'));
      await assert.rejects(w, /no longer interested/);
      assert.deepEqual(await spawner.poll(state), { running: true });
      await spawner.stop(state, { graceMs: GRACE_MS });
    });

    it('a missing command fails start with SpawnFailedError', { skip: fixture.skip?.missingCommand ?? false }, async () => {
      const spawner = await newSpawner();
      const missing = fixture.missingCmd ?? ['/nonexistent/nbhub-no-such-command'];
      await assert.rejects(spawner.start(spec(user('missing'), '', {}, missing), { progress: () => undefined, signal: new AbortController().signal }), (e) => {
        assert.ok(e instanceof SpawnFailedError, `got ${String(e)}`);
        assert.equal(e.code, 'SPAWN_FAILED');
        assert.match(e.message, /nbhub-no-such-command|not found/);
        return true;
      });
    });
  });
}

/** A protocol.md §1.2 environment with made-up values. */
function protocolEnv(userName: string, serverName: string, prefix: string): Record<string, string> {
  const token = randomBytes(16).toString('hex');
  const scopes = JSON.stringify([`access:servers!server=${userName}/${serverName}`, `access:servers!user=${userName}`]);
  return {
    JUPYTERHUB_API_TOKEN: token,
    JPY_API_TOKEN: token,
    JUPYTERHUB_CLIENT_ID: `jupyterhub-user-${encodeURIComponent(userName)}${serverName ? `-${encodeURIComponent(serverName)}` : ''}`,
    JUPYTERHUB_API_URL: 'http://127.0.0.1:8081/hub/api',
    JUPYTERHUB_ACTIVITY_URL: `http://127.0.0.1:8081/hub/api/users/${encodeURIComponent(userName)}/activity`,
    JUPYTERHUB_BASE_URL: '/',
    JUPYTERHUB_SERVICE_PREFIX: prefix,
    JUPYTERHUB_OAUTH_CALLBACK_URL: `${prefix}oauth_callback`,
    JUPYTERHUB_OAUTH_ACCESS_SCOPES: scopes,
    JUPYTERHUB_OAUTH_SCOPES: scopes,
    JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES: '[]',
    JUPYTERHUB_USER: userName,
    JUPYTERHUB_SERVER_NAME: serverName,
    JUPYTERHUB_HOST: '',
    JUPYTERHUB_COOKIE_HOST_PREFIX_ENABLED: '0',
    JUPYTERHUB_PUBLIC_URL: '',
    JUPYTERHUB_PUBLIC_HUB_URL: '',
  };
}

export function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Retries until the URL answers 200 (the server is still starting); gives up after 30 s. */
export async function waitForHttp(url: string): Promise<{ status: number; body: string }> {
  let last: unknown;
  for (let i = 0; i < 300; i++) {
    try {
      const r = await httpGet(url);
      if (r.status === 200) return r;
      last = new Error(`status ${r.status}`);
    } catch (e) {
      last = e;
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer 200: ${String(last)}`);
}
