import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { waitUntilReady, probeOnce, NotReadyError } from './readiness.ts';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address() as net.AddressInfo;
      s.close(() => resolve(a.port));
    });
  });
}

function listen(server: http.Server | net.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

function close(server: http.Server | net.Server): Promise<void> {
  if (server instanceof http.Server) server.closeAllConnections();
  return new Promise((r) => server.close(() => r()));
}

const never = new AbortController().signal;

test('waits while the port refuses connections, then accepts a 302 without following it', async () => {
  const port = await freePort();
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url!);
    res.writeHead(302, { Location: `http://127.0.0.1:${port}/elsewhere` }).end();
  });
  let sleeps = 0;
  // the server comes up after the third refused probe
  const sleep = async () => {
    sleeps++;
    if (sleeps === 3) await listen(server, port);
  };
  try {
    await waitUntilReady(`http://127.0.0.1:${port}/user/alice/api`, { timeoutMs: 30_000, signal: never, sleep });
    assert.equal(sleeps, 3, 'three refused probes, then ready');
    assert.deepEqual(requests, ['/user/alice/api'], 'the redirect was not followed');
  } finally {
    await close(server);
  }
});

test('5xx answers keep it waiting; the first answer below 500 ends the wait', async () => {
  const port = await freePort();
  const statuses = [503, 500, 502, 404];
  const seen: number[] = [];
  const server = http.createServer((_req, res) => {
    const s = statuses[seen.length] ?? 200;
    seen.push(s);
    res.writeHead(s).end();
  });
  await listen(server, port);
  try {
    await waitUntilReady(`http://127.0.0.1:${port}/api`, { timeoutMs: 30_000, signal: never, sleep: async () => undefined });
    assert.deepEqual(seen, [503, 500, 502, 404]);
  } finally {
    await close(server);
  }
});

test('gives up with NotReadyError naming the path when nothing answers in time', async () => {
  const port = await freePort();
  await assert.rejects(
    waitUntilReady(`http://127.0.0.1:${port}/user/alice/api?x=1`, { timeoutMs: 300, signal: never }),
    (e: unknown) => {
      assert.ok(e instanceof NotReadyError);
      assert.equal(e.code, 'SERVER_NOT_READY');
      assert.match(e.message, /Server at \/user\/alice\/api did not respond within \d+ seconds/);
      return true;
    },
  );
});

test('a server that accepts but never answers also times out', async () => {
  const port = await freePort();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => sockets.add(s)); // never writes
  await listen(server, port);
  try {
    await assert.rejects(waitUntilReady(`http://127.0.0.1:${port}/api`, { timeoutMs: 400, signal: never }), NotReadyError);
  } finally {
    for (const s of sockets) s.destroy();
    await close(server);
  }
});

test('a server that keeps failing with 500 times out', async () => {
  const port = await freePort();
  const server = http.createServer((_req, res) => res.writeHead(500).end());
  await listen(server, port);
  try {
    await assert.rejects(waitUntilReady(`http://127.0.0.1:${port}/api`, { timeoutMs: 300, signal: never }), NotReadyError);
  } finally {
    await close(server);
  }
});

test('an aborted wait stops with "cancelled"', async () => {
  const port = await freePort();
  const ac = new AbortController();
  let sleeps = 0;
  const sleep = async () => {
    if (++sleeps === 2) ac.abort();
  };
  await assert.rejects(waitUntilReady(`http://127.0.0.1:${port}/api`, { timeoutMs: 30_000, signal: ac.signal, sleep }), /cancelled/);
  assert.equal(sleeps, 2);
});

test('probeOnce: the status, or null for a refused connection', async () => {
  const port = await freePort();
  assert.equal(await probeOnce(`http://127.0.0.1:${port}/`, 1000), null);
  const server = http.createServer((_req, res) => res.writeHead(418).end());
  await listen(server, port);
  try {
    assert.equal(await probeOnce(`http://127.0.0.1:${port}/`, 1000), 418);
  } finally {
    await close(server);
  }
});
