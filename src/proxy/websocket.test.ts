// Websockets through the proxy, with `ws` on both ends.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { startBackend, startProxy, type Backend, type ProxyUnderTest } from '../../test/proxy/servers.ts';

const T0 = new Date('2026-11-23T10:00:00.000Z');

function open(url: string, headers?: Record<string, string>): Promise<{ ws: WebSocket; hello: { backend: string; url: string; headers: Record<string, string> } }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('message', (data) => resolve({ ws, hello: JSON.parse(String(data)) }));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`status ${res.statusCode}`), { status: res.statusCode })));
  });
}

describe('proxy: websockets', () => {
  let hub: Backend;
  let alice: Backend;
  let p: ProxyUnderTest;
  let wsBase: string;
  before(async () => {
    hub = await startBackend('hub', { websocket: true });
    alice = await startBackend('alice', { websocket: true });
    p = await startProxy();
    wsBase = `ws://127.0.0.1:${p.port}`;
    await p.routes.add('/', hub.url, {}, T0);
    await p.routes.add('/user/alice', alice.url, {}, T0);
  });
  after(async () => {
    await p.close();
    await Promise.all([hub.close(), alice.close()]);
  });

  it('echoes text and binary messages through the proxy', async () => {
    const { ws, hello } = await open(`${wsBase}/user/alice/api/kernels/k1/channels?session_id=s1`);
    assert.equal(hello.backend, 'alice');
    assert.equal(hello.url, '/user/alice/api/kernels/k1/channels?session_id=s1');
    ws.send('hello');
    assert.equal(String((await once(ws, 'message'))[0]), 'hello');
    const binary = Buffer.from([0, 1, 2, 253, 254, 255]);
    ws.send(binary);
    const [data, isBinary] = await once(ws, 'message');
    assert.equal(isBinary, true);
    assert.ok(Buffer.from(data as Buffer).equals(binary));
    const big = 'x'.repeat(3 * 1024 * 1024);
    ws.send(big);
    assert.equal(String((await once(ws, 'message'))[0]).length, big.length);
    ws.close();
    await once(ws, 'close');
  });

  it('routes upgrades like requests and adds forwarding headers', async () => {
    const { ws, hello } = await open(`${wsBase}/hub/api/events`, { Host: 'hub.example.org' });
    assert.equal(hello.backend, 'hub');
    assert.equal(hello.headers.host, 'hub.example.org');
    assert.equal(hello.headers['x-forwarded-proto'], 'ws');
    assert.equal(hello.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(hello.headers.upgrade, 'websocket');
    ws.terminate();
  });

  it('answers a bare 404 status line when no route matches', async () => {
    const q = await startProxy();
    try {
      await q.routes.add('/user/alice', alice.url, {}, T0);
      await assert.rejects(open(`ws://127.0.0.1:${q.port}/hub/api/events`), { status: 404 });
    } finally {
      await q.close();
    }
  });

  it('answers a bare 503 status line when the target is down', async () => {
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const dead = `http://127.0.0.1:${(probe.address() as net.AddressInfo).port}`;
    await new Promise((resolve) => probe.close(resolve));
    const q = await startProxy();
    try {
      await q.routes.add('/', dead, {}, T0);
      await assert.rejects(open(`ws://127.0.0.1:${q.port}/user/x/api`), { status: 503 });
      assert.equal(q.proxy.openTunnelCount(), 0);
    } finally {
      await q.close();
    }
  });

  it("passes the target's own handshake refusal through", async () => {
    const plain = await startBackend('plain'); // no websocket server: answers JSON 200
    const q = await startProxy();
    try {
      await q.routes.add('/', plain.url, {}, T0);
      await assert.rejects(open(`ws://127.0.0.1:${q.port}/x`), { status: 200 });
    } finally {
      await q.close();
      await plain.close();
    }
  });
});
