// Real servers on 127.0.0.1 for proxy tests: backends that report what arrived, a websocket
// echo, and a proxy under test. Each test stops only what it started.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { pino } from 'pino';
import { WebSocketServer } from 'ws';
import { MemoryRouteStore } from '../../src/proxy/memoryRouteStore.ts';
import { createProxy, type Proxy, type ProxyOptions } from '../../src/proxy/server.ts';

export const quietLogger = pino({ level: process.env.NBHUB_TEST_LOG ?? 'silent' });

export interface Backend {
  name: string;
  url: string;
  port: number;
  server: http.Server;
  /** Requests seen, in order. */
  seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; rawHeaders: string[] }>;
  connections(): Promise<number>;
  close(): Promise<void>;
}

export function connectionCount(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
}

/**
 * A backend that answers JSON {backend, method, url, headers}. The last path segment picks
 * special behaviour: echo (stream the body back), big (2 MiB answer), huge (16 MiB), redirect (302), missing (404),
 * hang (never answers), trickle (headers + one chunk, then nothing), reset (destroys the socket),
 * cut (headers + part of the body, then destroys the socket),
 * stream (event-stream chunks every 20 ms until the client leaves).
 */
export async function startBackend(name: string, options: { websocket?: boolean } = {}): Promise<Backend> {
  const seen: Backend['seen'] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders });
    const path = (req.url ?? '').split('?', 1)[0];
    const last = path.slice(path.lastIndexOf('/') + 1);
    switch (last) {
      case 'echo':
        res.writeHead(200, { 'Content-Type': req.headers['content-type'] ?? 'application/octet-stream' });
        req.pipe(res);
        return;
      case 'big': {
        const chunk = Buffer.alloc(64 * 1024, 'x');
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 32 * chunk.length });
        for (let i = 0; i < 32; i++) res.write(chunk);
        res.end();
        return;
      }
      case 'huge': {
        // larger than the loopback socket buffers, so a slow reader really pushes back
        const chunk = Buffer.alloc(1024 * 1024, 'h');
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 16 * chunk.length });
        for (let i = 0; i < 16; i++) res.write(chunk);
        res.end();
        return;
      }
      case 'redirect':
        res.writeHead(302, { Location: '/elsewhere' });
        res.end();
        return;
      case 'missing':
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('nope');
        return;
      case 'hang':
        req.resume();
        return;
      case 'trickle':
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('first chunk');
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'cut':
        res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 1000 });
        res.write('only part of it');
        setTimeout(() => req.socket.destroy(), 20);
        return;
      case 'stream': {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        const timer = setInterval(() => res.write('data: tick\n\n'), 20);
        res.on('close', () => clearInterval(timer));
        return;
      }
    }
    req.resume();
    req.on('end', () => {
      const body = JSON.stringify({ backend: name, method: req.method, url: req.url, headers: req.headers });
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Backend': name });
      res.end(body);
    });
  });
  if (options.websocket) {
    const wss = new WebSocketServer({ server });
    wss.on('connection', (ws, req) => {
      ws.send(JSON.stringify({ backend: name, url: req.url, headers: req.headers }));
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  }
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    server,
    seen,
    connections: () => connectionCount(server),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface ProxyUnderTest {
  proxy: Proxy;
  routes: MemoryRouteStore;
  server: http.Server;
  url: string;
  port: number;
  connections(): Promise<number>;
  close(): Promise<void>;
}

export async function startProxy(options: Partial<ProxyOptions> = {}): Promise<ProxyUnderTest> {
  const routes = (options.routes as MemoryRouteStore | undefined) ?? new MemoryRouteStore();
  // NBHUB_PROXY_FAST_PATH=0 runs a suite through node's HTTP server only (server.nodePath.test.ts)
  const fastPath = options.fastPath ?? process.env.NBHUB_PROXY_FAST_PATH !== '0';
  const proxy = createProxy({ logger: quietLogger, ...options, fastPath, routes });
  await proxy.ready;
  const server = http.createServer();
  proxy.attach(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    proxy,
    routes,
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    connections: () => connectionCount(server),
    async close() {
      proxy.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request on a fresh connection (no keep-alive), body collected as text. */
export function request(
  url: string,
  options: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string | Buffer } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Polls `check` until it returns true (condition-based, not timed assertions). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, limitMs = 5000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
