// Plumbing shared by the database servers tests start (postgres.ts, mariadb.ts): install the
// Debian package if missing, pick a free port, run a server as a child process under its
// system account, wait for it, and stop exactly that process.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chownSync, closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const APT_LOCK = '/tmp/nbhub-apt.lock';

/** Installs `pkg` with apt-get unless `probe` exists; throws (never skips) when that fails. */
export async function ensureDebianPackage(pkg: string, probe: string): Promise<void> {
  if (existsSync(probe)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`${probe} is missing: install the Debian package ${pkg} (as root: apt-get install -y ${pkg})`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    run('flock', [APT_LOCK, 'apt-get', 'install', '-y', '-qq', pkg], { env, timeout: 600_000, maxBuffer: 1 << 24 });
  try {
    await install();
  } catch {
    // The package lists may be stale: refresh once and retry.
    await run('flock', [APT_LOCK, 'apt-get', 'update', '-qq'], { env, timeout: 600_000, maxBuffer: 1 << 24 });
    await install().catch((err: Error & { stderr?: string }) => {
      throw new Error(`apt-get install ${pkg} failed: ${err.stderr?.slice(-2000) ?? err.message}`);
    });
  }
  if (!existsSync(probe)) throw new Error(`installed Debian package ${pkg} but ${probe} is still missing`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface SystemAccount {
  name: string;
  uid: number;
  gid: number;
}

/**
 * The account a database server runs as: the package's system account when we are root
 * (PostgreSQL refuses to run as root), else the current user.
 */
export function serviceAccount(name: string): SystemAccount {
  const uid = process.getuid?.() ?? 0;
  if (uid !== 0) return { name: 'current user', uid, gid: process.getgid?.() ?? uid };
  return systemAccount(name);
}

export function systemAccount(name: string): SystemAccount {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`system account ${name} not found in /etc/passwd (is its Debian package installed?)`);
  const [, , uid, gid] = line.split(':');
  return { name, uid: Number(uid), gid: Number(gid) };
}

/** Memory-backed when the machine has /dev/shm: database files there cost no disk I/O. */
function scratchRoot(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}

/** A fresh scratch directory owned by `account`. */
export function tempDirFor(account: SystemAccount, prefix: string): string {
  const dir = mkdtempSync(join(scratchRoot(), prefix));
  if (process.getuid?.() === 0) chownSync(dir, account.uid, account.gid);
  return dir;
}

/** Runs a command to completion as `account`; the error carries the output's tail. */
export async function runAs(account: SystemAccount, cmd: string, args: string[], cwd: string): Promise<void> {
  try {
    await run(cmd, args, { uid: account.uid, gid: account.gid, cwd, env: serviceEnv(), timeout: 120_000, maxBuffer: 1 << 24 });
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`${cmd} failed: ${e.message}\n${(e.stdout ?? '').slice(-2000)}\n${(e.stderr ?? '').slice(-2000)}`);
  }
}

function serviceEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };
}

export function logTail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A server process this test started; `stop()` signals only that pid. */
export class ServerProcess {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private done = false;
  private readonly killOnExit = () => {
    if (!this.done) this.child.kill('SIGKILL');
  };

  constructor(
    readonly what: string,
    cmd: string,
    args: string[],
    account: SystemAccount,
    cwd: string,
    readonly logFile: string,
  ) {
    const fd = openSync(logFile, 'a');
    this.child = spawn(cmd, args, { uid: account.uid, gid: account.gid, cwd, env: serviceEnv(), stdio: ['ignore', fd, fd] });
    closeSync(fd);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', () => {
        this.done = true;
        process.off('exit', this.killOnExit);
        resolve();
      });
      this.child.once('error', () => {
        this.done = true;
        resolve();
      });
    });
    // If the test runner exits without stopping us, do not leave the server behind.
    process.on('exit', this.killOnExit);
  }

  get running(): boolean {
    return !this.done;
  }

  /** Polls `ready` until it returns true; fails with the server's log when it exits or times out. */
  async waitUntil(ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.what} exited during startup:\n${logTail(this.logFile)}`);
      if (await ready().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${this.what} not ready after ${timeoutMs} ms:\n${logTail(this.logFile)}`);
  }

  async stop(signal: NodeJS.Signals, timeoutMs = 20_000): Promise<void> {
    if (!this.done) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}
