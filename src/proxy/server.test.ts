// The proxy's HTTP behaviour against real backends on 127.0.0.1, in the spirit of CHP's
// test/proxy_spec.js: what arrives at the target, and what the client gets back.

import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { request, startBackend, startProxy, type Backend, type ProxyUnderTest } from '../../test/proxy/servers.ts';

const T0 = new Date('2026-11-23T10:00:00.000Z');

describe('proxy: routing', () => {
  let hub: Backend;
  let alice: Backend;
  let aliceFoo: Backend;
  let p: ProxyUnderTest;
  before(async () => {
    hub = await startBackend('hub');
    alice = await startBackend('alice');
    aliceFoo = await startBackend('alice-foo');
    p = await startProxy();
    await p.routes.add('/', hub.url, { hub: true }, T0);
    await p.routes.add('/user/alice', alice.url, { user: 'alice' }, T0);
    await p.routes.add('/user/alice/foo', aliceFoo.url, { user: 'alice', server_name: 'foo' }, T0);
    await p.routes.add('/user/a@b', alice.url, {}, T0);
  });
  after(async () => {
    await p.close();
    await Promise.all([hub.close(), alice.close(), aliceFoo.close()]);
  });

  const via = async (path: string, headers?: http.OutgoingHttpHeaders) => {
    const reply = await request(p.url + path, { headers });
    return { ...reply, json: reply.status === 200 ? JSON.parse(reply.body) : null };
  };

  it('answers the CHP health check itself', async () => {
    const reply = await request(`${p.url}/_chp_healthz`);
    assert.equal(reply.status, 200);
    assert.deepEqual(JSON.parse(reply.body), { status: 'OK' });
  });

  it('forwards the full original path and query to the matching target', async () => {
    const { json } = await via('/user/alice/lab/tree?token=abc&x=1');
    assert.equal(json.backend, 'alice');
    assert.equal(json.url, '/user/alice/lab/tree?token=abc&x=1');
  });

  it('picks the longest matching prefix on whole segments', async () => {
    assert.equal((await via('/user/alice/foo/api/status')).json.backend, 'alice-foo');
    assert.equal((await via('/user/alice/foox')).json.backend, 'alice');
    assert.equal((await via('/user/alice')).json.backend, 'alice');
    assert.equal((await via('/user/alice/')).json.backend, 'alice');
    assert.equal((await via('/user/alicex/lab')).json.backend, 'hub');
  });

  it("sends everything else to the '/' route", async () => {
    const { json } = await via('/hub/login?next=%2Fuser%2Falice');
    assert.equal(json.backend, 'hub');
    assert.equal(json.url, '/hub/login?next=%2Fuser%2Falice');
  });

  it('matches percent-decoded paths and forwards them still encoded', async () => {
    const { json } = await via('/user/a%40b/lab');
    assert.equal(json.backend, 'alice');
    assert.equal(json.url, '/user/a%40b/lab');
  });

  it('routes and forwards the normalized path when the raw path has dot segments', async () => {
    const { json } = await via('/user/alice/foo/../lab');
    assert.equal(json.backend, 'alice');
    assert.equal(json.url, '/user/alice/lab');
  });

  it('answers 400 to a path that is not valid percent-encoding', async () => {
    assert.equal((await request(`${p.url}/user/alice/%E0%A4%A`)).status, 400);
  });

  it('preserves the Host header and adds X-Forwarded-*', async () => {
    const { json } = await via('/user/alice/api', { Host: 'hub.example.org:8443' });
    assert.equal(json.headers.host, 'hub.example.org:8443');
    assert.equal(json.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(json.headers['x-forwarded-port'], '8443');
    assert.equal(json.headers['x-forwarded-proto'], 'http');
    assert.equal(json.headers['x-forwarded-host'], 'hub.example.org:8443');
  });

  it('appends to X-Forwarded-For/-Proto from an earlier proxy and keeps its X-Forwarded-Host', async () => {
    const { json } = await via('/user/alice/api', {
      Host: 'hub.example.org',
      'X-Forwarded-For': '203.0.113.7',
      'X-Forwarded-Proto': 'https',
      'X-Forwarded-Host': 'public.example.org',
    });
    assert.equal(json.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
    assert.equal(json.headers['x-forwarded-proto'], 'https, http');
    assert.equal(json.headers['x-forwarded-port'], '80');
    assert.equal(json.headers['x-forwarded-host'], 'public.example.org');
  });

  it('does not forward hop-by-hop headers', async () => {
    const { json } = await via('/user/alice/api', { 'Proxy-Connection': 'keep-alive', 'Keep-Alive': 'timeout=5', TE: 'trailers' });
    assert.equal(json.headers['proxy-connection'], undefined);
    assert.equal(json.headers['keep-alive'], undefined);
    assert.equal(json.headers.te, undefined);
  });

  it('passes the target status, headers and body through', async () => {
    const reply = await request(`${p.url}/user/alice/redirect`);
    assert.equal(reply.status, 302);
    assert.equal(reply.headers.location, '/elsewhere');
    const missing = await request(`${p.url}/user/alice/missing`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body, 'nope');
    const ok = await request(`${p.url}/user/alice/x`);
    assert.equal(ok.headers['x-backend'], 'alice');
  });

  it('streams a large upload to the target and the answer back unchanged', async () => {
    const body = Buffer.alloc(5 * 1024 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff;
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const req = http.request(`${p.url}/user/alice/echo`, { method: 'POST', agent: false, headers: { 'Content-Type': 'application/x-test' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      });
      req.on('error', reject);
      // chunked upload, written in pieces
      for (let i = 0; i < body.length; i += 256 * 1024) req.write(body.subarray(i, i + 256 * 1024));
      req.end();
    });
    assert.equal(reply.length, body.length);
    assert.ok(reply.equals(body));
  });

  it('streams a large download', async () => {
    const reply = await request(`${p.url}/user/alice/big`);
    assert.equal(reply.status, 200);
    assert.equal(reply.body.length, 2 * 1024 * 1024);
    assert.equal(reply.headers['content-length'], String(2 * 1024 * 1024));
  });

  it('reuses upstream connections for sequential requests', async () => {
    const before = alice.seen.length;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve, reject) =>
        http.get(`${p.url}/user/alice/seq`, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject),
      );
    }
    agent.destroy();
    assert.equal(alice.seen.length - before, 5);
    assert.equal(await alice.connections(), 1);
  });
});

describe('proxy: options', () => {
  let backend: Backend;
  before(async () => {
    backend = await startBackend('b');
  });
  after(() => backend.close());

  it('strips the route prefix with includePrefix false', async () => {
    const p = await startProxy({ includePrefix: false });
    try {
      await p.routes.add('/user/alice', backend.url, {}, T0);
      assert.equal(JSON.parse((await request(`${p.url}/user/alice/lab?x=1`)).body).url, '/lab?x=1');
      assert.equal(JSON.parse((await request(`${p.url}/user/alice`)).body).url, '/');
      assert.equal(JSON.parse((await request(`${p.url}/user/alice?x=1`)).body).url, '/?x=1');
    } finally {
      await p.close();
    }
  });

  it("prepends the target's path, unless prependPath is false", async () => {
    const p = await startProxy();
    const q = await startProxy({ prependPath: false });
    try {
      await p.routes.add('/user/alice', `${backend.url}/base/`, {}, T0);
      await q.routes.add('/user/alice', `${backend.url}/base`, {}, T0);
      assert.equal(JSON.parse((await request(`${p.url}/user/alice/x`)).body).url, '/base/user/alice/x');
      assert.equal(JSON.parse((await request(`${q.url}/user/alice/x`)).body).url, '/user/alice/x');
    } finally {
      await p.close();
      await q.close();
    }
  });

  it('adds no X-Forwarded-* headers with xForward false', async () => {
    const p = await startProxy({ xForward: false });
    try {
      await p.routes.add('/', backend.url, {}, T0);
      const headers = JSON.parse((await request(`${p.url}/x`, { headers: { 'X-Forwarded-For': '10.0.0.1' } })).body).headers;
      assert.equal(headers['x-forwarded-for'], '10.0.0.1');
      assert.equal(headers['x-forwarded-proto'], undefined);
    } finally {
      await p.close();
    }
  });

  it("passes a TLS-offloading load balancer's X-Forwarded-Proto/-Port on unchanged with trustForwardedProto", async () => {
    const p = await startProxy({ trustForwardedProto: true });
    try {
      await p.routes.add('/', backend.url, {}, T0);
      const lb = { Host: 'hub.example.org', 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '203.0.113.7' };
      const seen = JSON.parse((await request(`${p.url}/x`, { headers: lb })).body).headers;
      assert.equal(seen['x-forwarded-proto'], 'https');
      assert.equal(seen['x-forwarded-port'], '443');
      assert.equal(seen['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
      const direct = JSON.parse((await request(`${p.url}/x`)).body).headers;
      assert.equal(direct['x-forwarded-proto'], 'http', 'without a load balancer header the proxy still says what it saw');
    } finally {
      await p.close();
    }
  });

  it('adds custom headers, replacing client headers of the same name', async () => {
    const p = await startProxy({ customHeaders: { 'X-Hub-Region': 'eu', 'X-Spoofable': 'proxy' } });
    try {
      await p.routes.add('/', backend.url, {}, T0);
      const headers = JSON.parse((await request(`${p.url}/x`, { headers: { 'x-spoofable': 'client' } })).body).headers;
      assert.equal(headers['x-hub-region'], 'eu');
      assert.equal(headers['x-spoofable'], 'proxy');
    } finally {
      await p.close();
    }
  });

  it('installs the default target as the / route', async () => {
    const p = await startProxy({ defaultTarget: backend.url });
    try {
      assert.equal((await p.routes.get('/'))?.target, backend.url);
      assert.equal(JSON.parse((await request(`${p.url}/anything`)).body).backend, 'b');
    } finally {
      await p.close();
    }
  });

  it('keeps a quiet streamed answer alive past the idle time of pooled sockets', async () => {
    const quiet = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('a');
      setTimeout(() => res.end('b'), 300);
    });
    quiet.listen(0, '127.0.0.1');
    await once(quiet, 'listening');
    const p = await startProxy({ pool: { freeSocketTimeoutMs: 50 } });
    try {
      await p.routes.add('/', `http://127.0.0.1:${(quiet.address() as net.AddressInfo).port}`, {}, T0);
      const reply = await request(`${p.url}/events`);
      assert.equal(reply.body, 'ab');
    } finally {
      await p.close();
      quiet.closeAllConnections();
      await new Promise((resolve) => quiet.close(resolve));
    }
  });

  it('closes client connections idle past the timeout option', async () => {
    const p = await startProxy({ timeoutMs: 100 });
    try {
      await p.routes.add('/', backend.url, {}, T0);
      await assert.rejects(request(`${p.url}/x/hang`), { code: 'ECONNRESET' });
    } finally {
      await p.close();
    }
  });

  it('routes on host + path with hostRouting', async () => {
    const other = await startBackend('other');
    const p = await startProxy({ hostRouting: true });
    try {
      await p.routes.add('/alice.hub.example.org', backend.url, {}, T0);
      await p.routes.add('/', other.url, {}, T0);
      const alice = JSON.parse((await request(`${p.url}/lab`, { headers: { Host: 'Alice.Hub.Example.org:8000' } })).body);
      assert.equal(alice.backend, 'b');
      assert.equal(alice.url, '/lab');
      const hub = JSON.parse((await request(`${p.url}/lab`, { headers: { Host: 'hub.example.org' } })).body);
      assert.equal(hub.backend, 'other');
    } finally {
      await p.close();
      await other.close();
    }
  });
});

describe('proxy: errors', () => {
  let errors: Backend;
  let deadTarget: string;
  before(async () => {
    errors = await startBackend('errors');
    errors.server.removeAllListeners('request');
    errors.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      errors.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders });
      res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8' });
      res.end(`<h1>error page for ${req.url}</h1>`);
    });
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    deadTarget = `http://127.0.0.1:${(probe.address() as net.AddressInfo).port}`;
    await new Promise((resolve) => probe.close(resolve));
  });
  after(() => errors.close());

  it('answers 404 when no route matches', async () => {
    const p = await startProxy();
    try {
      await p.routes.add('/user/alice', deadTarget, {}, T0);
      const reply = await request(`${p.url}/hub/login`);
      assert.equal(reply.status, 404);
    } finally {
      await p.close();
    }
  });

  it('answers 503 when the target refuses the connection', async () => {
    const p = await startProxy();
    try {
      await p.routes.add('/user/alice', deadTarget, {}, T0);
      assert.equal((await request(`${p.url}/user/alice/api`)).status, 503);
      assert.equal((await request(`${p.url}/user/alice/api`, { method: 'POST', body: 'x' })).status, 503);
    } finally {
      await p.close();
    }
  });

  it('answers 503 when the target resets before answering', async () => {
    const backend = await startBackend('resetting');
    const p = await startProxy();
    try {
      await p.routes.add('/', backend.url, {}, T0);
      assert.equal((await request(`${p.url}/x/reset`)).status, 503);
    } finally {
      await p.close();
      await backend.close();
    }
  });

  it('answers 503 when the target does not answer within the proxy timeout', async () => {
    const backend = await startBackend('slow');
    const p = await startProxy({ proxyTimeoutMs: 100 });
    try {
      await p.routes.add('/', backend.url, {}, T0);
      assert.equal((await request(`${p.url}/x/hang`)).status, 503);
    } finally {
      await p.close();
      await backend.close();
    }
  });

  it('relays the error target page with its content type and our status', async () => {
    const p = await startProxy({ errorTarget: `${errors.url}/hub/error` });
    try {
      await p.routes.add('/user/alice', deadTarget, {}, T0);
      const down = await request(`${p.url}/user/alice/lab?token=secret`);
      assert.equal(down.status, 503);
      assert.equal(down.headers['content-type'], 'text/html; charset=UTF-8');
      const asked = errors.seen.at(-1);
      assert.equal(asked?.url, '/hub/error/503?url=%2Fuser%2Falice%2Flab%3Ftoken%3Dsecret');
      assert.equal(down.body, `<h1>error page for ${asked?.url}</h1>`);
      const missing = await request(`${p.url}/nowhere`);
      assert.equal(missing.status, 404);
      assert.equal(errors.seen.at(-1)?.url, '/hub/error/404?url=%2Fnowhere');
    } finally {
      await p.close();
    }
  });

  it('falls back to a plain answer when the error target is down too', async () => {
    const p = await startProxy({ errorTarget: deadTarget });
    try {
      const reply = await request(`${p.url}/nowhere`);
      assert.equal(reply.status, 404);
      assert.equal(reply.body, 'Not Found');
    } finally {
      await p.close();
    }
  });

  it('answers 500 for a route whose target is not a URL', async () => {
    const p = await startProxy();
    try {
      await p.routes.add('/', 'not a url', {}, T0);
      assert.equal((await request(`${p.url}/x`)).status, 500);
    } finally {
      await p.close();
    }
  });

  it('retries a body-less request once when a kept-alive upstream socket turns out dead', async () => {
    // answers the first request on each connection, then drops the connection on the next one
    const flaky = net.createServer((socket) => {
      let answered = false;
      socket.on('data', () => {
        if (answered) {
          socket.destroy();
          return;
        }
        answered = true;
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok');
      });
    });
    flaky.listen(0, '127.0.0.1');
    await once(flaky, 'listening');
    const p = await startProxy();
    try {
      await p.routes.add('/', `http://127.0.0.1:${(flaky.address() as net.AddressInfo).port}`, {}, T0);
      assert.equal((await request(`${p.url}/first`)).body, 'ok');
      const second = await request(`${p.url}/second`);
      assert.equal(second.status, 200);
      assert.equal(second.body, 'ok');
    } finally {
      await p.close();
      await new Promise((resolve) => flaky.close(resolve));
    }
  });
});
