// Both ProxyClient implementations through the same conformance suite, against real servers:
// the in-process client on a proxy in this process, the CHP client on nbhub's own CHP API.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { quietLogger, startProxy } from '../../test/proxy/servers.ts';
import { createChpApiHandler } from './chpApi.ts';
import { ChpProxyClient, ProxyApiError } from './chpClient.ts';
import { InProcessProxyClient } from './inProcessClient.ts';
import { runProxyClientConformance } from './proxyClient.case.ts';

async function listen(handler: http.RequestListener): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

runProxyClientConformance('InProcessProxyClient', async () => {
  const p = await startProxy();
  return { client: new InProcessProxyClient(p.routes), proxyUrl: p.url, cleanup: () => p.close() };
});

runProxyClientConformance('ChpProxyClient', async () => {
  const p = await startProxy();
  const api = await listen(createChpApiHandler({ routes: p.routes, logger: quietLogger, authToken: 'tok' }));
  const client = new ChpProxyClient({ apiUrl: api.url, authToken: 'tok' });
  return {
    client,
    proxyUrl: p.url,
    cleanup: async () => {
      client.close();
      await new Promise((resolve) => api.server.close(resolve));
      await p.close();
    },
  };
});

describe('ChpProxyClient failures', () => {
  const noSleep = { sleep: async () => undefined };

  it('retries 5xx answers until one succeeds', async () => {
    let calls = 0;
    const api = await listen((req, res) => {
      calls++;
      res.writeHead(calls < 3 ? 503 : 200, { 'Content-Type': 'application/json' });
      res.end(calls < 3 ? '' : '{}');
    });
    const client = new ChpProxyClient({ apiUrl: api.url, authToken: 't', ...noSleep });
    try {
      assert.deepEqual(await client.getRoutes(), {});
      assert.equal(calls, 3);
    } finally {
      client.close();
      api.server.close();
    }
  });

  it('gives up after the retry deadline with PROXY_API_UNREACHABLE, without the token in the message', async () => {
    const api = await listen(() => undefined);
    const url = api.url;
    api.server.close();
    let now = 0;
    const client = new ChpProxyClient({
      apiUrl: url,
      authToken: 'very-secret',
      sleep: async (ms) => void (now += ms),
      now: () => now,
    });
    try {
      await assert.rejects(client.addRoute('/user/x', 'http://x', {}), (err: unknown) => {
        assert.ok(err instanceof ProxyApiError);
        assert.equal(err.code, 'PROXY_API_UNREACHABLE');
        assert.doesNotMatch(err.message, /very-secret/);
        return true;
      });
      assert.equal(now, 30_000, 'backed off for the whole retry deadline');
    } finally {
      client.close();
    }
  });

  it('does not retry a 4xx answer and reports it as PROXY_API_REJECTED', async () => {
    let calls = 0;
    const api = await listen((req, res) => {
      calls++;
      res.writeHead(403);
      res.end();
    });
    const client = new ChpProxyClient({ apiUrl: api.url, authToken: 'wrong', ...noSleep });
    try {
      await assert.rejects(client.getRoutes(), { code: 'PROXY_API_REJECTED', status: 403 });
      assert.equal(calls, 1);
    } finally {
      client.close();
      api.server.close();
    }
  });

  it('times out a request the API never answers', async () => {
    const api = await listen(() => undefined);
    let now = 0;
    const client = new ChpProxyClient({ apiUrl: api.url, authToken: 't', requestTimeoutMs: 50, retryDeadlineMs: 0, now: () => now });
    try {
      await assert.rejects(client.getRoutes(), { code: 'PROXY_API_UNREACHABLE' });
    } finally {
      client.close();
      api.server.closeAllConnections();
      api.server.close();
    }
  });

  it('sends the token as `Authorization: token …`', async () => {
    let seen: string | undefined;
    const api = await listen((req, res) => {
      seen = req.headers.authorization;
      res.writeHead(201);
      res.end();
    });
    const client = new ChpProxyClient({ apiUrl: api.url, authToken: 'abc', ...noSleep });
    try {
      await client.addRoute('/user/x', 'http://x', {});
      assert.equal(seen, 'token abc');
    } finally {
      client.close();
      api.server.close();
    }
  });
});
