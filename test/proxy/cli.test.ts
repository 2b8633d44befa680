// `nbhub proxy` as a child process: API with the env token, traffic through the proxy,
// metrics, pid file, graceful SIGTERM.

import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import https from 'node:https';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { readProxyState, tokenSha256 } from '../../src/proxy/proxyState.ts';
import { eventually, request, startBackend, type Backend } from './servers.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TOKEN = 'cli-test-token';

interface Started {
  child: ChildProcess;
  proxyUrl: string;
  apiUrl: string;
  metricsUrl: string | null;
  output: () => string;
}

function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/proxy/cli-main.ts', ...args], {
    cwd: repo,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    let proxyUrl: string | null = null;
    let metricsUrl: string | null = null;
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const proxied = /"msg":"proxying (https?):\/\/([^:]+):(\d+) /.exec(out);
      if (proxied) proxyUrl = `${proxied[1]}://${proxied[2]}:${proxied[3]}`;
      const metrics = /"msg":"metrics at (http:\/\/[^"]+)\/metrics"/.exec(out);
      if (metrics) metricsUrl = metrics[1];
      const api = /"msg":"proxy API at (http:\/\/[^"]+)\/api\/routes"/.exec(out);
      const wantMetrics = args.includes('--metrics-port');
      if (api && proxyUrl && (!wantMetrics || metricsUrl)) {
        resolve({ child, proxyUrl, apiUrl: api[1], metricsUrl, output: () => out });
      }
    });
    child.once('exit', (code) => reject(new Error(`proxy exited early (${code}): ${out}`)));
  });
}

describe('nbhub proxy command', { timeout: 60_000 }, () => {
  let backend: Backend;
  let dir: string;
  before(async () => {
    backend = await startBackend('hub', { websocket: true });
    dir = mkdtempSync(path.join(tmpdir(), 'nbhub-proxy-cli-'));
  });
  after(async () => {
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the API and the proxy, and stops on SIGTERM', async () => {
    const pidFile = path.join(dir, 'proxy.pid');
    const started = await startCli(
      ['--ip', '127.0.0.1', '--port', '0', '--api-ip', '127.0.0.1', '--api-port', '0', '--metrics-port', '0', '--metrics-ip', '127.0.0.1', '--pid-file', pidFile],
      { CONFIGPROXY_AUTH_TOKEN: TOKEN },
    );
    const { child, proxyUrl, apiUrl } = started;
    try {
      assert.equal(readFileSync(pidFile, 'utf8'), String(child.pid));
      assert.equal((await request(`${proxyUrl}/_chp_healthz`)).body, '{"status":"OK"}');

      const bearer = await request(`${apiUrl}/api/routes`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      assert.equal(bearer.status, 403);
      const add = await request(`${apiUrl}/api/routes/`, {
        method: 'POST',
        headers: { Authorization: `token ${TOKEN}` },
        body: JSON.stringify({ target: backend.url, hub: true, jupyterhub: true }),
      });
      assert.equal(add.status, 201);

      const proxied = JSON.parse((await request(`${proxyUrl}/hub/api?token=abc`)).body);
      assert.equal(proxied.backend, 'hub');
      assert.equal(proxied.url, '/hub/api?token=abc');

      const ws = new WebSocket(`${proxyUrl.replace('http', 'ws')}/user/x/api/events`);
      const [hello] = await once(ws, 'message');
      assert.equal(JSON.parse(String(hello)).backend, 'hub');

      const routes = JSON.parse((await request(`${apiUrl}/api/routes`, { headers: { Authorization: `token ${TOKEN}` } })).body);
      assert.equal(routes['/'].target, backend.url);
      assert.equal(typeof routes['/'].last_activity, 'string');

      const metrics = await request(`${started.metricsUrl}/metrics`);
      assert.match(metrics.body, /nbhub_proxy_requests_total\{code="200"\} [1-9]/);
      assert.match(metrics.body, /nbhub_proxy_routes 1/);

      const wsClosed = once(ws, 'close');
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      await wsClosed;
      assert.equal(code, 0);
      assert.equal(existsSync(pidFile), false);
      assert.doesNotMatch(started.output(), new RegExp(TOKEN));
      assert.doesNotMatch(started.output(), /token=abc/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('installs --default-target and answers without a token when none is set', async () => {
    const { child, proxyUrl, apiUrl, output } = await startCli([
      '--ip', '127.0.0.1', '--port', '0', '--api-ip', '127.0.0.1', '--api-port', '0', '--default-target', backend.url,
    ]);
    try {
      assert.equal(JSON.parse((await request(`${proxyUrl}/anything`)).body).backend, 'hub');
      assert.equal((await request(`${apiUrl}/api/routes`)).status, 200);
      assert.match(output(), /not authenticated/);
      child.kill('SIGINT');
      const [code] = await once(child, 'exit');
      assert.equal(code, 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('serves HTTPS with --ssl-key/--ssl-cert and redirects plain HTTP with --redirect-port', async () => {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    const redirectProbe = await startBackend('probe');
    const redirectPort = redirectProbe.port;
    await redirectProbe.close();
    const { child, proxyUrl } = await startCli([
      '--ip', '127.0.0.1', '--port', '0', '--api-ip', '127.0.0.1', '--api-port', '0',
      '--ssl-key', key, '--ssl-cert', cert, '--redirect-port', String(redirectPort), '--redirect-to', '8443', '--default-target', backend.url,
    ]);
    try {
      assert.match(proxyUrl, /^https:/);
      const body = await new Promise<string>((resolve, reject) => {
        https.get(`${proxyUrl}/hub/x`, { rejectUnauthorized: false }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk));
          res.on('end', () => resolve(text));
        }).on('error', reject);
      });
      const seen = JSON.parse(body);
      assert.equal(seen.backend, 'hub');
      assert.equal(seen.headers['x-forwarded-proto'], 'https');
      const redirect = await request(`http://127.0.0.1:${redirectPort}/hub/login?next=x`, { headers: { Host: 'hub.example.org' } });
      assert.equal(redirect.status, 301);
      assert.equal(redirect.headers.location, 'https://hub.example.org:8443/hub/login?next=x');
      child.kill('SIGTERM');
      assert.equal((await once(child, 'exit'))[0], 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('reloads its routes after being killed (--routes-file) and describes itself in --state-file', async () => {
    const routesFile = path.join(dir, 'routes.json');
    const stateFile = path.join(dir, 'state.json');
    const args = ['--ip', '127.0.0.1', '--port', '0', '--api-ip', '127.0.0.1', '--api-port', '0', '--routes-file', routesFile, '--state-file', stateFile];
    const first = await startCli(args, { CONFIGPROXY_AUTH_TOKEN: TOKEN });
    try {
      const state = readProxyState(stateFile);
      assert.equal(state?.pid, first.child.pid);
      assert.equal(state?.tokenSha256, tokenSha256(TOKEN));
      assert.deepEqual(state?.argv, args);
      assert.equal(`http://127.0.0.1:${state?.port}`, first.proxyUrl);
      assert.doesNotMatch(readFileSync(stateFile, 'utf8'), new RegExp(TOKEN));
      const add = await request(`${first.apiUrl}/api/routes/user/alice`, {
        method: 'POST',
        headers: { Authorization: `token ${TOKEN}` },
        body: JSON.stringify({ target: backend.url, user: 'alice', jupyterhub: true }),
      });
      assert.equal(add.status, 201);
      await eventually(() => existsSync(routesFile) && readFileSync(routesFile, 'utf8').includes('/user/alice'), 'route written to the routes file');
    } finally {
      first.child.kill('SIGKILL');
      await once(first.child, 'exit');
    }
    const second = await startCli(args, { CONFIGPROXY_AUTH_TOKEN: TOKEN });
    try {
      // the very first request after the restart is routed: no hub sync needed
      const reply = await request(`${second.proxyUrl}/user/alice/lab`);
      assert.equal(reply.status, 200);
      assert.equal(JSON.parse(reply.body).url, '/user/alice/lab');
      const routes = JSON.parse((await request(`${second.apiUrl}/api/routes`, { headers: { Authorization: `token ${TOKEN}` } })).body);
      assert.deepEqual(Object.keys(routes), ['/user/alice']);
      assert.equal(routes['/user/alice'].user, 'alice');
      second.child.kill('SIGTERM');
      assert.equal((await once(second.child, 'exit'))[0], 0);
      assert.equal(existsSync(stateFile), false, 'a stopped proxy removes its state file');
    } finally {
      if (second.child.exitCode === null) second.child.kill('SIGKILL');
    }
  });

  it('exits with status 2 and the option in the message on bad options', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/proxy/cli-main.ts', '--port', 'many'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const [code] = await once(child, 'exit');
    assert.equal(code, 2);
    assert.match(err, /PROXY_CLI_BAD_OPTION.*--port/);
  });
});
