// An nbhub started in-process for API tests: SQLite in a temp dir, dummy auth, an admin
// service token, and the tiny stdlib fixture (src/spawner/fixtures/http_fixture.py) as the
// single-user server, so a spawn takes a fraction of a second. Talks to it over real HTTP
// through the public (proxy) port. `close()` stops every server it started, then the hub.
import { mkdtemp, chmod, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pino, { type Logger } from 'pino';
import type { Authenticator } from '../../src/auth/types.ts';
import { loadConfig, type ConfigInput } from '../../src/config/index.ts';
import { startHub, type RunningHub } from '../../src/hub/app.ts';
import { freePort } from '../support/nbhubProcess.ts';
import { HubApi } from '../support/hubApi.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURE = path.resolve(here, '../../src/spawner/fixtures/http_fixture.py');
export const PYTHON = '/usr/bin/python3';

export interface TestHub {
  hub: RunningHub;
  /** Public URL, e.g. http://127.0.0.1:PORT/ */
  url: string;
  /** Admin service token from config. */
  token: string;
  /** REST client authenticated with the admin service token. */
  api: HubApi;
  dataDir: string;
  /** A REST client with another token. */
  as(token: string): HubApi;
  /** Creates users (admin API), ignoring ones that exist. */
  createUsers(...names: string[]): Promise<void>;
  /** A fresh API token for `user` (created by the admin service), optionally narrowed. */
  tokenFor(user: string, body?: Record<string, unknown>): Promise<string>;
  /** Stops every server the hub runs, then the hub, then removes its data dir. */
  close(): Promise<void>;
}

type DeepPartial = Record<string, unknown>;

function merge(a: DeepPartial, b: DeepPartial): DeepPartial {
  const out: DeepPartial = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)
        ? merge(cur as DeepPartial, v as DeepPartial)
        : v;
  }
  return out;
}

export interface TestHubOptions {
  /** Merged over the defaults (deeply, objects only). */
  config?: DeepPartial;
  /** The hub's clock (tests move it to expire tokens). */
  now?: () => Date;
  /** An in-process authenticator instead of auth.type's. */
  authenticator?: Authenticator;
  /** The hub's logger (default: stderr at $NBHUB_TEST_LOG, silent). */
  logger?: Logger;
}

export async function startTestHub(o: TestHubOptions = {}): Promise<TestHub> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'nbhub-api-'));
  await chmod(dataDir, 0o711);
  const token = randomBytes(32).toString('hex');
  const base: DeepPartial = {
    auth: { type: 'dummy' },
    hub: {
      db: { type: 'sqlite-pvc' },
      services: { tester: { apiToken: token, admin: true } },
    },
    singleuser: { cmd: [PYTHON, FIXTURE], startTimeout: 30, httpTimeout: 30 },
    spawner: { local: { isolateUsers: false } },
  };
  const { config } = loadConfig({ data: merge(base, o.config ?? {}) as ConfigInput });
  const level = process.env.NBHUB_TEST_LOG ?? 'silent';
  const logger = o.logger ?? pino({ level }, pino.destination(2));
  const port = await freePort();
  const hub = await startHub({ config, dataDir, ip: '127.0.0.1', port, logger, now: o.now, authenticator: o.authenticator });
  const api = new HubApi(hub.url, token);
  const th: TestHub = {
    hub,
    url: hub.url,
    token,
    api,
    dataDir,
    as: (t) => new HubApi(hub.url, t),
    async createUsers(...names) {
      const r = await api.call('POST', '/users', { usernames: names });
      if (r.status !== 201 && r.status !== 409) throw new Error(`creating ${names.join(', ')}: ${r.status} ${JSON.stringify(r.body)}`);
    },
    async tokenFor(user, body = {}) {
      const r = await api.call('POST', `/users/${encodeURIComponent(user)}/tokens`, body);
      if (r.status !== 201) throw new Error(`token for ${user}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.token as string;
    },
    async close() {
      for (const s of await hub.store.listActiveServers()) await hub.servers.stop(s.userName, s.name);
      await hub.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return th;
}

/** Polls `check` until it holds; throws naming `what` after `timeoutMs` (a bound, not an assertion on speed). */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** fetch against the hub without following redirects. */
export function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { headers, redirect: 'manual' });
}

/** A browser-like cookie jar for the login/OAuth flows. */
export class CookieJar {
  private readonly cookies = new Map<string, { value: string; path: string }>();

  /** Stores the Set-Cookie headers of a response (deletions included). */
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let p = '/';
      let expired = false;
      for (const a of attrs) {
        const [k, v = ''] = a.trim().split('=');
        if (k.toLowerCase() === 'path') p = v;
        if (k.toLowerCase() === 'max-age' && Number(v) <= 0) expired = true;
        if (k.toLowerCase() === 'expires' && new Date(v).getTime() < Date.now()) expired = true;
      }
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, { value, path: p });
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name)?.value;
  }

  /** Cookie header for a request to `pathname`. */
  header(pathname: string): string {
    return [...this.cookies.entries()]
      .filter(([, c]) => pathname.startsWith(c.path))
      .map(([n, c]) => `${n}=${c.value}`)
      .join('; ');
  }

  /** fetch with these cookies, storing what comes back; never follows redirects. */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const c = this.header(new URL(url).pathname);
    if (c) headers.set('cookie', c);
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.take(res);
    return res;
  }
}

/** Logs `user` in through the login form (GET for the xsrf cookie, then POST). */
export async function login(baseUrl: string, user: string, jar = new CookieJar()): Promise<CookieJar> {
  const page = await jar.fetch(`${baseUrl}hub/login`);
  await page.text();
  const xsrf = jar.get('_xsrf');
  if (!xsrf) throw new Error('login page set no _xsrf cookie');
  const res = await jar.fetch(`${baseUrl}hub/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: user, password: 'any', _xsrf: xsrf }).toString(),
  });
  await res.text();
  if (res.status !== 302) throw new Error(`login of ${user} failed: ${res.status}`);
  return jar;
}

/** Reads a text/event-stream to its end and returns the parsed `data:` events. */
export async function readEvents(res: Response): Promise<Record<string, unknown>[]> {
  const text = await res.text();
  return text
    .split('\n\n')
    .map((b) => b.trim())
    .filter((b) => b.startsWith('data:'))
    .map((b) => JSON.parse(b.slice('data:'.length).trim()) as Record<string, unknown>);
}
