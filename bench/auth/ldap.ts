// LDAP login benchmark: JupyterHub 5.x + ldapauthenticator 2.x (PyPI, the project's venv) and
// nbhub with auth.type ldap, one after the other, against the same OpenLDAP slapd
// (test/support/slapd.ts) with the same settings: StartTLS with the test CA, a bind DN template,
// two allowed groups. Load: N concurrent clients each POSTing /hub/login in a loop (alice and
// bob, both admitted through a group) for D seconds after a warm-up; every answer but 302 counts
// as an error. Reports logins/s, latency, and CPU per login of the hub process and of slapd.
//
//   node --import tsx bench/auth/ldap.ts [--duration 10] [--warmup 2] [--connections 10]
//        [--only jupyterhub|nbhub] [--keep]
import { parseArgs } from 'node:util';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { ProcessRegistry } from '../lib/processes.ts';
import { freePort, rawRequest } from '../lib/http.ts';
import { startHubProcess, type StartedHub } from '../lib/hubProcess.ts';
import { jupyterHubBaseConfig, py } from '../lib/jupyterhubConfig.ts';
import { mdTable, ms, num, ratio } from '../lib/markdown.ts';
import { median } from '../lib/stats.ts';
import { processTree } from '../k8s/procStats.ts';
import { jupyterhubVersion } from '../hub/jupyterhubPeer.ts';
import { cacheDir } from '../../src/hub/spawnerSetup.ts';
import { NBHUB_VERSION } from '../../src/hub/version.ts';
import { PEOPLE, startSlapd, type Slapd } from '../../test/support/slapd.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '10' },
    only: { type: 'string' },
    keep: { type: 'boolean', default: false },
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
const log = (msg: string) => process.stderr.write(`[bench/auth] ${msg}\n`);

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
  slapdCpuMsPerLogin: number;
}

function ldapauthenticatorVersion(venv: string): string {
  const dist = readdirSync(path.join(venv, 'lib')).flatMap((py) => {
    try {
      return readdirSync(path.join(venv, 'lib', py, 'site-packages')).filter((f) => f.startsWith('jupyterhub_ldapauthenticator-'));
    } catch {
      return [];
    }
  });
  const m = /^jupyterhub_ldapauthenticator-(.+)\.dist-info$/.exec(dist[0] ?? '');
  if (!m) throw new Error(`jupyterhub-ldapauthenticator is not installed in ${venv}: run scripts/setup-python.sh`);
  return m[1];
}

async function startJupyterHubSide(d: Slapd, workDir: string, procs: ProcessRegistry, venv: string): Promise<Side> {
  const [port, hubPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const { groups } = d.directory;
  const config = `# Written by bench/auth/ldap.ts for one benchmark run.
c = get_config()  # noqa
c.JupyterHub.authenticator_class = "ldap"
c.LDAPAuthenticator.server_address = "127.0.0.1"
c.LDAPAuthenticator.server_port = ${d.ldapPort}
c.LDAPAuthenticator.tls_strategy = "before_bind"
c.LDAPAuthenticator.tls_kwargs = {"ca_certs_file": ${py(d.caFile)}}
c.LDAPAuthenticator.bind_dn_template = [${py(`uid={username},${PEOPLE}`)}]
c.LDAPAuthenticator.allowed_groups = [${py(groups.researchers)}, ${py(groups.operators)}]
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
  return { label: `JupyterHub ${jupyterhubVersion(venv)} + ldapauthenticator ${ldapauthenticatorVersion(venv)}`, hub };
}

async function startNbhubSide(d: Slapd, workDir: string, procs: ProcessRegistry, venv: string): Promise<Side> {
  const [port, hubPort] = [await freePort(), await freePort()];
  const { groups } = d.directory;
  const config = {
    auth: {
      type: 'ldap',
      ldap: {
        server: { address: '127.0.0.1', port: d.ldapPort, tlsStrategy: 'before_bind', tls: { caFile: d.caFile } },
        dn: { templates: [`uid={username},${PEOPLE}`] },
        allowedGroups: [groups.researchers, groups.operators],
      },
    },
    hub: { port: hubPort },
  };
  const file = path.join(workDir, 'nbhub.yaml');
  writeFileSync(file, `# Written by bench/auth/ldap.ts for one benchmark run.\n${YAML.stringify(config)}`);
  const hub = await startHubProcess(procs, {
    name: 'nbhub',
    command: process.execPath,
    args: [path.join(REPO, 'bin', 'nbhub.mjs'), 'start', '--config', file, '--data-dir', path.join(workDir, 'data'), '--port', String(port)],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', NBHUB_CACHE_DIR: path.dirname(venv), NBHUB_LOG_LEVEL: 'warn' },
    cwd: REPO,
    logFile: path.join(workDir, 'nbhub.log'),
    port,
  });
  return { label: `nbhub ${NBHUB_VERSION}`, hub };
}

/** The login form's cookies and _xsrf field, fetched the way a browser navigation does. */
async function loginForm(url: string): Promise<{ cookie: string; xsrf: string }> {
  const r = await rawRequest(`${url}hub/login`, { headers: { Accept: 'text/html', 'Sec-Fetch-Mode': 'navigate' } });
  const cookie = (r.headers['set-cookie'] ?? []).map((c) => c.split(';')[0].trim()).join('; ');
  const input = /<input[^>]*name="_xsrf"[^>]*>/.exec(r.body)?.[0];
  const xsrf = input ? /value="([^"]*)"/.exec(input)?.[1] : undefined;
  if (r.status !== 200 || !xsrf) throw new Error(`GET ${url}hub/login answered ${r.status} without an _xsrf field`);
  return { cookie, xsrf };
}

const cpuS = (pid: number): number => processTree(pid).find((p) => p.pid === pid)?.cpuS ?? 0;

async function measure(side: Side, d: Slapd, slapdPid: number): Promise<Result> {
  const url = side.hub.publicUrl;
  const form = await loginForm(url);
  const { users } = d.directory;
  const creds = [users.alice, users.bob];
  const post = async (i: number): Promise<{ status: number; ms: number }> => {
    const u = creds[i % creds.length];
    const t0 = performance.now();
    const r = await rawRequest(`${url}hub/login`, {
      method: 'POST',
      headers: { Cookie: form.cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _xsrf: form.xsrf, username: u.uid, password: u.password }).toString(),
      timeoutMs: 10_000,
    }).catch(() => ({ status: 0 }));
    return { status: r.status, ms: performance.now() - t0 };
  };
  const probe = await post(0);
  if (probe.status !== 302) throw new Error(`${side.label}: a single LDAP login answered ${probe.status}, not 302; see ${side.hub.process.logFile}`);

  const run = async (seconds: number) => {
    const end = Date.now() + seconds * 1000;
    const latencies: number[] = [];
    const errors: Record<string, number> = {};
    let n = 0;
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (Date.now() < end) {
          const r = await post(n++);
          if (r.status === 302) latencies.push(r.ms);
          else errors[String(r.status)] = (errors[String(r.status)] ?? 0) + 1;
        }
      }),
    );
    return { latencies, errors };
  };
  if (warmupS > 0) await run(warmupS);
  const [hub0, slapd0, t0] = [cpuS(side.hub.process.pid), cpuS(slapdPid), performance.now()];
  const { latencies, errors } = await run(durationS);
  const [hub1, slapd1, t1] = [cpuS(side.hub.process.pid), cpuS(slapdPid), performance.now()];
  latencies.sort((a, b) => a - b);
  const logins = latencies.length;
  return {
    label: side.label,
    logins,
    errors,
    perS: logins / ((t1 - t0) / 1000),
    p50: median(latencies),
    p99: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? NaN,
    hubCpuMsPerLogin: logins ? ((hub1 - hub0) * 1000) / logins : NaN,
    slapdCpuMsPerLogin: logins ? ((slapd1 - slapd0) * 1000) / logins : NaN,
  };
}

/** The slapd the harness started (its command line names the harness's directory). */
function slapdPidOf(d: Slapd): number {
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const cmd = readFileSync(`/proc/${e}/cmdline`, 'utf8');
      if (cmd.startsWith('/usr/sbin/slapd') && cmd.includes(d.dir)) return Number(e);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error('cannot find the benchmark slapd process');
}

async function main(): Promise<void> {
  const venv = path.join(cacheDir(), 'venv');
  const root = mkdtempSync(path.join(os.tmpdir(), 'nbhub-bench-auth-'));
  const procs = new ProcessRegistry(`bench-auth-${randomBytes(4).toString('hex')}`);
  const results: Result[] = [];
  let failed = false;
  const slapd = await startSlapd();
  try {
    const slapdPid = slapdPidOf(slapd);
    const sides = [
      ['jupyterhub', startJupyterHubSide],
      ['nbhub', startNbhubSide],
    ] as const;
    for (const [name, start] of sides) {
      if (args.only && args.only !== name) continue;
      const dir = path.join(root, name);
      mkdirSync(dir);
      log(`starting ${name}`);
      const side = await start(slapd, dir, procs, venv);
      try {
        log(`${side.label}: ${connections} clients, ${warmupS} s warm-up, ${durationS} s measured`);
        results.push(await measure(side, slapd, slapdPid));
      } finally {
        await procs.stopAll();
      }
    }
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    await procs.stopAll();
    await slapd.destroy();
    if (!args.keep && !failed) rmSync(root, { recursive: true, force: true });
    else log(`work dir kept: ${root}`);
  }
  const rows = results.map((r) => [
    r.label,
    num(r.perS),
    ms(r.p50),
    ms(r.p99),
    r.hubCpuMsPerLogin.toFixed(2),
    r.slapdCpuMsPerLogin.toFixed(2),
    String(r.logins),
    Object.entries(r.errors).map(([k, v]) => `${k}: ${v}`).join(', ') || '0',
  ]);
  process.stdout.write(
    `\n## LDAP logins (POST /hub/login, StartTLS, bind DN template, 2 allowed groups; ${connections} clients, ${durationS} s)\n\n` +
      mdTable(['hub', 'logins/s', 'p50', 'p99', 'hub CPU ms/login', 'slapd CPU ms/login', 'logins', 'errors'], rows) +
      '\n',
  );
  if (results.length === 2) {
    const [jh, nb] = results;
    process.stdout.write(`\nnbhub / JupyterHub: ${ratio(nb.perS, jh.perS)} logins/s; hub CPU per login ${ratio(jh.hubCpuMsPerLogin, nb.hubCpuMsPerLogin)} less\n`);
  }
}

await main();
