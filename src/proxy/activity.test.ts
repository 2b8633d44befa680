// Route activity from traffic (CHP rules): successful responses and data count, errors and
// redirects do not, and a route is touched at most once per interval.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { eventually, request, startBackend, startProxy, type Backend } from '../../test/proxy/servers.ts';
import { MemoryRouteStore } from './memoryRouteStore.ts';

const T0 = new Date('2026-11-23T10:00:00.000Z');

class CountingStore extends MemoryRouteStore {
  touches: Array<{ path: string; at: Date }> = [];
  override touch(path: string, at: Date): void {
    this.touches.push({ path, at });
    super.touch(path, at);
  }
}

describe('proxy: activity', () => {
  let backend: Backend;
  before(async () => {
    backend = await startBackend('alice', { websocket: true });
  });
  after(() => backend.close());

  async function setup(intervalMs = 0) {
    let clock = T0.getTime();
    const routes = new CountingStore();
    const p = await startProxy({ routes, activityIntervalMs: intervalMs, now: () => new Date((clock += 1000)) });
    await routes.add('/user/alice', backend.url, {}, T0);
    return { p, routes };
  }

  it('touches the route on a successful proxied request', async () => {
    const { p, routes } = await setup();
    try {
      assert.equal((await request(`${p.url}/user/alice/api/status`)).status, 200);
      await eventually(() => routes.touches.length > 0, 'a touch');
      assert.ok(routes.touches.every((t) => t.path === '/user/alice'));
      const last = (await routes.get('/user/alice'))!.lastActivity;
      assert.ok(last.getTime() > T0.getTime());
    } finally {
      await p.close();
    }
  });

  it('does not count error answers, redirects or requests without a route', async () => {
    const { p, routes } = await setup();
    try {
      assert.equal((await request(`${p.url}/user/alice/missing`)).status, 404);
      assert.equal((await request(`${p.url}/user/alice/redirect`)).status, 302);
      assert.equal((await request(`${p.url}/hub/login`)).status, 404);
      assert.deepEqual(routes.touches, []);
      assert.deepEqual((await routes.get('/user/alice'))!.lastActivity, T0);
    } finally {
      await p.close();
    }
  });

  it('keeps touching while a streamed answer flows', async () => {
    const { p, routes } = await setup();
    try {
      const req = http.get(`${p.url}/user/alice/events/stream`, { agent: false });
      const [res] = (await once(req, 'response')) as [http.IncomingMessage];
      let chunks = 0;
      res.on('data', () => chunks++);
      await eventually(() => chunks >= 3 && routes.touches.length >= 3, 'three touches during the stream');
      req.destroy();
    } finally {
      await p.close();
    }
  });

  it('counts websocket traffic', async () => {
    const { p, routes } = await setup();
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${p.port}/user/alice/api/kernels/k/channels`);
      await once(ws, 'message');
      const before = routes.touches.length;
      ws.send('ping');
      await once(ws, 'message');
      await eventually(() => routes.touches.length >= before + 2, 'touches for both directions');
      ws.terminate();
    } finally {
      await p.close();
    }
  });

  it('touches a route at most once per interval', async () => {
    const { p, routes } = await setup(3_600_000);
    try {
      for (let i = 0; i < 10; i++) assert.equal((await request(`${p.url}/user/alice/x`)).status, 200);
      assert.equal(routes.touches.length, 1);
    } finally {
      await p.close();
    }
  });
});
