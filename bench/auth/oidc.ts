// OpenID Connect login benchmark: JupyterHub 5.x + oauthenticator 17 (GenericOAuthenticator, from
// the project's venv) and nbhub with auth.type oidc, one after the other, against the same
// in-process OpenID Connect provider (test/support/oidcProvider.ts: oidc-provider, PKCE
// required). Load: N concurrent clients, each a user whose provider session and consent are kept
// after its first login (as a returning browser's would be), so each login is the full hub side
// of the flow: GET /hub/oauth_login → the provider's authorize endpoint → GET /hub/oauth_callback
// (state cookie checked, code exchanged with PKCE, user info fetched; nbhub also verifies the
// id_token against the JWKS) → 302 with the hub's login cookie. Anything else is an error.
// Reports logins/s, latency, and CPU per login of the hub process (and with its proxy child).
//
//   node --import tsx bench/auth/oidc.ts [--duration 10] [--warmup 2] [--connections 10]
//        [--only jupyterhub|nbhub] [--keep] [--cpu-prof DIR]
//
// --cpu-prof DIR runs the nbhub hub under `node --cpu-prof` and leaves its .cpuprofile (written when
// the hub exits at the end of the run) in DIR; `node --import tsx bench/lib/cpuProfile.ts FILE`
// summarises one per function and per package.
import { parseArgs } from 'node:util';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { ProcessRegistry } from '../lib/processes.ts';
import { freePort } from '../lib/http.ts';
import { startHubProcess, type StartedHub } from '../lib/hubProcess.ts';
import { jupyterHubBaseConfig, py } from '../lib/jupyterhubConfig.ts';
import { mdTable, ms, num, ratio } from '../lib/markdown.ts';
import { median } from '../lib/stats.ts';
import { processTree } from '../k8s/procStats.ts';
import { jupyterhubVersion } from '../hub/jupyterhubPeer.ts';
import { cacheDir } from '../../src/hub/spawnerSetup.ts';
import { NBHUB_VERSION } from '../../src/hub/version.ts';
import { ProviderCookies, loginAtProvider, startOidcProvider, type TestOidcProvider } from '../../test/support/oidcProvider.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '10' },
    only: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
  strict: true,
});
const int = (name: string, v: string | undefined, lo: number, hi: number) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < lo || n > hi) throw new Error(`--${name} must be an integer from ${lo} to ${hi}, not ${v}`);
  return n;
};
const durationS = int('duration', args.duration, 1, 120);
const warmupS = int('warmup', args.warmup, 0, 30);
const connections = int('connections', args.connections, 1, 100);
if (args.only && args.only !== 'jupyterhub' && args.only !== 'nbhub') throw new Error(`--only must be jupyterhub or nbhub, not ${args.only}`);
const log = (msg: string) => process.stderr.write(`[bench/auth/oidc] ${msg}\n`);

interface Side {
  label: string;
  hub: StartedHub;
}

interface Result {
  label: string;
  logins: number;
  errors: Record<string, number>;
  perS: number;
  p50: number;
  p99: number;
  hubCpuMsPerLogin: number;
  treeCpuMsPerLogin: number;
}

function oauthenticatorVersion(venv: string): string {
  const dist = readdirSync(path.join(venv, 'lib')).flatMap((pyDir) => {
    try {
      return readdirSync(path.join(venv, 'lib', pyDir, 'site-packages')).filter((f) => /^oauthenticator-.*\.dist-info$/.test(f));
    } catch {
      return [];
    }
  });
  const m = /^oauthenticator-(.+)\.dist-info$/.exec(dist[0] ?? '');
  if (!m) throw new Error(`oauthenticator is not installed in ${venv}: run scripts/setup-python.sh`);
  return m[1];
}

async function startJupyterHubSide(idp: TestOidcProvider, port: number, workDir: string, procs: ProcessRegistry, venv: string): Promise<Side> {
  const [hubPort, apiPort] = [await freePort(), await freePort()];
  const config = `# Written by bench/auth/oidc.ts for one benchmark run.
c = get_config()  # noqa
c.JupyterHub.authenticator_class = "generic-oauth"
c.GenericOAuthenticator.client_id = ${py(idp.clientId)}
c.GenericOAuthenticator.client_secret = ${py(idp.clientSecret)}
c.GenericOAuthenticator.oauth_callback_url = ${py(`http://127.0.0.1:${port}/hub/oauth_callback`)}
c.GenericOAuthenticator.authorize_url = ${py(`${idp.issuer}/auth`)}
c.GenericOAuthenticator.token_url = ${py(`${idp.issuer}/token`)}
c.GenericOAuthenticator.userdata_url = ${py(`${idp.issuer}/me`)}
c.GenericOAuthenticator.scope = ["openid", "profile", "email"]
c.GenericOAuthenticator.username_claim = "preferred_username"
c.GenericOAuthenticator.enable_pkce = True
c.GenericOAuthenticator.allow_all = True
${jupyterHubBaseConfig({ port, hubPort, apiPort, chpCommand: [path.join(REPO, 'node_modules', '.bin', 'configurable-http-proxy')], workDir, token: randomBytes(16).toString('hex') })}
`;
  const file = path.join(workDir, 'jupyterhub_config.py');
  writeFileSync(file, config);
  const hub = await startHubProcess(procs, {
    name: 'jupyterhub',
    command: path.join(venv, 'bin', 'jupyterhub'),
    args: ['-f', file],
    env: { PATH: `${path.join(REPO, 'node_modules', '.bin')}:${path.join(venv, 'bin')}:${process.env.PATH ?? ''}`, HOME: process.env.HOME, LANG: 'C.UTF-8' },
    cwd: workDir,
    logFile: path.join(workDir, 'jupyterhub.log'),
    port,
    chpPidFile: path.join(workDir, 'chp.pid'),
  });
  return { label: `JupyterHub ${jupyterhubVersion(venv)} + oauthenticator ${oauthenticatorVersion(venv)}`, hub };
}

async function startNbhubSide(idp: TestOidcProvider, port: number, workDir: string, procs: ProcessRegistry, venv: string): Promise<Side> {
  const hubPort = await freePort();
  const config = {
    auth: {
      type: 'oidc',
      allowed: { all: true },
      oidc: { issuer: idp.issuer, clientId: idp.clientId, scopes: ['openid', 'profile', 'email'], usernameClaim: 'preferred_username' },
    },
    hub: { port: hubPort },
  };
  const file = path.join(workDir, 'nbhub.yaml');
  writeFileSync(file, `# Written by bench/auth/oidc.ts for one benchmark run (client secret from OAUTH_CLIENT_SECRET).\n${YAML.stringify(config)}`);
  const hub = await startHubProcess(procs, {
    name: 'nbhub',
    command: process.execPath,
    args: [
      ...(args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(args['cpu-prof'])] : []),
      path.join(REPO, 'bin', 'nbhub.mjs'),
      ...['start', '--config', file, '--data-dir', path.join(workDir, 'data'), '--port', String(port)],
    ],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LANG: 'C.UTF-8',
      NBHUB_CACHE_DIR: path.dirname(venv),
      NBHUB_LOG_LEVEL: 'warn',
      OAUTH_CLIENT_SECRET: idp.clientSecret,
    },
    cwd: REPO,
    logFile: path.join(workDir, 'nbhub.log'),
    port,
  });
  return { label: `nbhub ${NBHUB_VERSION}`, hub };
}

const cookiesOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';')[0]);
const timeout = () => AbortSignal.timeout(15_000);

/** One full login of `user` at the hub; the provider session in `provider` is kept. */
async function oneLogin(hubUrl: string, user: string, provider: ProviderCookies): Promise<{ status: string; ms: number }> {
  const t0 = performance.now();
  try {
    const start = await fetch(`${hubUrl}hub/oauth_login?next=${encodeURIComponent('/hub/home')}`, { redirect: 'manual', signal: timeout() });
    await start.arrayBuffer();
    const to = start.headers.get('location');
    if (start.status !== 302 || !to) return { status: `oauth_login ${start.status}`, ms: 0 };
    const callback = await loginAtProvider(new URL(to, hubUrl).href, user, { cookies: provider });
    const done = await fetch(new URL(callback, hubUrl), { redirect: 'manual', headers: { cookie: cookiesOf(start).join('; ') }, signal: timeout() });
    await done.arrayBuffer();
    const loggedIn = cookiesOf(done).some((c) => c.startsWith('jupyterhub-hub-login='));
    return { status: done.status === 302 && loggedIn ? 'ok' : `callback ${done.status}`, ms: performance.now() - t0 };
  } catch (e) {
    return { status: (e as Error).name, ms: 0 };
  }
}

const cpuOf = (pid: number) => {
  const tree = processTree(pid);
  return { hub: tree.find((p) => p.pid === pid)?.cpuS ?? 0, tree: tree.reduce((a, p) => a + p.cpuS, 0) };
};

async function measure(side: Side): Promise<Result> {
  const url = side.hub.publicUrl;
  const clients = Array.from({ length: connections }, (_, i) => ({ user: `bench-user-${i}`, provider: new ProviderCookies() }));
  // first login of every user: the provider's login and consent pages (not measured)
  for (const c of clients) {
    const r = await oneLogin(url, c.user, c.provider);
    if (r.status !== 'ok') throw new Error(`${side.label}: the first login of ${c.user} failed (${r.status}); see ${side.hub.process.logFile}`);
  }
  const run = async (seconds: number) => {
    const end = Date.now() + seconds * 1000;
    const latencies: number[] = [];
    const errors: Record<string, number> = {};
    await Promise.all(
      clients.map(async (c) => {
        while (Date.now() < end) {
          const r = await oneLogin(url, c.user, c.provider);
          if (r.status === 'ok') latencies.push(r.ms);
          else errors[r.status] = (errors[r.status] ?? 0) + 1;
        }
      }),
    );
    return { latencies, errors };
  };
  if (warmupS > 0) await run(warmupS);
  const pid = side.hub.process.pid;
  const [c0, t0] = [cpuOf(pid), performance.now()];
  const { latencies, errors } = await run(durationS);
  const [c1, t1] = [cpuOf(pid), performance.now()];
  latencies.sort((a, b) => a - b);
  const logins = latencies.length;
  return {
    label: side.label,
    logins,
    errors,
    perS: logins / ((t1 - t0) / 1000),
    p50: median(latencies),
    p99: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? NaN,
    hubCpuMsPerLogin: logins ? ((c1.hub - c0.hub) * 1000) / logins : NaN,
    treeCpuMsPerLogin: logins ? ((c1.tree - c0.tree) * 1000) / logins : NaN,
  };
}

async function main(): Promise<void> {
  const venv = path.join(cacheDir(), 'venv');
  const root = mkdtempSync(path.join(os.tmpdir(), 'nbhub-bench-oidc-'));
  const procs = new ProcessRegistry(`bench-oidc-${randomBytes(4).toString('hex')}`);
  const ports = { jupyterhub: await freePort(), nbhub: await freePort() };
  const idp = await startOidcProvider({ redirectUris: Object.values(ports).map((p) => `http://127.0.0.1:${p}/hub/oauth_callback`) });
  const results: Result[] = [];
  let failed = false;
  try {
    const sides = [
      ['jupyterhub', startJupyterHubSide],
      ['nbhub', startNbhubSide],
    ] as const;
    for (const [name, start] of sides) {
      if (args.only && args.only !== name) continue;
      const dir = path.join(root, name);
      mkdirSync(dir);
      log(`starting ${name}`);
      const side = await start(idp, ports[name], dir, procs, venv);
      try {
        log(`${side.label}: ${connections} clients, ${warmupS} s warm-up, ${durationS} s measured`);
        results.push(await measure(side));
      } finally {
        await procs.stopAll();
      }
    }
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    await procs.stopAll();
    await idp.stop();
    if (!args.keep && !failed) rmSync(root, { recursive: true, force: true });
    else log(`work dir kept: ${root}`);
  }
  const rows = results.map((r) => [
    r.label,
    num(r.perS),
    ms(r.p50),
    ms(r.p99),
    r.hubCpuMsPerLogin.toFixed(2),
    r.treeCpuMsPerLogin.toFixed(2),
    String(r.logins),
    Object.entries(r.errors).map(([k, v]) => `${k}: ${v}`).join(', ') || '0',
  ]);
  process.stdout.write(
    `\n## OpenID Connect logins (oauth_login → provider authorize with a kept session → oauth_callback; ${connections} clients, ${durationS} s)\n\n` +
      mdTable(['hub', 'logins/s', 'p50', 'p99', 'hub CPU ms/login', 'hub + proxy CPU ms/login', 'logins', 'errors'], rows) +
      '\n',
  );
  if (results.length === 2) {
    const [jh, nb] = results;
    process.stdout.write(
      `\nnbhub / JupyterHub: ${ratio(nb.perS, jh.perS)} logins/s; hub CPU per login ${ratio(jh.hubCpuMsPerLogin, nb.hubCpuMsPerLogin)} less (with the proxy: ${ratio(jh.treeCpuMsPerLogin, nb.treeCpuMsPerLogin)})\n`,
    );
  }
}

await main();
