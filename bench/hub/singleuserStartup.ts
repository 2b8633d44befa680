// The user server's own start-up time, without any hub: jupyterhub-singleuser started
// against the stub hub API with the environment a hub gives it (nbhub's buildServerEnv), a
// fresh HOME, and timed from process start until GET <service url>api answers over HTTP.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { freePort, fetchBounded } from '../lib/http.ts';
import { logTail, type ProcessRegistry } from '../lib/processes.ts';
import { buildServerEnv } from '../../src/hub/serverEnv.ts';
import { startStubHub, type StubHub } from './stubHub.ts';

const START_LIMIT_MS = 120_000;
const POLL_MS = 5;

async function firstAnswer(url: string, abortIf: () => string | null): Promise<number> {
  const deadline = Date.now() + START_LIMIT_MS;
  while (Date.now() < deadline) {
    const why = abortIf();
    if (why) throw new Error(why);
    try {
      const r = await fetchBounded(url, { timeoutMs: 5_000 });
      await r.arrayBuffer();
      return r.status;
    } catch {
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
  throw new Error(`${url} did not answer within ${START_LIMIT_MS / 1000} s`);
}

export class StandaloneSingleuser {
  /** Status of the first answer to GET …/api (any HTTP answer counts as "up"). */
  firstStatus = 0;
  private runs = 0;
  private readonly exe: string;
  private readonly args: string[];

  private constructor(
    private readonly stub: StubHub,
    private readonly venvDir: string,
    private readonly workDir: string,
    private readonly procs: ProcessRegistry,
  ) {
    this.exe = path.join(venvDir, 'bin', 'jupyterhub-singleuser');
    this.args = process.getuid?.() === 0 ? ['--allow-root'] : [];
  }

  static async start(venvDir: string, workDir: string, procs: ProcessRegistry): Promise<StandaloneSingleuser> {
    return new StandaloneSingleuser(await startStubHub(), venvDir, workDir, procs);
  }

  get command(): string {
    return `${['jupyterhub-singleuser', ...this.args].join(' ')} (${this.args.length ? 'as root, ' : ''}fresh HOME)`;
  }

  /** Requests the stub hub saw so far, by method and path. */
  get stubRequests(): Record<string, number> {
    return { ...this.stub.requests };
  }

  /** Starts one server as `user`, returns ms until it answered, and stops it. */
  async timeOnce(user: string): Promise<number> {
    // A fresh HOME every time, even when a name comes back.
    const home = path.join(this.workDir, 'homes', `${++this.runs}-${user}`);
    mkdirSync(home, { recursive: true });
    const port = await freePort();
    const prefix = `/user/${user}/`;
    const serviceUrl = `http://127.0.0.1:${port}${prefix}`;
    const env = {
      PATH: `${path.join(this.venvDir, 'bin')}:${process.env.PATH ?? ''}`,
      LANG: process.env.LANG ?? 'C.UTF-8',
      ...buildServerEnv({
        userName: user,
        serverName: '',
        apiToken: randomBytes(24).toString('hex'),
        clientId: `jupyterhub-user-${user}`,
        baseUrl: '/',
        servicePrefix: prefix,
        hubApiUrl: this.stub.apiUrl,
        defaultUrl: '/lab',
        notebookDir: null,
        extraEnv: {},
      }),
      JUPYTERHUB_SERVICE_URL: serviceUrl,
      USER: user,
      HOME: home,
      SHELL: '/bin/bash',
    };
    const logFile = path.join(this.workDir, `${this.runs}-${user}.log`);
    const t0 = performance.now();
    const p = this.procs.start({ name: `jupyterhub-singleuser ${user}`, command: this.exe, args: this.args, env, cwd: home, logFile });
    try {
      const status = await firstAnswer(`${serviceUrl}api`, () => {
        const e = p.exited();
        return e ? `jupyterhub-singleuser exited (${e.code ?? e.signal}) before answering; log tail:\n${logTail(logFile)}` : null;
      });
      const ms = performance.now() - t0;
      if (!this.firstStatus) this.firstStatus = status;
      return ms;
    } finally {
      await this.procs.stop(p, 10_000);
    }
  }

  close(): Promise<void> {
    return this.stub.close();
  }
}
