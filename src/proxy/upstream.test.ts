// The proxy's own upstream HTTP/1.1 client against real (and deliberately odd) targets on
// 127.0.0.1: answer framings, connection reuse rules, HTTPS targets, broken targets.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { request, startBackend, startProxy, type Backend, type ProxyUnderTest } from '../../test/proxy/servers.ts';

const T0 = new Date('2026-11-23T10:00:00.000Z');

/** A target speaking raw bytes: `answer(requestHead)` returns what to write back, or null to hang. */
async function rawTarget(answer: (head: string, socket: net.Socket) => void): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      let end: number;
      while ((end = buffered.indexOf('\r\n\r\n')) !== -1) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        answer(head, socket);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    connections: () => connections,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('proxy: upstream client', () => {
  let backend: Backend;
  let p: ProxyUnderTest;
  before(async () => {
    backend = await startBackend('alice');
    p = await startProxy();
    await p.routes.add('/', backend.url, {}, T0);
  });
  after(async () => {
    await p.close();
    await backend.close();
  });

  it('answers HEAD without a body and keeps the Content-Length', async () => {
    const reply = await request(`${p.url}/x/big`, { method: 'HEAD' });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers['content-length'], String(2 * 1024 * 1024));
    assert.equal(reply.body, '');
    // the connection is still good for the next request
    assert.equal((await request(`${p.url}/x/y`)).status, 200);
  });

  it('forwards a chunked upload as chunked and a Content-Length upload as is', async () => {
    const chunked = await new Promise<string>((resolve, reject) => {
      const req = http.request(`${p.url}/x/echo`, { method: 'PUT', agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.write('first,');
      req.write('second');
      req.end();
    });
    assert.equal(chunked, 'first,second');
    assert.equal(backend.seen.at(-1)?.headers['transfer-encoding'], 'chunked');
    const fixed = await request(`${p.url}/x/echo`, { method: 'POST', body: 'exactly', headers: { 'Content-Length': '7' } });
    assert.equal(fixed.body, 'exactly');
    assert.equal(backend.seen.at(-1)?.headers['content-length'], '7');
  });

  it('keeps serving on a connection that was paused for a slow reader (a large answer, then the next request)', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let round = 0; round < 3; round++) {
        // the client reads slowly: the proxy keeps pausing the upstream connection, likely
        // right before the answer completes
        const length = await new Promise<number>((resolve, reject) => {
          http
            .get(`${p.url}/x/huge`, { agent }, (res) => {
              let received = 0;
              res.on('data', (chunk: Buffer) => {
                received += chunk.length;
                res.pause();
                setTimeout(() => res.resume(), 1);
              });
              res.on('end', () => resolve(received));
            })
            .on('error', reject);
        });
        assert.equal(length, 16 * 1024 * 1024);
        // the upstream connection goes back to the pool: the next answer must still flow
        const next = await new Promise<number>((resolve, reject) => {
          const req = http.get(`${p.url}/x/after`, { agent, timeout: 5_000 }, (res) => res.resume().on('end', () => resolve(res.statusCode ?? 0)));
          req.on('timeout', () => req.destroy(new Error('no answer on the reused connection')));
          req.on('error', reject);
        });
        assert.equal(next, 200);
      }
    } finally {
      agent.destroy();
    }
  });

  it('delivers bodies intact while several upstream connections read into the shared buffer and clients stall', async () => {
    // each answer is random bytes written in uneven pieces, Content-Length-framed, chunked or
    // close-delimited; four downloads run at once (fast path GETs and node-path POSTs) with
    // readers that stall, so client writes queue while other connections' reads reuse the buffer
    const bodies = new Map<string, Buffer>();
    const target = await rawTarget((head, socket) => {
      const url = head.split(' ')[1];
      const body = randomBytes(8 * 1024 * 1024 + 17);
      bodies.set(url, body);
      const framing = url.split('/')[2];
      const header =
        framing === 'fixed' ? `Content-Length: ${body.length}\r\n` : framing === 'chunked' ? 'Transfer-Encoding: chunked\r\n' : 'Connection: close\r\n';
      socket.write(`HTTP/1.1 200 OK\r\n${header}\r\n`);
      let at = 0;
      const pump = () => {
        while (at < body.length) {
          const piece = body.subarray(at, at + 1000 + ((at * 7) % 70_000));
          at += piece.length;
          const ok = socket.write(framing === 'chunked' ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece);
          if (!ok) return void socket.once('drain', pump);
        }
        if (framing === 'chunked') socket.write('0\r\n\r\n');
        if (framing === 'close') socket.end();
      };
      pump();
    });
    const route = await startProxy();
    try {
      await route.routes.add('/', target.url, {}, T0);
      const download = (url: string, method: string, stallMs: number) =>
        new Promise<string>((resolve, reject) => {
          const req = http.request(`${route.url}${url}`, { method, agent: false }, (res) => {
            const hash = createHash('sha256');
            let stalled = false;
            res.on('data', (chunk: Buffer) => {
              hash.update(chunk);
              if (stalled) return;
              // the reader stops long enough for the kernel's buffers to fill: the proxy's
              // writes to it queue while the other downloads keep reading
              stalled = true;
              res.pause();
              setTimeout(() => res.resume(), stallMs);
            });
            res.on('end', () => resolve(hash.digest('hex')));
            res.on('error', reject);
          });
          req.on('error', reject);
          req.end(method === 'POST' ? 'x' : undefined);
        });
      const urls: Array<[string, string]> = [
        ['/d/fixed/1', 'GET'],
        ['/d/chunked/2', 'GET'],
        ['/d/fixed/3', 'POST'],
        ['/d/close/4', 'GET'],
      ];
      const hashes = await Promise.all(urls.map(([url, method], i) => download(url, method, 100 + 150 * i)));
      urls.forEach(([url], i) => {
        assert.equal(hashes[i], createHash('sha256').update(bodies.get(url)!).digest('hex'), `body of ${url}`);
      });
    } finally {
      await route.close();
      await target.close();
    }
  });

  it('serves pipelined requests on one client connection in order', async () => {
    const socket = net.connect(p.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET /a/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /a/2 HTTP/1.1\r\nHost: x\r\n\r\nGET /a/3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    await once(socket, 'end');
    socket.destroy();
    const urls = [...text.matchAll(/"url":"([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(urls, ['/a/1', '/a/2', '/a/3']);
  });

  it('passes 204 and 304 answers and a close-delimited body through, and does not reuse a closing connection', async () => {
    const target = await rawTarget((head, socket) => {
      if (head.startsWith('GET /204')) socket.write('HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n');
      else if (head.startsWith('GET /304')) socket.write('HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\n\r\n');
      else socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close');
    });
    const q = await startProxy();
    try {
      await q.routes.add('/', target.url, {}, T0);
      const noContent = await request(`${q.url}/204`);
      assert.equal(noContent.status, 204);
      assert.equal(noContent.headers['x-a'], '1');
      assert.equal((await request(`${q.url}/304`)).headers.etag, '"v1"');
      assert.equal(target.connections(), 1, '204 and 304 reuse the kept-alive connection');
      assert.equal((await request(`${q.url}/eof`)).body, 'until close');
      assert.equal((await request(`${q.url}/eof`)).body, 'until close');
      assert.equal(target.connections(), 2, 'the connection of a close-delimited answer is not used again');
    } finally {
      await q.close();
      await target.close();
    }
  });

  it('answers 502 when the target does not speak HTTP', async () => {
    const target = await rawTarget((_head, socket) => socket.end('SSH-2.0-OpenSSH_9.2\r\n\r\n'));
    const q = await startProxy();
    try {
      await q.routes.add('/', target.url, {}, T0);
      assert.equal((await request(`${q.url}/x`)).status, 502);
    } finally {
      await q.close();
      await target.close();
    }
  });

  it('does not reuse a connection whose target sent more than it was asked for', async () => {
    const target = await rawTarget((_head, socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokSURPRISE'));
    const q = await startProxy();
    try {
      await q.routes.add('/', target.url, {}, T0);
      assert.equal((await request(`${q.url}/1`)).body, 'ok');
      assert.equal((await request(`${q.url}/2`)).body, 'ok');
      assert.equal(target.connections(), 2);
    } finally {
      await q.close();
      await target.close();
    }
  });

  it('reaches https targets', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nbhub-upstream-tls-'));
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    const secure = https.createServer({ key: readFileSync(keyFile), cert: readFileSync(certFile) }, (req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(`tls ${req.url}`);
    });
    secure.listen(0, '127.0.0.1');
    await once(secure, 'listening');
    // the target's certificate is self-signed: trust it for this process only through the env the proxy reads
    const q = await startProxy();
    const previous = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    try {
      await q.routes.add('/', `https://127.0.0.1:${(secure.address() as net.AddressInfo).port}`, {}, T0);
      assert.equal((await request(`${q.url}/over/tls`)).body, 'tls /over/tls');
    } finally {
      if (previous === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previous;
      await q.close();
      secure.closeAllConnections();
      await new Promise((resolve) => secure.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
