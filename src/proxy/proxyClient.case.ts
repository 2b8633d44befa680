// Conformance suite for ProxyClient implementations: what the hub relies on, checked end to end
// through a real proxy (a route added through the client must carry traffic, a deleted one not).

import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ProxyClient } from './types.ts';

export interface ProxyClientFixture {
  client: ProxyClient;
  /** Public URL of the proxy the client drives. */
  proxyUrl: string;
  cleanup: () => Promise<void>;
}

export type MakeProxyClient = () => Promise<ProxyClientFixture>;

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

export function runProxyClientConformance(label: string, make: MakeProxyClient): void {
  describe(`ProxyClient conformance: ${label}`, () => {
    let fixture: ProxyClientFixture;
    let backend: http.Server;
    let target: string;
    before(async () => {
      backend = http.createServer((req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.end(`backend saw ${req.url}`);
      });
      backend.listen(0, '127.0.0.1');
      await once(backend, 'listening');
      target = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
      fixture = await make();
    });
    after(async () => {
      await fixture.cleanup();
      backend.closeAllConnections();
      await new Promise((resolve) => backend.close(resolve));
    });

    it('adds a route that carries traffic and lists it with its data', async () => {
      const { client, proxyUrl } = fixture;
      await client.addRoute('/user/alice', target, { user: 'alice', server_name: '', jupyterhub: true });
      const reply = await get(`${proxyUrl}/user/alice/lab?x=1`);
      assert.equal(reply.status, 200);
      assert.equal(reply.body, 'backend saw /user/alice/lab?x=1');
      const routes = await client.getRoutes();
      const route = routes['/user/alice'];
      assert.ok(route, 'route listed');
      assert.equal(route.target, target);
      assert.equal(route.user, 'alice');
      assert.equal(route.server_name, '');
      assert.equal(route.jupyterhub, true);
      assert.equal(typeof route.last_activity, 'string');
      assert.ok(Number.isFinite(Date.parse(route.last_activity as string)));
    });

    it('normalizes a trailing slash in the key', async () => {
      const { client } = fixture;
      await client.addRoute('/user/bob/', target, { user: 'bob' });
      const routes = await client.getRoutes();
      assert.ok(routes['/user/bob']);
      assert.equal(routes['/user/bob/'], undefined);
      await client.deleteRoute('/user/bob/');
      assert.equal((await client.getRoutes())['/user/bob'], undefined);
    });

    it('keeps keys with characters that need escaping intact', async () => {
      const { client, proxyUrl } = fixture;
      const key = '/user/a@b.c d%e';
      await client.addRoute(key, target, { user: 'a@b.c d%e' });
      assert.ok((await client.getRoutes())[key], 'listed under the same key');
      const reply = await get(`${proxyUrl}/user/a%40b.c%20d%25e/tree`);
      assert.equal(reply.body, 'backend saw /user/a%40b.c%20d%25e/tree');
      await client.deleteRoute(key);
      assert.equal((await client.getRoutes())[key], undefined);
    });

    it('replaces the target of an existing route', async () => {
      const { client } = fixture;
      await client.addRoute('/user/carol', 'http://127.0.0.1:1', { user: 'carol' });
      await client.addRoute('/user/carol', target, { user: 'carol', server_name: '' });
      const route = (await client.getRoutes())['/user/carol'];
      assert.equal(route.target, target);
      assert.equal(route.server_name, '');
    });

    it('deletes a route: traffic stops and the listing drops it', async () => {
      const { client, proxyUrl } = fixture;
      await client.addRoute('/user/dave', target, { user: 'dave' });
      assert.equal((await get(`${proxyUrl}/user/dave/`)).status, 200);
      await client.deleteRoute('/user/dave');
      assert.equal((await get(`${proxyUrl}/user/dave/`)).status, 404);
      assert.equal((await client.getRoutes())['/user/dave'], undefined);
    });

    it('treats deleting a missing route as success', async () => {
      await fixture.client.deleteRoute('/user/never-existed');
    });

    it("handles the '/' route", async () => {
      const { client, proxyUrl } = fixture;
      await client.addRoute('/', target, { hub: true, jupyterhub: true });
      assert.equal((await get(`${proxyUrl}/hub/login`)).body, 'backend saw /hub/login');
      assert.equal((await client.getRoutes())['/']?.hub, true);
      await client.deleteRoute('/');
      assert.equal((await client.getRoutes())['/'], undefined);
    });
  });
}
