// The hub's proxy shapes (src/hub/proxySetup.ts) with proxy.https: manual certificates (HTTPS
// plus the plain-HTTP redirect), offload (X-Forwarded-Proto from the load balancer honoured),
// and the proxy as its own process: re-used by the next hub when nothing changed, replaced
// (routes carried over) when its certificate changed.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/index.ts';
import { buildProxy, type ProxySetup } from '../../src/hub/proxySetup.ts';
import { runningProxy, stopProcess } from '../../src/proxy/managedProcess.ts';
import { freePort } from '../support/nbhubProcess.ts';
import { eventually, quietLogger, request, startBackend, type Backend } from './servers.ts';

function selfSigned(dir: string, name: string): { key: string; cert: string } {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.crt`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${name}`], {
    stdio: 'ignore',
  });
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

/** YAML for proxy.https; PEM blocks as YAML literal blocks. */
function httpsYaml(lines: string[], manual?: { key: string; cert: string }): string {
  let yaml = `proxy:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
  if (manual) {
    const block = (pem: string) => pem.trim().split('\n').map((l) => `        ${l}`).join('\n');
    yaml += `    manual:\n      key: |\n${block(manual.key)}\n      cert: |\n${block(manual.cert)}\n`;
  }
  return yaml;
}

function httpsGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; certSubject: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { rejectUnauthorized: false, headers, agent: false }, (res) => {
        let body = '';
        const certSubject = String((res.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN ?? '');
        res.on('data', (chunk: Buffer) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, certSubject }));
      })
      .on('error', reject);
  });
}

describe('hub proxy setup with proxy.https', { timeout: 120_000 }, () => {
  let backend: Backend;
  let dir: string;
  let first: { key: string; cert: string };
  let second: { key: string; cert: string };
  const secret = randomBytes(32);

  before(async () => {
    backend = await startBackend('hub');
    dir = mkdtempSync(path.join(tmpdir(), 'nbhub-proxy-setup-'));
    first = selfSigned(dir, 'first.example');
    second = selfSigned(dir, 'second.example');
  });
  after(async () => {
    const proxy = runningProxy(path.join(dir, 'data', 'proxy'));
    if (proxy) await stopProcess(proxy.pid);
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function build(yaml: string, port = 0): Promise<ProxySetup> {
    const { config } = loadConfig({ text: yaml, env: {} });
    return buildProxy({
      config,
      logger: quietLogger,
      hubUrl: backend.url,
      hubPrefix: '/hub/',
      ip: '127.0.0.1',
      port,
      now: () => new Date(),
      dataDir: path.join(dir, 'data'),
      secret,
    });
  }

  it('manual: serves HTTPS with the configured certificate and redirects plain HTTP', async () => {
    const httpPort = await freePort();
    const setup = await build(httpsYaml(['https:', '  enabled: true', '  type: manual', `  httpPort: ${httpPort}`], first));
    try {
      assert.match(setup.publicUrl, /^https:\/\/127\.0\.0\.1:\d+\/$/);
      await setup.client.addRoute('/', backend.url, { hub: true });
      const reply = await httpsGet(`${setup.publicUrl}hub/x`);
      assert.equal(reply.certSubject, 'first.example');
      assert.equal(JSON.parse(reply.body).headers['x-forwarded-proto'], 'https');
      const redirect = await request(`http://127.0.0.1:${httpPort}/hub/login`, { headers: { Host: 'hub.example.org' } });
      assert.equal(redirect.status, 301);
      assert.equal(redirect.headers.location, `https://hub.example.org:${new URL(setup.publicUrl).port}/hub/login`);
    } finally {
      await setup.close();
    }
  });

  it("offload: plain HTTP that passes the load balancer's X-Forwarded-Proto on unchanged", async () => {
    const setup = await build(httpsYaml(['https:', '  enabled: true', '  type: offload']));
    try {
      assert.match(setup.publicUrl, /^http:/);
      await setup.client.addRoute('/', backend.url, { hub: true });
      const seen = JSON.parse((await request(`${setup.publicUrl}hub/x`, { headers: { Host: 'hub.example.org', 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '203.0.113.7' } })).body);
      assert.equal(seen.headers['x-forwarded-proto'], 'https');
      assert.equal(seen.headers['x-forwarded-port'], '443');
      assert.equal(seen.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
    } finally {
      await setup.close();
    }
  });

  it('separate process: re-used when nothing changed, replaced with its routes when the certificate changed', async () => {
    const port = await freePort();
    const lines = ['separateProcess: true', 'https:', '  enabled: true', '  type: manual', '  httpPort: null'];
    const one = await build(httpsYaml(lines, first), port);
    const proxyDir = path.join(dir, 'data', 'proxy');
    const pid = runningProxy(proxyDir)?.pid;
    assert.ok(pid, 'a proxy process runs');
    assert.notEqual(pid, process.pid);
    await one.client.addRoute('/user/alice', backend.url, { user: 'alice', server_name: '', jupyterhub: true });
    assert.equal((await httpsGet(`${one.publicUrl}user/alice/lab`)).certSubject, 'first.example');
    // the proxy writes its own log (--log-file) and reopens it on SIGHUP, as logrotate expects
    const log = path.join(proxyDir, 'proxy.log');
    assert.match(readFileSync(log, 'utf8'), /adding route \/user\/alice/);
    renameSync(log, `${log}.rotated`);
    process.kill(pid, 'SIGHUP');
    await eventually(() => existsSync(log), 'the proxy reopens proxy.log after SIGHUP');
    await one.client.addRoute('/user/bob', backend.url, { user: 'bob', server_name: '', jupyterhub: true });
    await eventually(() => /adding route \/user\/bob/.test(readFileSync(log, 'utf8')), 'new lines go to the new proxy.log');
    assert.doesNotMatch(readFileSync(`${log}.rotated`, 'utf8'), /\/user\/bob/);
    assert.equal(runningProxy(proxyDir)?.pid, pid, 'SIGHUP does not stop the proxy');
    await one.client.deleteRoute('/user/bob');
    await one.close();
    assert.equal(runningProxy(proxyDir)?.pid, pid, 'closing the hub side leaves the proxy running');

    const two = await build(httpsYaml(lines, first), port);
    assert.equal(runningProxy(proxyDir)?.pid, pid, 'the same settings re-use the running proxy');
    await two.close();

    const three = await build(httpsYaml(lines, second), port);
    try {
      const replaced = runningProxy(proxyDir)?.pid;
      assert.ok(replaced !== undefined && replaced !== pid, 'a new certificate means a new proxy process');
      const reply = await httpsGet(`${three.publicUrl}user/alice/lab`);
      assert.equal(reply.certSubject, 'second.example');
      assert.equal(JSON.parse(reply.body).url, '/user/alice/lab', "alice's route carried over through the routes file");
      assert.equal((await three.client.getRoutes())['/user/alice']?.user, 'alice');
    } finally {
      await three.close();
    }
  });
});
