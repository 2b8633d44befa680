// The processes the proxy benchmark compares: the backend itself (direct), configurable-http-proxy
// 5.x from npm, and `nbhub proxy` — each started as its own process on 127.0.0.1, with routes
// installed through the CHP REST API both proxies speak.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ManagedProcess, ProcessRegistry } from '../lib/processes.ts';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const TSX = ['--import', 'tsx'];

export type PeerName = 'direct' | 'chp' | 'nbhub';

export interface Peer {
  name: PeerName;
  /** Where load goes: http://127.0.0.1:PORT */
  origin: string;
  /** CHP REST API base (proxies only). */
  apiUrl: string | null;
  process: ManagedProcess;
}

export const API_TOKEN = 'bench-proxy-token';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, proc: ManagedProcess, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    if (proc.exited()) throw new Error(`${proc.name} exited before listening; log: ${proc.logFile}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${proc.name} did not listen on ${port} within ${limitMs / 1000} s; log: ${proc.logFile}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function chpVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(REPO, 'node_modules/configurable-http-proxy/package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export async function startBackend(procs: ProcessRegistry, workDir: string): Promise<Peer> {
  const port = await freePort();
  const p = procs.start({
    name: 'backend',
    command: process.execPath,
    args: [...TSX, path.join(REPO, 'bench/proxy/backend.ts'), String(port)],
    env: { PATH: process.env.PATH },
    cwd: REPO,
    logFile: path.join(workDir, 'backend.log'),
  });
  await waitForPort(port, p);
  return { name: 'direct', origin: `http://127.0.0.1:${port}`, apiUrl: null, process: p };
}

export async function startProxyPeer(name: 'chp' | 'nbhub', procs: ProcessRegistry, workDir: string): Promise<Peer> {
  const port = await freePort();
  const apiPort = await freePort();
  const common = ['--ip', '127.0.0.1', '--port', String(port), '--api-ip', '127.0.0.1', '--api-port', String(apiPort), '--log-level', 'warn'];
  const args =
    name === 'chp'
      ? [path.join(REPO, 'node_modules/configurable-http-proxy/bin/configurable-http-proxy'), ...common]
      : [path.join(REPO, 'bin/nbhub.mjs'), 'proxy', ...common];
  const p = procs.start({
    name,
    command: process.execPath,
    args,
    env: { PATH: process.env.PATH, CONFIGPROXY_AUTH_TOKEN: API_TOKEN },
    cwd: REPO,
    logFile: path.join(workDir, `${name}.log`),
  });
  await waitForPort(port, p);
  await waitForPort(apiPort, p);
  return { name, origin: `http://127.0.0.1:${port}`, apiUrl: `http://127.0.0.1:${apiPort}`, process: p };
}

const apiAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** One CHP API call; resolves with the status. */
export function apiCall(apiUrl: string, method: string, key: string, body?: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      `${apiUrl}/api/routes${key}`,
      {
        method,
        agent: apiAgent,
        headers: { Authorization: `token ${API_TOKEN}`, ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}) },
        timeout: 10_000,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${key}: API timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Installs /user/u<from> … /user/u<to-1> → target, 16 calls in flight. */
export async function installRoutes(apiUrl: string, target: string, from: number, to: number): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < to) {
      const i = next++;
      const status = await apiCall(apiUrl, 'POST', `/user/u${i}`, { target, user: `u${i}`, server_name: '', jupyterhub: true });
      if (status !== 201) throw new Error(`POST /api/routes/user/u${i} answered ${status}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

export function closeApiAgent(): void {
  apiAgent.destroy();
}
