// No socket is left open, on either side of the proxy, after the ways an exchange can break:
// the CHP failures behind exhausted ports and runaway memory (configurable-http-proxy#557, #388).

import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { eventually, startBackend, startProxy, type Backend, type ProxyUnderTest } from './servers.ts';

const T0 = new Date('2026-11-23T10:00:00.000Z');

describe('proxy: no leaked sockets', { timeout: 30_000 }, () => {
  let backend: Backend;
  let p: ProxyUnderTest;
  let deadTarget: string;
  before(async () => {
    backend = await startBackend('alice', { websocket: true });
    p = await startProxy();
    await p.routes.add('/', backend.url, {}, T0);
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    deadTarget = `http://127.0.0.1:${(probe.address() as net.AddressInfo).port}`;
    await new Promise((resolve) => probe.close(resolve));
    await p.routes.add('/dead', deadTarget, {}, T0);
  });
  after(async () => {
    await p.close();
    await backend.close();
  });

  async function allClosed(what: string): Promise<void> {
    await eventually(async () => (await p.connections()) === 0, `${what}: proxy client connections closed`);
    await eventually(async () => (await backend.connections()) === 0, `${what}: backend connections closed`);
    await eventually(() => p.proxy.upstreamSocketCount() === 0, `${what}: upstream pool empty`);
    assert.equal(p.proxy.openTunnelCount(), 0);
  }

  it('client aborts in the middle of a response', async () => {
    const req = http.get(`${p.url}/x/trickle`, { agent: false });
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    await once(res, 'data');
    req.destroy();
    await allClosed('abort mid-response');
  });

  it('client aborts before the target answered', async () => {
    const req = http.get(`${p.url}/x/hang`, { agent: false });
    req.on('error', () => undefined);
    await eventually(() => backend.seen.some((s) => s.url === '/x/hang'), 'request reached the backend');
    req.destroy();
    await allClosed('abort before answer');
  });

  it('client aborts an upload halfway', async () => {
    const req = http.request(`${p.url}/x/echo`, { method: 'POST', agent: false });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(64 * 1024));
    await eventually(() => backend.seen.some((s) => s.url === '/x/echo'), 'upload reached the backend');
    req.destroy();
    await allClosed('abort mid-upload');
  });

  it('target resets in the middle of a response', async () => {
    const req = http.get(`${p.url}/x/cut`, { agent: false });
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    const ended = new Promise<string>((resolve) => {
      res.on('error', () => resolve('error'));
      res.on('close', () => resolve(res.complete ? 'complete' : 'truncated'));
    });
    res.resume();
    assert.notEqual(await ended, 'complete');
    await allClosed('target reset mid-response');
  });

  it('target refuses connections, many times over', async () => {
    for (let i = 0; i < 50; i++) {
      const res = await new Promise<number>((resolve, reject) =>
        http.get(`${p.url}/dead/x`, { agent: false }, (r) => r.resume().on('end', () => resolve(r.statusCode ?? 0))).on('error', reject),
      );
      assert.equal(res, 503);
    }
    await allClosed('refused');
  });

  it('websocket client disappears without a close handshake', async () => {
    for (let i = 0; i < 20; i++) {
      const ws = new WebSocket(`ws://127.0.0.1:${p.port}/user/alice/api/kernels/k/channels`);
      await once(ws, 'message');
      ws.terminate();
    }
    await allClosed('client terminate');
  });

  it('websocket client closes cleanly', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${p.port}/user/alice/terminals/websocket/1`);
    await once(ws, 'message');
    ws.close();
    await once(ws, 'close');
    await allClosed('client close');
  });

  it('websocket target goes away', async () => {
    const target = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(target, 'listening');
    const port = (target.address() as net.AddressInfo).port;
    await p.routes.add('/user/bob', `http://127.0.0.1:${port}`, {}, T0);
    target.on('connection', (sock) => setTimeout(() => sock.terminate(), 10));
    const ws = new WebSocket(`ws://127.0.0.1:${p.port}/user/bob/api/events`);
    await once(ws, 'close');
    await eventually(async () => (await p.connections()) === 0, 'proxy side closed');
    assert.equal(p.proxy.openTunnelCount(), 0);
    await new Promise((resolve) => target.close(resolve));
    await p.routes.remove('/user/bob');
  });

  it('websocket client half-closes its side', async () => {
    const socket = net.connect(p.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      'GET /user/alice/api/events HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    const [first] = (await once(socket, 'data')) as [Buffer];
    assert.match(first.toString('latin1'), /^HTTP\/1\.1 101/);
    socket.on('data', () => undefined);
    socket.end();
    await once(socket, 'close');
    await allClosed('half-close');
  });

  it('websocket upgrade to a refused target', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${p.port}/dead/api/events`);
    const [req, res] = (await once(ws, 'unexpected-response')) as [http.ClientRequest, http.IncomingMessage];
    assert.equal(res.statusCode, 503);
    req.destroy();
    await allClosed('refused upgrade');
  });

  it('proxy close() ends open websocket tunnels', async () => {
    const q = await startProxy();
    await q.routes.add('/', backend.url, {}, T0);
    const ws = new WebSocket(`ws://127.0.0.1:${q.port}/user/alice/api/events`);
    await once(ws, 'message');
    assert.equal(q.proxy.openTunnelCount(), 1);
    const closed = once(ws, 'close');
    await q.close();
    await closed;
    await eventually(async () => (await backend.connections()) === 0, 'backend side closed');
  });
});
