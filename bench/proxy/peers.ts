// The processes the proxy benchmark compares: the backend itself (direct), configurable-http-proxy
// 5.x from npm, and `nbhub proxy` — each started as its own process on 127.0.0.1, with routes
// installed through the CHP REST API both proxies speak.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ManagedProcess, ProcessRegistry } from '../lib/processes.ts';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const TSX = ['--import', 'tsx'];

export type PeerName = 'direct' | 'chp' | 'nbhub' | 'nginx';

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

const NGINX = '/usr/sbin/nginx';

/** nginx's version when Debian's nginx is installed (the optional reference column), else null. */
export function nginxVersion(): string | null {
  if (!existsSync(NGINX)) return null;
  const r = spawnSync(NGINX, ['-v'], { encoding: 'utf8', timeout: 5_000 });
  return `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().replace(/^nginx version: nginx\//, '') || 'installed';
}

/**
 * nginx as a reference for what a proxy written in C reaches on this machine: one process
 * (like both proxies), keep-alive to the backend, websocket upgrades passed, no access log.
 * It has one location for everything, so it does no per-route work.
 */
export async function startNginx(procs: ProcessRegistry, workDir: string, backendOrigin: string): Promise<Peer> {
  const port = await freePort();
  const dir = path.join(workDir, 'nginx');
  const conf = path.join(workDir, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 1;
master_process off;
daemon off;
pid ${dir}.pid;
error_log ${path.join(workDir, 'nginx.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  upstream backend { server ${backendOrigin.replace(/^http:\/\//, '')}; keepalive 256; }
  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_buffering off;
      proxy_set_header Host $host;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }
}
`,
  );
  const p = procs.start({
    name: 'nginx',
    command: NGINX,
    args: ['-c', conf, '-p', workDir, '-e', path.join(workDir, 'nginx.log')],
    env: { PATH: process.env.PATH },
    cwd: workDir,
    logFile: path.join(workDir, 'nginx.stdout.log'),
  });
  await waitForPort(port, p);
  return { name: 'nginx', origin: `http://127.0.0.1:${port}`, apiUrl: null, process: p };
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
