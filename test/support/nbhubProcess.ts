// Starts `nbhub start` as a child process (the real CLI), waits until it serves, and stops
// exactly that process. Used by end-to-end tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile, chmod } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeFreePort } from '../../src/spawner/ports.ts';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ARTIFACTS = path.join(REPO, 'artifacts');

export function freePort(): Promise<number> {
  return probeFreePort('127.0.0.1');
}

/** A temp dir others can traverse (per-user server accounts need to reach their homes). */
export async function tempDir(prefix: string): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), prefix));
  await chmod(d, 0o711);
  return d;
}

export interface NbhubProcess {
  url: string;
  port: number;
  dataDir: string;
  configFile: string;
  child: ChildProcess;
  logFile: string;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
  /** SIGKILL and wait (simulates a crash). */
  kill(): Promise<void>;
}

export interface StartOptions {
  configYaml: string;
  dataDir?: string;
  port?: number;
  env?: Record<string, string>;
  name?: string;
}

export async function startNbhub(o: StartOptions): Promise<NbhubProcess> {
  const dataDir = o.dataDir ?? (await tempDir('nbhub-e2e-'));
  const port = o.port ?? (await freePort());
  const configFile = path.join(dataDir, 'config.yaml');
  await writeFile(configFile, o.configYaml);
  const logFile = path.join(dataDir, `${o.name ?? 'hub'}-${Date.now()}.log`);
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, [path.join(REPO, 'bin/nbhub.mjs'), 'start', '--config', configFile, '--data-dir', dataDir, '--port', String(port)], {
    cwd: REPO,
    env: { ...process.env, NBHUB_LOG_LEVEL: 'debug', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nbhub did not start within 60 s; log: ${logFile}\n${out.slice(-3000)}`)), 60_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /Open (http\S+) in your browser/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nbhub exited with ${code} before starting:\n${out.slice(-3000)}`));
    });
  });
  const wait = async () => {
    await exited;
    log.end();
  };
  return {
    url,
    port,
    dataDir,
    configFile,
    child,
    logFile,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await wait();
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await wait();
    },
  };
}

/** Runs `nbhub <args>` to completion. */
export function runNbhub(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO, 'bin/nbhub.mjs'), ...args], { cwd: REPO, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
