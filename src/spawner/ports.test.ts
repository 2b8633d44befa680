import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { PortAllocator, probeFreePort } from './ports.ts';

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ host: '127.0.0.1', port }, () => resolve(srv));
  });
}

describe('probeFreePort', () => {
  it('returns a port that can be bound right after', async () => {
    const port = await probeFreePort('127.0.0.1');
    assert.ok(port > 0 && port < 65536);
    const srv = await listen(port);
    srv.close();
  });
});

describe('PortAllocator', () => {
  it('never hands out the same port twice while it is held', async () => {
    const alloc = new PortAllocator({ host: '127.0.0.1' });
    const ports = [];
    for (let i = 0; i < 200; i++) ports.push(await alloc.allocate());
    assert.equal(new Set(ports).size, ports.length);
  });

  it('skips ports the OS returns again while they are held, and frees them after the hold', async () => {
    let t = 0;
    const answers = [5000, 5000, 5001, 5000];
    const alloc = new PortAllocator({ host: '127.0.0.1', holdMs: 1000, now: () => new Date(t), probe: async () => answers.shift()! });
    assert.equal(await alloc.allocate(), 5000);
    assert.equal(await alloc.allocate(), 5001);
    t = 1000;
    assert.equal(await alloc.allocate(), 5000, 'hold expired');
  });

  it('release() frees a port early', async () => {
    const alloc = new PortAllocator({ host: '127.0.0.1', probe: async () => 6000 });
    assert.equal(await alloc.allocate(), 6000);
    alloc.release(6000);
    assert.equal(await alloc.allocate(), 6000);
  });

  it('gives up with a clear error when every probe hits a held port', async () => {
    const alloc = new PortAllocator({ host: '127.0.0.1', maxAttempts: 3, probe: async () => 7000 });
    await alloc.allocate();
    await assert.rejects(alloc.allocate(), { code: 'PORT_ALLOCATION_FAILED', message: /after 3 attempts/ });
  });

  it('reports a host it cannot bind', async () => {
    await assert.rejects(probeFreePort('192.0.2.1'), { code: 'PORT_ALLOCATION_FAILED', message: /192\.0\.2\.1/ });
  });
});
