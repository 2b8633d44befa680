// proxy.separateProcess: the proxy runs as its own process, so SIGKILLing the hub while a user
// works does not interrupt them — every request to their server, made every 100 ms through
// the whole crash and restart, succeeds — and the restarted hub re-uses the same proxy and
// reconciles its routes (a stray route added while the hub was down is removed).

import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import { after, test } from 'node:test';
import { runningProxy, stopProcess } from '../../src/proxy/managedProcess.ts';
import { e2eConfig } from '../support/e2eConfig.ts';
import { HubApi } from '../support/hubApi.ts';
import { REPO, startNbhub, type NbhubProcess } from '../support/nbhubProcess.ts';

const fixture = path.join(REPO, 'src/spawner/fixtures/http_fixture.py');
const cookieSecret = randomBytes(32).toString('hex');
const { yaml, serviceToken } = e2eConfig({
  hub: [`cookieSecret: "${cookieSecret}"`],
  singleuser: [`cmd: ["python3", "${fixture}"]`, 'startTimeout: 60'],
});
const configYaml = `${yaml}proxy:\n  separateProcess: true\n`;
// the token the hub derives for its proxy's API when proxy.secretToken is not set
const proxyToken = createHmac('sha256', Buffer.from(cookieSecret, 'hex')).update('nbhub proxy API token').digest('hex');

let hub: NbhubProcess | undefined;
let dataDir: string | undefined;

after(async () => {
  if (hub) {
    await new HubApi(hub.url, serviceToken).call('DELETE', '/users/alice/server').catch(() => undefined);
    await hub.stop();
  }
  const proxy = dataDir ? runningProxy(path.join(dataDir, 'proxy')) : null;
  if (proxy) await stopProcess(proxy.pid);
});

/** GET on a fresh connection; resolves with status and body, never rejects. */
function probe(url: string): Promise<{ status: number; body: string; error?: string }> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 2_000 }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', (err) => resolve({ status: 0, body, error: err.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => resolve({ status: 0, body: '', error: err.message }));
  });
}

function apiRequest(apiUrl: string, method: string, key: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(`${apiUrl}/api/routes${key}`, { method, headers: { Authorization: `token ${proxyToken}` }, agent: false }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

test('SIGKILL of the hub does not interrupt a user; the restarted hub re-uses the proxy and reconciles routes', { timeout: 180_000 }, async () => {
  hub = await startNbhub({ name: 'separate-proxy-1', configYaml });
  dataDir = hub.dataDir;
  const port = hub.port;
  let api = new HubApi(hub.url, serviceToken);
  await api.call('POST', '/users', { usernames: ['alice'] });
  await api.startServer('alice');
  const proxyBefore = runningProxy(path.join(dataDir, 'proxy'));
  assert.ok(proxyBefore, 'the hub started its proxy as a process of its own');
  assert.notEqual(proxyBefore.pid, hub.child.pid);
  const apiUrl = `http://127.0.0.1:${proxyBefore.apiPort}`;

  const aliceUrl = `${hub.url}user/alice/`;
  assert.deepEqual(await probe(aliceUrl), { status: 200, body: 'ok' });

  // alice "works": one request every 100 ms for the whole crash and restart
  const failures: string[] = [];
  let checks = 0;
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const started = Date.now();
      const r = await probe(aliceUrl);
      checks++;
      if (r.status !== 200 || r.body !== 'ok') failures.push(`${new Date().toISOString()} ${r.status} ${r.error ?? r.body.slice(0, 80)}`);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (Date.now() - started))));
    }
  })();

  await new Promise((resolve) => setTimeout(resolve, 500));
  await hub.kill();
  // while the hub is down: a route the hub never wanted appears in the proxy
  const stray = await apiRequest(apiUrl, 'POST', '/user/ghost', { target: 'http://127.0.0.1:9', user: 'ghost', server_name: '', jupyterhub: true });
  assert.equal(stray.status, 201);
  await new Promise((resolve) => setTimeout(resolve, 1_500));

  hub = await startNbhub({ name: 'separate-proxy-2', configYaml, dataDir, port });
  api = new HubApi(hub.url, serviceToken);
  const proxyAfter = runningProxy(path.join(dataDir, 'proxy'));
  assert.equal(proxyAfter?.pid, proxyBefore.pid, 'the restarted hub re-used the running proxy');
  const routes = JSON.parse((await apiRequest(apiUrl, 'GET', '')).body) as Record<string, { target: string }>;
  assert.equal(routes['/user/ghost'], undefined, 'the stray route was reconciled away');
  assert.ok(routes['/user/alice'], "alice's route is still there");
  assert.ok(routes['/'], "the hub's route is there");
  const alice = (await api.get('/users/alice')).body;
  assert.equal(alice.servers[''].ready, true);
  await new Promise((resolve) => setTimeout(resolve, 500));

  polling = false;
  await poller;
  assert.deepEqual(failures, [], `requests to alice's server failed during the hub crash (${checks} checks)`);
  assert.ok(checks >= 20, `polled ${checks} times`);
});
