// No leaks under the traffic that took CHP down (configurable-http-proxy#388, #434, #557):
// 10,000 websockets opened and abandoned (the client vanishes without a close handshake) and
// 10,000 requests to a target that resets connections, against `nbhub proxy` running as a
// child process. Afterwards its open file descriptors (/proc/<pid>/fd) and its memory (RSS
// after a full GC, triggered over the inspector protocol) are back within 10% of the start.
//
// "Start" is measured after a warm-up round with the same concurrency, so one-off growth
// (JIT code, pools sized for the concurrency, allocator arenas) is not mistaken for a leak.
// Every phase is bounded in count and time.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { freePort, REPO } from '../support/nbhubProcess.ts';
import { eventually, request } from './servers.ts';

const TOKEN = 'soak-test-token';
const ROUNDS = Number(process.env.SOAK_ROUNDS ?? 10_000);
const WARMUP = 1_000;
const CONCURRENCY = 50;
const PHASE_LIMIT_MS = 90_000;

interface ProxyChild {
  child: ChildProcess;
  pid: number;
  proxyPort: number;
  apiUrl: string;
  metricsUrl: string;
  inspectorUrl: string;
}

async function startProxyChild(): Promise<ProxyChild> {
  const [proxyPort, apiPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  // at log level error the proxy prints nothing at start-up: readiness is the ports answering
  const child = spawn(
    process.execPath,
    [
      '--inspect=127.0.0.1:0',
      'bin/nbhub.mjs', 'proxy', '--log-level', 'error',
      '--ip', '127.0.0.1', '--port', String(proxyPort), '--api-ip', '127.0.0.1', '--api-port', String(apiPort),
      '--metrics-ip', '127.0.0.1', '--metrics-port', String(metricsPort),
    ],
    { cwd: REPO, env: { ...process.env, CONFIGPROXY_AUTH_TOKEN: TOKEN }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  try {
    await eventually(() => child.exitCode === null && /Debugger listening on ws:\/\//.test(err), 'the inspector to listen', 30_000);
    await eventually(async () => (await request(`http://127.0.0.1:${metricsPort}/metrics`).catch(() => null))?.status === 200, 'the proxy to listen', 30_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}; proxy stderr: ${err}`);
  }
  return {
    child,
    pid: child.pid!,
    proxyPort,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    metricsUrl: `http://127.0.0.1:${metricsPort}`,
    inspectorUrl: /Debugger listening on (ws:\/\/\S+)/.exec(err)![1],
  };
}

/** A Chrome DevTools Protocol session on the child's inspector, to force a full GC. */
class Inspector {
  private nextId = 1;
  private constructor(private readonly ws: WebSocket) {}

  static async connect(url: string): Promise<Inspector> {
    const ws = new WebSocket(url);
    await once(ws, 'open');
    return new Inspector(ws);
  }

  call(method: string): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`inspector ${method} timed out`)), 30_000);
      const onMessage = (data: WebSocket.RawData) => {
        const message = JSON.parse(String(data)) as { id?: number; error?: { message: string } };
        if (message.id !== id) return;
        clearTimeout(timer);
        this.ws.off('message', onMessage);
        if (message.error) reject(new Error(message.error.message));
        else resolve();
      };
      this.ws.on('message', onMessage);
      this.ws.send(JSON.stringify({ id, method }));
    });
  }

  close(): void {
    this.ws.terminate();
  }
}

function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error('no VmRSS');
  return Number(m[1]);
}

/** Runs `task(i)` for i < count with `concurrency` in flight; bounded by PHASE_LIMIT_MS. */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  const deadline = Date.now() + PHASE_LIMIT_MS;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      if (Date.now() > deadline) throw new Error(`phase did not finish within ${PHASE_LIMIT_MS / 1000} s (at ${next}/${count})`);
      await task(next++);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

const UPGRADE =
  'GET /user/alice/api/kernels/k/channels HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

/** Opens a websocket through the proxy, waits for the server's first message, then vanishes. */
function abandonedWebsocket(port: number, i: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let seen = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`websocket ${i}: no answer`));
    }, 10_000);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      // the 101 answer and the server's hello frame
      if (!seen.startsWith('HTTP/1.1 101') || !seen.includes('hello')) return;
      clearTimeout(timer);
      // no close frame, no FIN handshake: half the clients just close, half reset
      if (i % 2 === 0) socket.destroy();
      else socket.resetAndDestroy();
      resolve();
    });
    socket.write(UPGRADE);
  });
}

describe('proxy soak: abandoned websockets and resetting targets', { timeout: 300_000 }, () => {
  let proxy: ProxyChild;
  let inspector: Inspector;
  let wsBackend: http.Server;
  let resetting: net.Server;
  let agent: http.Agent;

  before(async () => {
    wsBackend = http.createServer((req, res) => res.end('ok'));
    const wss = new WebSocketServer({ server: wsBackend, perMessageDeflate: false });
    wss.on('connection', (ws) => {
      ws.on('error', () => undefined);
      ws.send('hello');
    });
    wsBackend.listen(0, '127.0.0.1');
    await once(wsBackend, 'listening');
    // resets every connection: half of them before answering, half in the middle of an answer
    let n = 0;
    resetting = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => {
        if (n++ % 2 === 0) socket.resetAndDestroy();
        else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial', () => socket.resetAndDestroy());
      });
    });
    resetting.listen(0, '127.0.0.1');
    await once(resetting, 'listening');

    proxy = await startProxyChild();
    inspector = await Inspector.connect(proxy.inspectorUrl);
    const add = (key: string, target: string) =>
      request(`${proxy.apiUrl}/api/routes${key}`, { method: 'POST', headers: { Authorization: `token ${TOKEN}` }, body: JSON.stringify({ target }) });
    assert.equal((await add('/user/alice', `http://127.0.0.1:${(wsBackend.address() as net.AddressInfo).port}`)).status, 201);
    assert.equal((await add('/user/reset', `http://127.0.0.1:${(resetting.address() as net.AddressInfo).port}`)).status, 201);
    agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  });

  after(async () => {
    agent?.destroy();
    inspector?.close();
    if (proxy && proxy.child.exitCode === null) {
      proxy.child.kill('SIGTERM');
      await once(proxy.child, 'exit');
    }
    wsBackend?.closeAllConnections();
    await new Promise((resolve) => wsBackend?.close(resolve));
    await new Promise((resolve) => resetting?.close(resolve));
  });

  function resetRequest(): Promise<void> {
    return new Promise((resolve) => {
      const req = http.get(`http://127.0.0.1:${proxy.proxyPort}/user/reset/x`, { agent, timeout: 10_000 }, (res) => {
        res.on('error', () => resolve());
        res.on('close', () => resolve());
        res.resume();
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve());
    });
  }

  async function round(count: number): Promise<void> {
    await pool(count, CONCURRENCY, (i) => abandonedWebsocket(proxy.proxyPort, i));
    await pool(count, CONCURRENCY, () => resetRequest());
    agent.destroy(); // the client side's kept-alive connections are not the proxy's to count
    agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  }

  async function openTunnels(): Promise<number> {
    const m = /nbhub_proxy_websockets_open (\d+)/.exec((await request(`${proxy.metricsUrl}/metrics`)).body);
    return m ? Number(m[1]) : -1;
  }

  async function settled(): Promise<{ fds: number; rssKiB: number }> {
    await eventually(async () => (await openTunnels()) === 0, 'all websocket tunnels closed', 30_000);
    await eventually(async () => (await new Promise<number>((r) => wsBackend.getConnections((_e, n) => r(n)))) === 0, 'backend connections closed', 30_000);
    await inspector.call('HeapProfiler.collectGarbage');
    await inspector.call('HeapProfiler.collectGarbage');
    return { fds: fdCount(proxy.pid), rssKiB: rssKiB(proxy.pid) };
  }

  it(`returns to its starting file descriptors and memory after ${ROUNDS.toLocaleString('en-US')} of each`, async () => {
    await round(WARMUP);
    const start = await settled();
    await round(ROUNDS);
    // fds: the kernel may take a moment to hand back closed sockets
    await eventually(() => fdCount(proxy.pid) <= start.fds * 1.1, `open fds back near ${start.fds} (now ${fdCount(proxy.pid)})`, 30_000);
    const end = await settled();
    const message = `start ${JSON.stringify(start)}, end ${JSON.stringify(end)}`;
    assert.ok(end.fds <= start.fds * 1.1, `file descriptors: ${message}`);
    assert.ok(end.rssKiB <= start.rssKiB * 1.1, `RSS after GC: ${message}`);
    process.stdout.write(`# soak: ${message}\n`);
  });
});
