// The hub's own `nbhub proxy` as a detached, long-lived process (proxy.separateProcess): a hub
// crash or restart leaves it running, so users keep reaching their servers; the next hub finds
// it through its state file and re-uses it instead of starting a second one.
//
// Re-used only when everything matches: the process is alive and is the `nbhub proxy` that
// wrote this state file (checked in /proc, so a recycled pid is not mistaken for it), its
// command line is the one this hub would use, its API token hash matches, and its API answers.
// Otherwise it is stopped and a new one started; routes carry over through the routes file.

import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { DEFAULT_LOG_MAX_BYTES } from './logFile.ts';
import { readProxyState, tokenSha256, type ProxyState } from './proxyState.ts';

const NBHUB_BIN = fileURLToPath(new URL('../../bin/nbhub.mjs', import.meta.url));
/** Environment the proxy gets besides its token: nothing else of the hub's (which holds secrets). */
const PASSED_ENV = /^(PATH|HOME|USER|LANG|LC_[A-Z]+|TZ|TMPDIR|NODE_OPTIONS|NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR)$/;

export interface ManagedProxyOptions {
  /** Holds state.json, routes.json and proxy.log. */
  dir: string;
  /** CONFIGPROXY_AUTH_TOKEN for the proxy's API. */
  token: string;
  /** `nbhub proxy` options besides --routes-file and --state-file (added here). */
  args: string[];
  logger: Logger;
  /** Restart a running proxy even when its command line matches (e.g. its certificate files changed). */
  forceRestart?: boolean;
  /** How long a new proxy may take to listen (ACME issuance included). */
  startTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface ManagedProxy {
  state: ProxyState;
  /** True when an already running proxy was re-used. */
  reused: boolean;
  apiUrl: string;
  logFile: string;
}

export class ManagedProxyError extends Error {
  readonly code = 'PROXY_PROCESS_FAILED';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process's command line, or null when it is gone (or a zombie). */
function commandLine(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') return null;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** GET /api/routes with the token: true when the API answers 200. */
function apiAnswers(apiUrl: string, token: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${apiUrl}/api/routes`, { headers: { Authorization: `token ${token}` }, timeout: 3_000, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function apiUrlOf(state: ProxyState): string {
  const host = state.apiIp === 'localhost' || state.apiIp === '' ? '127.0.0.1' : state.apiIp;
  return `http://${host.includes(':') ? `[${host}]` : host}:${state.apiPort}`;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(pid: number, graceMs = 10_000): Promise<void> {
  if (commandLine(pid) === null) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (commandLine(pid) === null) return;
    await sleep(50);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  for (let i = 0; i < 100 && commandLine(pid) !== null; i++) await sleep(50);
}

function sameArgs(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The running proxy described by the state file in `dir`, if it is ours and alive. */
export function runningProxy(dir: string): ProxyState | null {
  const stateFile = path.join(dir, 'state.json');
  const state = readProxyState(stateFile);
  if (state === null || !alive(state.pid)) return null;
  const cmd = commandLine(state.pid);
  if (cmd === null || !cmd.includes('proxy') || !cmd.includes(stateFile)) return null;
  return state;
}

/** Finds and re-uses the hub's proxy process, or starts one. */
export async function ensureProxyProcess(o: ManagedProxyOptions): Promise<ManagedProxy> {
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const stateFile = path.join(o.dir, 'state.json');
  const logFile = path.join(o.dir, 'proxy.log');
  const args = [...o.args, '--routes-file', path.join(o.dir, 'routes.json'), '--state-file', stateFile, '--log-file', logFile];
  const existing = runningProxy(o.dir);
  if (existing !== null) {
    const matches = !o.forceRestart && sameArgs(existing.argv, args) && existing.tokenSha256 === tokenSha256(o.token);
    if (matches && (await apiAnswers(apiUrlOf(existing), o.token))) {
      o.logger.info({ pid: existing.pid, port: existing.port }, `re-using the running proxy (pid ${existing.pid})`);
      return { state: existing, reused: true, apiUrl: apiUrlOf(existing), logFile };
    }
    o.logger.warn(
      { pid: existing.pid },
      matches ? 'the running proxy does not answer on its API; replacing it' : 'the running proxy has other settings; replacing it (its routes carry over)',
    );
    await stopProcess(existing.pid);
  }
  return startProxyProcess(o, args, stateFile, logFile);
}

async function startProxyProcess(o: ManagedProxyOptions, args: string[], stateFile: string, logFile: string): Promise<ManagedProxy> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(o.env ?? process.env)) if (PASSED_ENV.test(k)) env[k] = v;
  env.CONFIGPROXY_AUTH_TOKEN = o.token;
  // the proxy writes its log itself (--log-file: moved to proxy.log.1 past 20 MiB, reopened on
  // SIGHUP); node's own output (a crash trace) goes to the file as it was at the start
  try {
    if (statSync(logFile).size > DEFAULT_LOG_MAX_BYTES) renameSync(logFile, `${logFile}.1`);
  } catch {
    // no log yet
  }
  const fd = openSync(logFile, 'a', 0o600);
  let child;
  try {
    child = spawn(process.execPath, [NBHUB_BIN, 'proxy', ...args], { detached: true, stdio: ['ignore', fd, fd], env, cwd: o.dir });
  } finally {
    closeSync(fd);
  }
  let exited: string | null = null;
  child.once('exit', (code, signal) => (exited = `exited with ${signal ?? code}`));
  child.once('error', (err) => (exited = `could not be started: ${err.message}`));
  child.unref();
  const pid = child.pid;
  const deadline = Date.now() + (o.startTimeoutMs ?? 30_000);
  for (;;) {
    const state = readProxyState(stateFile);
    if (state !== null && state.pid === pid) {
      o.logger.info({ pid, port: state.port, log: logFile }, `started the proxy as its own process (pid ${pid})`);
      return { state, reused: false, apiUrl: apiUrlOf(state), logFile };
    }
    if (exited !== null) throw new ManagedProxyError(`the proxy process ${exited} before listening:\n${tail(logFile)}`);
    if (Date.now() > deadline) {
      if (pid !== undefined) await stopProcess(pid, 2_000);
      throw new ManagedProxyError(`the proxy process did not start listening within ${Math.round((o.startTimeoutMs ?? 30_000) / 1000)} s:\n${tail(logFile)}`);
    }
    await sleep(50);
  }
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}
