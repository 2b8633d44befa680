// HTTPS certificates over ACME against Let's Encrypt's test CA, pebble (built from the Go module
// proxy by scripts/pebble.sh). pebble-challtestsrv answers pebble's DNS queries with 127.0.0.1,
// so pebble really validates the HTTP-01 challenge against `nbhub proxy`'s challenge port.
// Then: the proxy serves HTTPS with the issued certificate (verified against pebble's root), a
// restart re-uses the stored certificate instead of ordering a new one, and a certificate
// past two thirds of its (here 45-second) lifetime is renewed and swapped in without a restart.

import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { freePort, REPO, startNbhub, type NbhubProcess } from '../support/nbhubProcess.ts';
import { eventually, request, startBackend, type Backend } from './servers.ts';

const DOMAIN = 'nbhub.test';
const CERT_LIFETIME_S = 45;

interface Started {
  child: ChildProcess;
  output: () => string;
}

function start(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp, limitMs = 60_000): Promise<Started> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const collect = (chunk: Buffer) => (out += chunk.toString());
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not become ready within ${limitMs / 1000} s:\n${out.slice(-3000)}`));
    }, limitMs);
    const check = () => {
      if (ready.test(out)) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        child.stderr!.off('data', check);
        resolve({ child, output: () => out });
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${out.slice(-3000)}`));
    });
  });
}

async function stop(started: Started | undefined): Promise<void> {
  if (!started || started.child.exitCode !== null || started.child.signalCode !== null) return;
  started.child.kill('SIGTERM');
  const exited = await Promise.race([once(started.child, 'exit').then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
  if (!exited) started.child.kill('SIGKILL');
}

function getPem(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk));
        res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: ${res.statusCode}`))));
      })
      .on('error', reject);
  });
}

/** The certificate the proxy serves for DOMAIN, verified against `ca`. */
function servedCertificate(port: number, ca: string): Promise<{ serial: string; authorized: boolean; error: string | null; notAfter: string }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: DOMAIN, ca, rejectUnauthorized: false }, () => {
      const cert = socket.getPeerCertificate();
      resolve({ serial: cert.serialNumber, authorized: socket.authorized, error: socket.authorizationError?.message ?? null, notAfter: cert.valid_to });
      socket.end();
    });
    socket.on('error', reject);
  });
}

describe('ACME (Let’s Encrypt) certificates against pebble', { timeout: 240_000 }, () => {
  let pebbleDir: string;
  let dir: string;
  let backend: Backend;
  let challtestsrv: Started | undefined;
  let pebble: Started | undefined;
  let proxy: Started | undefined;
  let minica: string;
  let root: string;
  let directoryUrl: string;
  let acmeHttpPort: number;
  let proxyPort: number;

  before(async () => {
    pebbleDir = execFileSync('bash', [path.join(REPO, 'scripts/pebble.sh'), '--print-dir'], { encoding: 'utf8' }).trim();
    execFileSync('bash', [path.join(REPO, 'scripts/pebble.sh')], { stdio: 'inherit', timeout: 900_000 });
    minica = readFileSync(path.join(pebbleDir, 'certs/pebble.minica.pem'), 'utf8');
    dir = mkdtempSync(path.join(tmpdir(), 'nbhub-acme-'));
    backend = await startBackend('hub');
    const [dnsPort, challMgmtPort, pebblePort, pebbleMgmtPort, tlsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    acmeHttpPort = await freePort();
    proxyPort = await freePort();

    // every name resolves to 127.0.0.1 (A only: no AAAA, so validation never tries ::1)
    challtestsrv = await start(
      'pebble-challtestsrv',
      path.join(pebbleDir, 'bin/pebble-challtestsrv'),
      ['-dnsserver', `127.0.0.1:${dnsPort}`, '-defaultIPv4', '127.0.0.1', '-defaultIPv6', '', '-http01', '', '-https01', '', '-tlsalpn01', '', '-doh', '', '-management', `127.0.0.1:${challMgmtPort}`],
      { PATH: process.env.PATH },
      /Starting management server/,
    );
    const config = {
      pebble: {
        listenAddress: `127.0.0.1:${pebblePort}`,
        managementListenAddress: `127.0.0.1:${pebbleMgmtPort}`,
        certificate: path.join(pebbleDir, 'certs/localhost/cert.pem'),
        privateKey: path.join(pebbleDir, 'certs/localhost/key.pem'),
        httpPort: acmeHttpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
        retryAfter: { authz: 1, order: 1 },
        profiles: { default: { description: 'short-lived, for the renewal test', validityPeriod: CERT_LIFETIME_S } },
      },
    };
    writeFileSync(path.join(dir, 'pebble.json'), JSON.stringify(config));
    pebble = await start(
      'pebble',
      path.join(pebbleDir, 'bin/pebble'),
      ['-config', path.join(dir, 'pebble.json'), '-dnsserver', `127.0.0.1:${dnsPort}`],
      // no random validation delay, no deliberately rejected nonces
      { PATH: process.env.PATH, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' },
      /ACME directory available at/,
    );
    directoryUrl = `https://127.0.0.1:${pebblePort}/dir`;
    root = await getPem(`https://127.0.0.1:${pebbleMgmtPort}/roots/0`, minica);
  });

  let hub: NbhubProcess | undefined;

  after(async () => {
    await hub?.stop();
    await stop(proxy);
    await stop(pebble);
    await stop(challtestsrv);
    await backend?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const startProxy = () =>
    start(
      'nbhub proxy',
      process.execPath,
      [
        path.join(REPO, 'bin/nbhub.mjs'), 'proxy',
        '--ip', '127.0.0.1', '--port', String(proxyPort), '--api-ip', '127.0.0.1', '--api-port', '0',
        '--default-target', backend.url,
        '--acme-domain', DOMAIN, '--acme-email', `admin@${DOMAIN}`, '--acme-directory', directoryUrl,
        '--acme-dir', path.join(dir, 'acme'), '--acme-http-port', String(acmeHttpPort),
      ],
      // the proxy trusts pebble's directory certificate the way an admin would trust a private CA
      { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: path.join(pebbleDir, 'certs/pebble.minica.pem'), CONFIGPROXY_AUTH_TOKEN: 'acme-test' },
      /"msg":"proxying https:/,
      120_000,
    );

  it('gets a certificate over HTTP-01, serves HTTPS with it, keeps it across a restart and renews it', async () => {
    proxy = await startProxy();
    assert.match(proxy.output(), /ACME certificate issued and stored/);
    if (process.env.NBHUB_TEST_TRACE) process.stderr.write(pebble!.output());
    const issued = await servedCertificate(proxyPort, root);
    assert.equal(issued.error, null, 'the served chain verifies against pebble’s root for nbhub.test');
    assert.equal(issued.authorized, true);

    const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port: proxyPort, path: '/hub/home', servername: DOMAIN, headers: { Host: DOMAIN }, ca: root, agent: false }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        })
        .on('error', reject);
    });
    assert.equal(reply.status, 200);
    assert.equal(JSON.parse(reply.body).headers['x-forwarded-proto'], 'https');
    const redirect = await request(`http://127.0.0.1:${acmeHttpPort}/hub/home`, { headers: { Host: DOMAIN } });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.location, `https://${DOMAIN}:${proxyPort}/hub/home`);

    // a restart serves the stored certificate: nothing is ordered
    const certFile = path.join(dir, 'acme', 'cert.pem');
    const writtenAt = statSync(certFile).mtimeMs;
    assert.equal(statSync(certFile).mode & 0o777, 0o600);
    await stop(proxy);
    proxy = await startProxy();
    assert.match(proxy.output(), /using the stored ACME certificate/);
    assert.doesNotMatch(proxy.output(), /requesting a certificate/);
    assert.equal((await servedCertificate(proxyPort, root)).serial, issued.serial);
    assert.equal(statSync(certFile).mtimeMs, writtenAt);

    // two thirds into its lifetime the certificate is renewed and served without a restart
    let renewed = issued;
    await eventually(
      async () => {
        renewed = await servedCertificate(proxyPort, root);
        return renewed.serial !== issued.serial;
      },
      'the renewed certificate to be served',
      CERT_LIFETIME_S * 1000 + 30_000,
    );
    assert.equal(renewed.error, null);
    // the log line travels through a pipe and may arrive a moment after the new certificate is served
    await eventually(() => /serving the renewed certificate/.test(proxy!.output()), 'the renewal to be logged');
    assert.notEqual(statSync(certFile).mtimeMs, writtenAt);
  });

  it('nbhub start with proxy.https.type letsencrypt serves the hub over HTTPS with an issued certificate', async () => {
    await stop(proxy); // frees the challenge port pebble validates against
    const yaml = [
      'auth:',
      '  type: dummy',
      'proxy:',
      '  https:',
      '    enabled: true',
      '    type: letsencrypt',
      `    hosts: [${DOMAIN}]`,
      `    httpPort: ${acmeHttpPort}`,
      '    letsencrypt:',
      `      contactEmail: admin@${DOMAIN}`,
      `      acmeServer: ${directoryUrl}`,
      '',
    ].join('\n');
    hub = await startNbhub({
      name: 'acme-hub',
      configYaml: yaml,
      port: proxyPort,
      env: { NODE_EXTRA_CA_CERTS: path.join(pebbleDir, 'certs/pebble.minica.pem') },
    });
    assert.match(hub.url, /^https:\/\/127\.0\.0\.1:\d+\/$/);
    const served = await servedCertificate(proxyPort, root);
    assert.equal(served.error, null, 'the hub’s proxy serves a certificate from pebble for nbhub.test');
    const login = await new Promise<number>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port: proxyPort, path: '/hub/login', servername: DOMAIN, headers: { Host: DOMAIN }, ca: root, agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
    });
    assert.equal(login, 200);
    assert.equal(statSync(path.join(hub.dataDir, 'proxy', 'acme', 'cert.pem')).mode & 0o777, 0o600);
  });
});
