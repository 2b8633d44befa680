// A stock Python JupyterHub 5.x (from PyPI, in the test virtualenv) with `nbhub proxy` in place
// of configurable-http-proxy: JupyterHub starts our proxy with CHP's command line
// (c.ConfigurableHTTPProxy.command), drives its routes over the CHP REST API, a user logs in
// with the dummy authenticator, JupyterHub spawns a real jupyterhub-singleuser, and the user
// reaches JupyterLab through nbhub's proxy (OAuth round trip included).

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cacheDir } from '../../src/hub/spawnerSetup.ts';
import { freePort, REPO, tempDir } from '../support/nbhubProcess.ts';
import { eventually } from './servers.ts';

const VENV = path.join(cacheDir(), 'venv');
const PROXY_TOKEN = randomBytes(16).toString('hex');
const SERVICE_TOKEN = randomBytes(16).toString('hex');

interface Page {
  status: number;
  url: string;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/**
 * A minimal browser: node:http (fetch would send `Sec-Fetch-Mode: cors`, and JupyterHub >= 4.1
 * rightly wants xsrf proof from cookie-authenticated requests that are not page loads), a
 * cookie jar that respects cookie paths (hub and server each set an `_xsrf`), and redirects.
 */
class Browser {
  private readonly jar = new Map<string, { path: string; value: string }>();
  constructor(private readonly origin: string) {}

  async get(url: string, maxRedirects = 10): Promise<Page> {
    let current = new URL(url, this.origin).href;
    for (let hop = 0; ; hop++) {
      const page = await this.request('GET', current);
      const location = page.headers.location;
      if (process.env.NBHUB_TEST_TRACE) process.stderr.write(`${page.status} ${current} -> ${location}\n`);
      if (page.status >= 300 && page.status < 400 && location && hop < maxRedirects) {
        current = new URL(location, current).href;
        continue;
      }
      return page;
    }
  }

  request(method: string, url: string, form?: Record<string, string>): Promise<Page> {
    const target = new URL(url, this.origin);
    assert.equal(target.hostname, '127.0.0.1', `the test only talks to 127.0.0.1, not ${target.href}`);
    const cookies = [...this.jar.entries()].filter(([, c]) => target.pathname.startsWith(c.path)).sort((a, b) => b[1].path.length - a[1].path.length);
    const headers: http.OutgoingHttpHeaders = { 'Sec-Fetch-Mode': 'navigate', Accept: 'text/html' };
    if (cookies.length > 0) headers.Cookie = cookies.map(([key, c]) => `${key.split(' ', 1)[0]}=${c.value}`).join('; ');
    const body = form ? new URLSearchParams(form).toString() : undefined;
    if (body !== undefined) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    return new Promise((resolve, reject) => {
      const req = http.request(target, { method, headers, agent: false, timeout: 30_000 }, (res) => {
        for (const cookie of res.headers['set-cookie'] ?? []) this.store(cookie, target.pathname);
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, url: target.href, body: text, headers: res.headers }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${target.pathname} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  private store(cookie: string, requestPath: string): void {
    const [pair, ...attributes] = cookie.split(';').map((p) => p.trim());
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    const pathAttr = attributes.find((a) => a.toLowerCase().startsWith('path='));
    const path = pathAttr ? pathAttr.slice(5) : requestPath.slice(0, requestPath.lastIndexOf('/') + 1) || '/';
    const key = `${name} ${path}`;
    if (value === '' || /max-age=0|expires=Thu, 01 Jan 1970/i.test(cookie)) this.jar.delete(key);
    else this.jar.set(key, { path, value });
  }
}

describe('stock JupyterHub 5 with nbhub proxy in place of configurable-http-proxy', { timeout: 240_000 }, () => {
  let dir: string;
  let hub: ChildProcess;
  let origin: string;
  let apiUrl: string;
  let logFile: string;
  const proxyPidFile = () => path.join(dir, 'proxy.pid');

  before(async () => {
    assert.ok(existsSync(path.join(VENV, 'bin', 'jupyterhub')), `JupyterHub is missing from ${VENV} (bash scripts/setup-python.sh)`);
    dir = await tempDir('nbhub-jupyterhub-');
    const [port, apiPort, hubPort] = [await freePort(), await freePort(), await freePort()];
    origin = `http://127.0.0.1:${port}`;
    apiUrl = `http://127.0.0.1:${apiPort}`;
    const config = `
c = get_config()  # noqa
c.JupyterHub.bind_url = ${JSON.stringify(`${origin}/`)}
c.JupyterHub.hub_ip = '127.0.0.1'
c.JupyterHub.hub_port = ${hubPort}
c.JupyterHub.db_url = ${JSON.stringify(`sqlite:///${dir}/jupyterhub.sqlite`)}
c.JupyterHub.cookie_secret_file = ${JSON.stringify(`${dir}/cookie_secret`)}
c.JupyterHub.pid_file = ${JSON.stringify(`${dir}/jupyterhub.pid`)}
c.ConfigurableHTTPProxy.command = [${JSON.stringify(process.execPath)}, ${JSON.stringify(path.join(REPO, 'bin/nbhub.mjs'))}, 'proxy']
c.ConfigurableHTTPProxy.api_url = ${JSON.stringify(apiUrl)}
c.ConfigurableHTTPProxy.auth_token = ${JSON.stringify(PROXY_TOKEN)}
c.ConfigurableHTTPProxy.pid_file = ${JSON.stringify(`${dir}/proxy.pid`)}
c.JupyterHub.authenticator_class = 'dummy'
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = 'simple'
c.Spawner.cmd = [${JSON.stringify(path.join(VENV, 'bin', 'jupyterhub-singleuser'))}]
c.Spawner.args = ['--allow-root']
c.Spawner.default_url = '/lab'
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.SimpleLocalProcessSpawner.home_dir_template = ${JSON.stringify(`${dir}/home/{username}`)}
c.JupyterHub.services = [{'name': 'e2e', 'api_token': ${JSON.stringify(SERVICE_TOKEN)}}]
c.JupyterHub.load_roles = [{'name': 'e2e', 'scopes': ['admin:users', 'admin:servers', 'list:users', 'read:users'], 'services': ['e2e']}]
`;
    writeFileSync(path.join(dir, 'jupyterhub_config.py'), config);
    logFile = path.join(dir, 'jupyterhub.log');
    const log = createWriteStream(logFile);
    hub = spawn(path.join(VENV, 'bin', 'jupyterhub'), ['-f', path.join(dir, 'jupyterhub_config.py')], {
      cwd: dir,
      env: { ...process.env, PATH: `${path.join(VENV, 'bin')}:${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    hub.stdout!.pipe(log);
    hub.stderr!.pipe(log);
    const up = async () => {
      const res = await fetch(`${origin}/hub/api/`, { signal: AbortSignal.timeout(2_000) }).catch(() => null);
      return res?.status === 200;
    };
    await eventually(async () => {
      if (hub.exitCode !== null) throw new Error(`JupyterHub exited with ${hub.exitCode}:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
      return up();
    }, 'JupyterHub to answer through nbhub proxy', 90_000);
  });

  after(async () => {
    if (hub && hub.exitCode === null) {
      await fetch(`${origin}/hub/api/users/alice/server`, { method: 'DELETE', headers: { Authorization: `token ${SERVICE_TOKEN}` } }).catch(() => undefined);
      hub.kill('SIGTERM');
      const exited = await Promise.race([once(hub, 'exit').then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 30_000))]);
      if (!exited) hub.kill('SIGKILL');
    }
    // JupyterHub stops the proxy it started; make sure of it
    if (dir && existsSync(proxyPidFile())) {
      const pid = Number(readFileSync(proxyPidFile(), 'utf8'));
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });

  it('started nbhub proxy with its command line and keeps its routes over the REST API', async () => {
    const pid = Number(readFileSync(proxyPidFile(), 'utf8'));
    assert.match(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '), /nbhub\.mjs proxy --ip 127\.0\.0\.1 .*--api-port .*--error-target/);
    const res = await fetch(`${apiUrl}/api/routes`, { headers: { Authorization: `token ${PROXY_TOKEN}` } });
    const routes = (await res.json()) as Record<string, { target: string; hub?: boolean; jupyterhub?: boolean }>;
    assert.equal(routes['/']?.hub, true);
    assert.equal(routes['/']?.jupyterhub, true);
  });

  it('logs a user in, spawns a real jupyterhub-singleuser and serves JupyterLab through nbhub proxy', async () => {
    const browser = new Browser(origin);
    const form = await browser.get('/hub/login');
    assert.equal(form.status, 200);
    const xsrf = /name="_xsrf" value="([^"]+)"/.exec(form.body)?.[1];
    assert.ok(xsrf, 'the login form carries an _xsrf field');
    const login = await browser.request('POST', '/hub/login?next=', { username: 'alice', password: 'anything', _xsrf: xsrf });
    assert.equal(login.status, 302, `login answered ${login.status}`);

    // JupyterHub spawns alice's server and adds /user/alice to nbhub proxy over the CHP API
    const spawned = await fetch(`${origin}/hub/api/users/alice/server`, { method: 'POST', headers: { Authorization: `token ${SERVICE_TOKEN}` } });
    assert.ok([201, 202].includes(spawned.status), `spawn answered ${spawned.status}`);
    await eventually(async () => {
      const user = (await (await fetch(`${origin}/hub/api/users/alice`, { headers: { Authorization: `token ${SERVICE_TOKEN}` } })).json()) as {
        servers?: Record<string, { ready?: boolean }>;
      };
      return user.servers?.['']?.ready === true;
    }, "alice's server to be ready", 120_000);
    const routes = (await (await fetch(`${apiUrl}/api/routes`, { headers: { Authorization: `token ${PROXY_TOKEN}` } })).json()) as Record<string, { user?: string }>;
    assert.equal(routes['/user/alice']?.user, 'alice');

    // the browser's way in: /user/alice/ → OAuth with the hub → JupyterLab, all through nbhub proxy
    const lab = await browser.get('/user/alice/');
    assert.equal(lab.status, 200, `ended at ${lab.url} with ${lab.status}`);
    assert.match(new URL(lab.url).pathname, /^\/user\/alice\/lab/);
    assert.match(lab.body, /JupyterLab/);
    const status = await browser.get('/user/alice/api/status');
    assert.equal(status.status, 200);
    assert.equal(typeof JSON.parse(status.body).started, 'string');
  });
});
