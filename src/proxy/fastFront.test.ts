// The fast path (fastFront.ts) on real sockets: which requests it serves itself, what the client
// gets back byte for byte, the hand-off to node's HTTP server on the same connection, and its
// timeouts. The proxy's HTTP behaviour as a whole is in server.test.ts (which runs through both
// paths, since GETs take the fast one).

import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { eventually, startBackend, startProxy, type Backend, type ProxyUnderTest } from '../../test/proxy/servers.ts';

const T0 = new Date('2026-11-23T10:00:00.000Z');

/** A raw client connection: write bytes, read until a condition holds. */
class RawClient {
  readonly socket: net.Socket;
  data = '';
  closed = false;
  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.setEncoding('latin1');
    this.socket.on('data', (d: string) => (this.data += d));
    this.socket.on('close', () => (this.closed = true));
    this.socket.on('error', () => {});
  }
  send(text: string): void {
    this.socket.write(text, 'latin1');
  }
  async until(check: (data: string) => boolean, what: string): Promise<string> {
    await eventually(() => check(this.data), what);
    return this.data;
  }
  close(): void {
    this.socket.destroy();
  }
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('proxy fast path', () => {
  let backend: Backend;
  let p: ProxyUnderTest;
  let special: http.Server;
  let specialPort = 0;
  let specialConnections = 0;
  before(async () => {
    backend = await startBackend('alice', { websocket: true });
    // answers the framings the backend helper does not produce
    special = http.createServer((req, res) => {
      const last = (req.url ?? '').split('/').pop();
      if (last === 'chunked') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('one,');
        setTimeout(() => res.end('two'), 10);
      } else if (last === 'nocontent') {
        res.writeHead(204);
        res.end();
      } else if (last === 'notmodified') {
        res.writeHead(304, { ETag: '"x"' });
        res.end();
      } else {
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 5 });
        res.end('hello');
      }
    });
    special.on('connection', () => specialConnections++);
    special.listen(0, '127.0.0.1');
    await once(special, 'listening');
    specialPort = (special.address() as net.AddressInfo).port;
    p = await startProxy({ keepAliveTimeoutMs: 300 });
    await p.routes.add('/', backend.url, {}, T0);
    await p.routes.add('/special', `http://127.0.0.1:${specialPort}`, {}, T0);
  });
  after(async () => {
    await p.close();
    await backend.close();
    special.closeAllConnections();
    special.close();
  });

  it('serves a keep-alive GET itself, with the head node would write', async () => {
    const c = new RawClient(p.port);
    c.send('GET /special/x HTTP/1.1\r\nHost: example.org\r\n\r\n');
    const reply = await c.until((d) => d.endsWith('hello'), 'the answer');
    const [head, body] = reply.split('\r\n\r\n');
    const lines = head.split('\r\n');
    assert.equal(lines[0], 'HTTP/1.1 200 OK');
    assert.ok(lines.includes('Content-Type: text/plain'));
    assert.ok(lines.includes('Content-Length: 5'));
    assert.ok(lines.includes('Connection: keep-alive'));
    assert.ok(lines.includes('Keep-Alive: timeout=1'));
    assert.equal(lines.filter((l) => /^date:/i.test(l)).length, 1, 'one Date header');
    assert.equal(body, 'hello');
    assert.equal(p.proxy.fastConnectionCount(), 1, 'the connection stays with the fast path');
    // the keep-alive timeout closes it
    await eventually(() => c.closed, 'idle connection closed after the keep-alive timeout');
    assert.equal(p.proxy.fastConnectionCount(), 0);
  });

  it('answers pipelined requests in order on one connection', async () => {
    const c = new RawClient(p.port);
    c.send('GET /one HTTP/1.1\r\nHost: h\r\n\r\nGET /two HTTP/1.1\r\nHost: h\r\n\r\nHEAD /three HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    await eventually(() => c.closed, 'closed after the Connection: close request');
    const urls = [...c.data.matchAll(/"url":"([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(urls, ['/one', '/two']);
    assert.equal(count(c.data, 'HTTP/1.1 200 OK'), 3);
    assert.ok(c.data.trimEnd().endsWith('Connection: close'), 'the HEAD answer has no body and closes');
    assert.deepEqual(backend.seen.slice(-3).map((s) => s.method), ['GET', 'GET', 'HEAD']);
  });

  it('re-frames chunked answers; 204 and 304 carry no body', async () => {
    const c = new RawClient(p.port);
    c.send('GET /special/chunked HTTP/1.1\r\nHost: h\r\n\r\n');
    const chunked = await c.until((d) => d.endsWith('0\r\n\r\n'), 'the last chunk');
    assert.match(chunked, /Transfer-Encoding: chunked\r\n/);
    assert.match(chunked, /\r\n\r\n4\r\none,\r\n3\r\ntwo\r\n0\r\n\r\n$/);
    c.data = '';
    c.send('GET /special/nocontent HTTP/1.1\r\nHost: h\r\n\r\nGET /special/notmodified HTTP/1.1\r\nHost: h\r\n\r\n');
    const empty = await c.until((d) => count(d, '\r\n\r\n') === 2, 'two body-less answers');
    assert.match(empty, /^HTTP\/1\.1 204 No Content\r\n/);
    assert.match(empty, /HTTP\/1\.1 304 Not Modified\r\n(.+\r\n)*ETag: "x"\r\n/);
    assert.doesNotMatch(empty, /Transfer-Encoding|Content-Length/);
    c.close();
  });

  it('a head split over several writes is put together; an oversized one gets node\'s 431', async () => {
    const c = new RawClient(p.port);
    c.send('GET /spl');
    await new Promise((r) => setTimeout(r, 20));
    c.send('it HTTP/1.1\r\nHo');
    await new Promise((r) => setTimeout(r, 20));
    c.send('st: h\r\n\r\n');
    await c.until((d) => d.includes('"url":"/split"'), 'the answer to the split head');
    assert.equal(p.proxy.fastConnectionCount(), 1);
    c.close();
    const big = new RawClient(p.port);
    big.send(`GET /big HTTP/1.1\r\nHost: h\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`);
    await big.until((d) => d.startsWith('HTTP/1.1 431'), "node's 431 answer");
    big.close();
  });

  it('hands a request with a body to node on the same connection, which then keeps it', async () => {
    const c = new RawClient(p.port);
    c.send('GET /before HTTP/1.1\r\nHost: h\r\n\r\n');
    await c.until((d) => d.includes('"url":"/before"'), 'the fast answer');
    assert.equal(p.proxy.fastConnectionCount(), 1);
    c.send('POST /x/echo HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello');
    await c.until((d) => d.endsWith('hello\r\n0\r\n\r\n') || d.endsWith('hello'), 'the echoed body');
    assert.equal(p.proxy.fastConnectionCount(), 0, 'node serves the connection now');
    c.send('GET /after HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
    await c.until((d) => d.includes('"url":"/after"'), 'a later GET on the handed-off connection');
  });

  it('hands a websocket upgrade to node', async () => {
    // ws opens its own connection; the upgrade is handed off at its first request
    const ws = new WebSocket(`ws://127.0.0.1:${p.port}/user/alice/ws`);
    const [hello] = (await once(ws, 'message')) as [Buffer];
    assert.equal(JSON.parse(hello.toString()).url, '/user/alice/ws');
    ws.send('ping');
    const [echo] = (await once(ws, 'message')) as [Buffer];
    assert.equal(echo.toString(), 'ping');
    ws.close();
    await once(ws, 'close');
  });

  it('a target that refuses: one attempt on the fast path, then node answers 503', async () => {
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as net.AddressInfo).port;
    let attempts = 0;
    probe.on('connection', (s) => {
      attempts++;
      s.destroy(); // reset before any answer
    });
    await p.routes.add('/resets', `http://127.0.0.1:${port}`, {}, T0);
    try {
      const c = new RawClient(p.port);
      c.send('GET /resets/x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
      await eventually(() => c.closed, 'answered and closed');
      assert.match(c.data, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
      assert.equal(attempts, 1, 'node did not try the target again');
    } finally {
      await p.routes.remove('/resets');
      probe.close();
    }
  });

  it('a target with a stray LF in its head gets 502, not a forged header', async () => {
    const liar = net.createServer((s) => {
      s.once('data', () => s.end('HTTP/1.1 200 OK\r\nX-A: a\nSet-Cookie: forged=1\r\nContent-Length: 0\r\n\r\n'));
    });
    liar.listen(0, '127.0.0.1');
    await once(liar, 'listening');
    await p.routes.add('/liar', `http://127.0.0.1:${(liar.address() as net.AddressInfo).port}`, {}, T0);
    try {
      const c = new RawClient(p.port);
      c.send('GET /liar/x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n');
      await eventually(() => c.closed, 'answered and closed');
      assert.match(c.data, /^HTTP\/1\.1 502 Bad Gateway\r\n/);
      assert.doesNotMatch(c.data, /forged/);
    } finally {
      await p.routes.remove('/liar');
      liar.close();
    }
  });

  it('the client going away mid-answer releases the upstream connection', async () => {
    const c = new RawClient(p.port);
    c.send('GET /x/stream HTTP/1.1\r\nHost: h\r\n\r\n');
    await c.until((d) => d.includes('data: tick'), 'the first event');
    c.close();
    await eventually(async () => (await p.connections()) === 0, 'proxy client connection closed');
    await eventually(async () => (await backend.connections()) === 0, 'backend connection closed');
    assert.equal(p.proxy.fastConnectionCount(), 0);
  });

  it('server.close() closes idle fast-path connections at once', async () => {
    const other = await startProxy();
    await other.routes.add('/', `http://127.0.0.1:${specialPort}`, {}, T0);
    const c = new RawClient(other.port);
    c.send('GET /x HTTP/1.1\r\nHost: h\r\n\r\n');
    await c.until((d) => d.endsWith('hello'), 'the answer');
    const closed = new Promise<void>((resolve) => other.server.close(() => resolve()));
    await eventually(() => c.closed, 'the idle client connection closed by server.close()');
    await closed;
    other.proxy.close();
  });
});

describe('proxy fast path: idle timeout while a request is in flight (CHP --timeout)', () => {
  let backend: Backend;
  let p: ProxyUnderTest;
  before(async () => {
    backend = await startBackend('slow');
    p = await startProxy({ timeoutMs: 200 });
    await p.routes.add('/', backend.url, {}, T0);
  });
  after(async () => {
    await p.close();
    await backend.close();
  });

  it('a target that never answers: the client connection is closed after the timeout', async () => {
    const c = new RawClient(p.port);
    c.send('GET /x/hang HTTP/1.1\r\nHost: h\r\n\r\n');
    await eventually(() => c.closed, 'client connection closed by the idle timeout');
    assert.equal(c.data, '');
    await eventually(async () => (await backend.connections()) === 0, 'backend connection released');
  });
});
