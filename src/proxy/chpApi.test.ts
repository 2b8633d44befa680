// CHP's REST API (protocol.md §5.2) served on 127.0.0.1, in the spirit of CHP's test/api_spec.js.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { quietLogger, request } from '../../test/proxy/servers.ts';
import { createChpApiHandler } from './chpApi.ts';
import { MemoryRouteStore } from './memoryRouteStore.ts';

const TOKEN = 'secret-token-123';
const T0 = new Date('2026-11-23T10:00:00.000Z');

async function serve(handler: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('CHP API', () => {
  let routes: MemoryRouteStore;
  let api: { url: string; close: () => Promise<void> };
  let clock = T0.getTime();
  const auth = { Authorization: `token ${TOKEN}` };
  const call = (method: string, path: string, body?: unknown, headers: http.OutgoingHttpHeaders = auth) =>
    request(api.url + path, {
      method,
      headers: body === undefined ? headers : { ...headers, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });

  before(async () => {
    routes = new MemoryRouteStore();
    api = await serve(createChpApiHandler({ routes, logger: quietLogger, authToken: TOKEN, now: () => new Date(clock) }));
  });
  beforeEach(async () => {
    for (const route of await routes.list()) await routes.remove(route.path);
    clock = T0.getTime();
  });
  after(() => api.close());

  describe('authentication', () => {
    it('accepts `Authorization: token <secret>`', async () => {
      assert.equal((await call('GET', '/api/routes')).status, 200);
    });
    it('rejects a missing, wrong or Bearer token with an empty 403', async () => {
      for (const headers of [{}, { Authorization: 'token wrong' }, { Authorization: `Bearer ${TOKEN}` }, { Authorization: TOKEN }]) {
        const reply = await call('GET', '/api/routes', undefined, headers);
        assert.equal(reply.status, 403, JSON.stringify(headers));
        assert.equal(reply.body, '');
      }
      assert.equal((await call('POST', '/api/routes/user/x', { target: 'http://x' }, {})).status, 403);
      assert.equal((await call('DELETE', '/api/routes/user/x', undefined, {})).status, 403);
      assert.deepEqual(await routes.list(), []);
    });
    it('is open (with a warning) when no token is configured', async () => {
      const open = await serve(createChpApiHandler({ routes, logger: quietLogger, authToken: null }));
      try {
        assert.equal((await request(`${open.url}/api/routes`)).status, 200);
      } finally {
        await open.close();
      }
    });
  });

  describe('routes', () => {
    it('creates a route with 201 and stores the body verbatim plus last_activity', async () => {
      const data = { target: 'http://127.0.0.1:5001', user: 'alice', server_name: '', jupyterhub: true, nested: { a: [1, 2] } };
      const created = await call('POST', '/api/routes/user/alice', data);
      assert.equal(created.status, 201);
      assert.equal(created.body, '');
      const got = await call('GET', '/api/routes/user/alice');
      assert.equal(got.status, 200);
      assert.equal(got.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(got.body), { ...data, last_activity: T0.toISOString() });
      assert.deepEqual(JSON.parse((await call('GET', '/api/routes')).body), { '/user/alice': { ...data, last_activity: T0.toISOString() } });
    });

    it("treats POST /api/routes as the '/' route", async () => {
      assert.equal((await call('POST', '/api/routes', { target: 'http://hub', hub: true })).status, 201);
      assert.equal((await routes.get('/'))?.target, 'http://hub');
    });

    it('normalizes keys: trailing slash, percent-encoding', async () => {
      await call('POST', '/api/routes/user/alice/', { target: 'http://a' });
      await call('POST', '/api/routes/user/b%40c%20d', { target: 'http://b' });
      const table = JSON.parse((await call('GET', '/api/routes')).body);
      assert.deepEqual(Object.keys(table).sort(), ['/user/alice', '/user/b@c d']);
      assert.equal((await call('GET', '/api/routes/user/alice/')).status, 200);
      assert.equal((await call('DELETE', '/api/routes/user/b@c%20d')).status, 204);
    });

    it('replaces a route on re-POST', async () => {
      await call('POST', '/api/routes/user/alice', { target: 'http://old', extra: 1 });
      clock += 60_000;
      await call('POST', '/api/routes/user/alice', { target: 'http://new' });
      const route = JSON.parse((await call('GET', '/api/routes/user/alice')).body);
      assert.deepEqual(route, { target: 'http://new', last_activity: new Date(T0.getTime() + 60_000).toISOString() });
    });

    it('deletes with 204, then 404', async () => {
      await call('POST', '/api/routes/user/alice', { target: 'http://a' });
      const first = await call('DELETE', '/api/routes/user/alice');
      assert.equal(first.status, 204);
      assert.equal(first.body, '');
      assert.equal((await call('DELETE', '/api/routes/user/alice')).status, 404);
      assert.equal((await call('GET', '/api/routes/user/alice')).status, 404);
    });

    it('rejects bodies that are not JSON objects with a target string (400)', async () => {
      for (const body of ['{not json', '{"user": "x"}', '{"target": 5}', '[1]', 'null', '"http://x"']) {
        const reply = await call('POST', '/api/routes/user/x', body);
        assert.equal(reply.status, 400, body);
      }
      assert.match((await call('POST', '/api/routes/user/x', '{bad')).body, /^Body not valid JSON/);
      assert.equal((await call('POST', '/api/routes/user/x', {})).body, "Must specify 'target' as string");
      assert.deepEqual(await routes.list(), []);
    });

    it('answers 405 for other methods and 404 for other paths', async () => {
      assert.equal((await call('PUT', '/api/routes/user/x', { target: 'http://x' })).status, 405);
      assert.equal((await call('PATCH', '/api/routes')).status, 405);
      assert.equal((await call('GET', '/api/other')).status, 404);
      assert.equal((await call('GET', '/api/routesx')).status, 404);
      assert.equal((await call('GET', '/')).status, 404);
    });
  });

  describe('inactive_since', () => {
    beforeEach(async () => {
      await call('POST', '/api/routes/user/idle', { target: 'http://idle' });
      await call('POST', '/api/routes/user/busy', { target: 'http://busy' });
      routes.touch('/user/busy', new Date(T0.getTime() + 3_600_000));
    });

    it('lists only routes whose last activity is older (both spellings)', async () => {
      const since = new Date(T0.getTime() + 60_000).toISOString();
      for (const name of ['inactive_since', 'inactiveSince']) {
        const table = JSON.parse((await call('GET', `/api/routes?${name}=${encodeURIComponent(since)}`)).body);
        assert.deepEqual(Object.keys(table), ['/user/idle']);
      }
      const all = JSON.parse((await call('GET', `/api/routes?inactive_since=${encodeURIComponent('2030-01-01T00:00:00Z')}`)).body);
      assert.deepEqual(Object.keys(all).sort(), ['/user/busy', '/user/idle']);
      assert.equal(all['/user/busy'].last_activity, new Date(T0.getTime() + 3_600_000).toISOString());
    });

    it('answers 400 to a date that does not parse', async () => {
      const reply = await call('GET', '/api/routes?inactive_since=yesterday-ish');
      assert.equal(reply.status, 400);
      assert.match(reply.body, /Invalid datestamp/);
    });
  });

  it('adds the host to route data with host routing', async () => {
    const hosted = new MemoryRouteStore();
    const server = await serve(createChpApiHandler({ routes: hosted, logger: quietLogger, authToken: TOKEN, hostRouting: true }));
    try {
      await request(`${server.url}/api/routes/alice.hub.example.org/`, { method: 'POST', headers: auth, body: JSON.stringify({ target: 'http://a' }) });
      assert.deepEqual((await hosted.get('/alice.hub.example.org'))?.data, { host: 'alice.hub.example.org' });
    } finally {
      await server.close();
    }
  });

  it('refuses bodies over 1 MiB with 413', async () => {
    const reply = await call('POST', '/api/routes/user/x', JSON.stringify({ target: 'http://x', pad: 'x'.repeat(2 * 1024 * 1024) }));
    assert.equal(reply.status, 413);
  });
});
