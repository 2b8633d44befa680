// Outbound calls to a provider over real loopback HTTPS with a self-signed certificate:
// verification on by default, a CA file, verification off, an HTTP proxy (CONNECT), deadlines.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { createOutbound, type OutboundSettings } from './http.ts';
import { AuthSourceError } from '../types.ts';

const servers: net.Server[] = [];
let caFile: string;
let url: string;
let silentUrl: string;
let proxyUrl: string;
let tunnels = 0;

const sockets = new Set<net.Socket>();

async function listen(s: net.Server): Promise<number> {
  s.on('connection', (c: net.Socket) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
  });
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  servers.push(s);
  return (s.address() as net.AddressInfo).port;
}

before(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'nbhub-oauth-tls-'));
  const keyFile = path.join(dir, 'key.pem');
  caFile = path.join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', caFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { stdio: 'ignore' },
  );
  const tls = https.createServer({ key: readFileSync(keyFile), cert: readFileSync(caFile) }, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path: req.url, auth: req.headers.authorization ?? null }));
  });
  url = `https://127.0.0.1:${await listen(tls)}/userinfo`;
  // accepts connections and never answers
  const silent = net.createServer(() => undefined);
  silentUrl = `http://127.0.0.1:${await listen(silent)}/token`;
  // a forward proxy: CONNECT host:port → a tunnel
  const proxy = http.createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    tunnels++;
    const [host, port] = String(req.url).split(':');
    const upstream = net.connect(Number(port), host, () => {
      sockets.add(upstream);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  proxyUrl = `http://127.0.0.1:${await listen(proxy)}`;
});

after(async () => {
  for (const c of sockets) c.destroy();
  for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
});

const base: OutboundSettings = { validateServerCert: true, caFile: null, httpProxy: null, timeoutMs: 5000, serviceName: 'Test IdP' };

async function get(s: Partial<OutboundSettings>, target = url) {
  const out = createOutbound({ ...base, ...s });
  try {
    return await out.http.json(target, { token: 'tok-123' });
  } finally {
    await out.close();
  }
}

async function failure(p: Promise<unknown>): Promise<AuthSourceError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  assert.ok(e instanceof AuthSourceError, `expected an AuthSourceError, got ${String(e)}`);
  return e;
}

test('a self-signed certificate is refused by default, with the cause in the log detail', async () => {
  const e = await failure(get({}));
  assert.equal(e.status, 502);
  assert.match(e.logDetail, /unreachable: https:\/\/127\.0\.0\.1:\d+\/userinfo: .*(SELF_SIGNED|CERT)/);
  assert.match(e.userMessage, /Test IdP could not be reached/);
});

test('caFile: the certificate is trusted; the token goes in the Authorization header', async () => {
  const r = await get({ caFile });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { path: '/userinfo', auth: 'Bearer tok-123' });
});

test('validateServerCert false: no verification', async () => {
  assert.equal((await get({ validateServerCert: false })).status, 200);
});

test('httpProxy: the call goes through the proxy (CONNECT), TLS settings still apply', async () => {
  const before = tunnels;
  assert.equal((await get({ caFile, httpProxy: proxyUrl })).status, 200);
  assert.equal(tunnels, before + 1);
  const e = await failure(get({ httpProxy: proxyUrl }));
  assert.match(e.logDetail, /SELF_SIGNED|CERT/);
});

test('a provider that never answers: the deadline ends the call with a clear cause', async () => {
  const e = await failure(get({ timeoutMs: 300 }, silentUrl));
  assert.match(e.logDetail, /no answer before the deadline/);
});

test('an unreadable caFile is a start error naming the file', () => {
  assert.throws(() => createOutbound({ ...base, caFile: '/nonexistent/ca.pem' }), /caFile \/nonexistent\/ca\.pem .* cannot be read: ENOENT/);
});
