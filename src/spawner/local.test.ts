import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { ENV_KEEP } from './childEnv.ts';
import { LocalProcessSpawner, type LocalProcessSpawnerOptions } from './local.ts';
import { HomeDirError } from './homeDirs.ts';
import { httpGet, runSpawnerConformance, waitForHttp } from './spawner.case.ts';
import type { Spawner, SpawnSpec, StartResult } from './types.ts';
import { accountNameFor, deleteUnixAccount, lookupAccount } from './unixAccounts.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const isRoot = process.getuid?.() === 0;
const ACCOUNT_PREFIX = 'nbt-';
const PYTHON = '/usr/bin/python3';
const VENV = path.join(process.env.NBHUB_CACHE_DIR ?? (isRoot ? '/var/cache/nbhub' : path.join(process.env.HOME ?? '/', '.cache/nbhub')), 'venv');
const silent = pino({ level: 'silent' });

/** A temporary base dir (0711) holding a copy of the fixture that any account can read. */
async function makeBase(): Promise<{ base: string; fixture: string }> {
  const base = await fsp.mkdtemp(path.join(tmpdir(), 'nbhub-spawner-'));
  await fsp.chmod(base, 0o711);
  await fsp.mkdir(path.join(base, 'fixtures'), { mode: 0o755 });
  const fixture = path.join(base, 'fixtures', 'http_fixture.py');
  await fsp.copyFile(path.join(here, 'fixtures', 'http_fixture.py'), fixture);
  await fsp.chmod(fixture, 0o644);
  return { base, fixture };
}

async function deleteAccountsOf(userNames: Iterable<string>): Promise<void> {
  if (!isRoot) return;
  for (const u of userNames) await deleteUnixAccount(accountNameFor(ACCOUNT_PREFIX, u));
}

const bases: string[] = [];
after(async () => {
  for (const b of bases) await fsp.rm(b, { recursive: true, force: true });
});

const conf = await makeBase();
bases.push(conf.base);
runSpawnerConformance(
  isRoot ? 'local process, isolated per-user accounts' : 'local process, not isolated (not root)',
  () => new LocalProcessSpawner({ dataDir: path.join(conf.base, 'data'), accountPrefix: ACCOUNT_PREFIX, logger: silent }),
  { fixtureCmd: [PYTHON, conf.fixture], cleanup: deleteAccountsOf },
);

describe('LocalProcessSpawner (local only)', { timeout: 120_000 }, () => {
  const run = randomBytes(3).toString('hex');
  const users = new Set<string>();
  const started: { spawner: Spawner; state: Record<string, unknown> }[] = [];
  let base = '';
  let fixture = '';
  let dataDir = '';

  const user = (n: string) => {
    const u = `lt${run}-${n}`;
    users.add(u);
    return u;
  };
  const spec = (userName: string, cmd: string[], env: Record<string, string> = {}): SpawnSpec => {
    const prefix = `/user/${userName}/`;
    return { userName, serverName: '', env: { JUPYTERHUB_SERVICE_PREFIX: prefix, ...env }, servicePrefix: prefix, cmd, args: [], userOptions: {} };
  };
  const makeSpawner = (extra: Partial<LocalProcessSpawnerOptions> = {}) =>
    new LocalProcessSpawner({ dataDir, accountPrefix: ACCOUNT_PREFIX, logger: silent, ...extra });
  const start = async (spawner: Spawner, sp: SpawnSpec): Promise<StartResult> => {
    const r = await spawner.start(sp, { progress: () => undefined, signal: new AbortController().signal });
    started.push({ spawner, state: r.state });
    return r;
  };
  const runToExit = async (spawner: Spawner, sp: SpawnSpec) => {
    const { state } = await start(spawner, sp);
    return { state, exit: await spawner.waitForExit(state, new AbortController().signal) };
  };

  before(async () => {
    ({ base, fixture } = await makeBase());
    bases.push(base);
    dataDir = path.join(base, 'data');
  });
  after(async () => {
    for (const { spawner, state } of started) await spawner.stop(state, { graceMs: 2000 }).catch(() => undefined);
    await deleteAccountsOf(users);
  });

  it('runs the server as the per-user account, in a 0700 home owned by it', { skip: !isRoot && 'needs root' }, async () => {
    const spawner = makeSpawner();
    const u = user('uid');
    const sp = spec(u, [PYTHON, fixture]);
    const { target, state } = await start(spawner, sp);
    await waitForHttp(`${target}${sp.servicePrefix}`);
    const account = await lookupAccount(String(state.account));
    assert.ok(account, 'account exists');
    assert.equal(account.name, accountNameFor(ACCOUNT_PREFIX, u));
    assert.notEqual(account.uid, 0);
    assert.equal(state.uid, account.uid);
    const status = readFileSync(`/proc/${Number(state.pid)}/status`, 'utf8');
    const ids = (field: string) => status.match(new RegExp(`^${field}:\\s+(.*)$`, 'm'))![1].split(/\s+/).map(Number);
    assert.deepEqual(ids('Uid'), [account.uid, account.uid, account.uid, account.uid]);
    assert.deepEqual(ids('Gid'), [account.gid, account.gid, account.gid, account.gid]);
    assert.equal(status.match(/^Groups:[ \t]*(.*)$/m)![1].trim(), '', 'no supplementary groups (not root’s)');
    const st = await fsp.stat(String(state.home));
    assert.equal(st.mode & 0o7777, 0o700);
    assert.equal(st.uid, account.uid);
    assert.equal(st.gid, account.gid);
    await spawner.stop(state, { graceMs: 2000 });
  });

  it("user A's server cannot read a file in user B's home", { skip: !isRoot && 'needs root' }, async () => {
    const spawner = makeSpawner();
    const b = await runToExit(spawner, spec(user('bob'), ['/bin/true']));
    assert.equal(b.exit.exitCode, 0);
    const secret = path.join(String(b.state.home), 'secret.txt');
    await fsp.writeFile(secret, 'top secret\n', { mode: 0o644 }); // even world-readable: the 0700 home protects it
    const a = await runToExit(spawner, spec(user('alice'), ['/bin/cat', secret]));
    assert.equal(a.exit.exitCode, 1);
    assert.ok(a.exit.logTail.some((l) => /Permission denied/.test(l)), JSON.stringify(a.exit.logTail));
    assert.ok(!a.exit.logTail.some((l) => l.includes('top secret')));
  });

  it('passes nothing of the hub environment but the allow-list', async () => {
    const planted = { CONFIGPROXY_AUTH_TOKEN: 'leak-me-cp', NBHUB_COOKIE_SECRET: 'leak-me-cookie', AWS_SECRET_ACCESS_KEY: 'leak-me-aws' };
    const saved = { ...process.env };
    Object.assign(process.env, planted, { LANG: 'C.UTF-8' });
    try {
      const spawner = makeSpawner();
      const u = user('env');
      const sp = spec(u, [PYTHON, fixture], { FROM_SPEC: 'yes' });
      const { target, state } = await start(spawner, sp);
      await waitForHttp(`${target}${sp.servicePrefix}`);
      const env = JSON.parse((await httpGet(`${target}${sp.servicePrefix}env`)).body) as Record<string, string>;
      for (const k of Object.keys(planted)) assert.equal(env[k], undefined, `${k} must not leak`);
      const allowed = new Set<string>([...ENV_KEEP, ...Object.keys(sp.env), 'JUPYTERHUB_SERVICE_URL', 'USER', 'HOME', 'SHELL', 'LC_CTYPE' /* set by Python itself */]);
      for (const k of Object.keys(env)) assert.ok(allowed.has(k), `unexpected variable ${k} in the server's environment`);
      assert.equal(env.LANG, 'C.UTF-8');
      assert.equal(env.FROM_SPEC, 'yes');
      assert.equal(env.USER, state.account);
      assert.equal(env.HOME, state.home);
      assert.equal(env.SHELL, '/bin/bash');
      await spawner.stop(state, { graceMs: 2000 });
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });

  it('a server survives its hub being SIGKILLed and is re-adopted', async () => {
    const u = user('survive');
    const cfg = JSON.stringify({ dataDir, accountPrefix: ACCOUNT_PREFIX, userName: u, cmd: [PYTHON, fixture] });
    const hub = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'fixtures', 'start_then_hang.ts'), cfg], {
      cwd: path.join(here, '..', '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      hub.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0]);
      });
      hub.once('exit', (code) => reject(new Error(`hub process exited early with ${code}`)));
    });
    const { target, state } = JSON.parse(line) as StartResult;
    const spawner = makeSpawner();
    started.push({ spawner, state });
    const exited = new Promise((resolve) => hub.once('exit', resolve));
    hub.kill('SIGKILL');
    await exited;
    assert.deepEqual(await spawner.poll(state), { running: true });
    assert.equal((await waitForHttp(`${target}/user/${u}/`)).body, 'ok');
    await spawner.stop(state, { graceMs: 2000 });
    assert.equal((await spawner.poll(state)).running, false);
  });

  it('runs the real jupyterhub-singleuser from the venv as the per-user account', { skip: !existsSync(path.join(VENV, 'bin', 'jupyterhub-singleuser')) && `no venv at ${VENV}` }, async () => {
    const spawner = makeSpawner();
    const { state, exit } = await runToExit(spawner, spec(user('jhsu'), [path.join(VENV, 'bin', 'jupyterhub-singleuser'), '--help']));
    assert.equal(exit.exitCode, 0, `exit ${exit.exitCode}: ${exit.logTail.join('\n')}`);
    const log = await fsp.readFile(String(state.logFile), 'utf8');
    assert.match(log, /A Jupyter Application|--port/);
    assert.doesNotMatch(log, /Traceback|Permission denied/);
    if (isRoot) assert.notEqual(state.uid, 0);
  });

  it('without isolation, runs as the hub user and warns once', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
    const spawner = makeSpawner({ isolateUsers: false, logger });
    const { state, exit } = await runToExit(spawner, spec(user('shared'), ['/bin/sh', '-c', 'id -u']));
    await runToExit(spawner, spec(user('shared2'), ['/bin/true']));
    assert.equal(exit.exitCode, 0);
    assert.equal(state.uid, process.getuid!());
    assert.ok(exit.logTail.includes(String(process.getuid!())));
    const warnings = lines.filter((l) => l.includes('user servers are not isolated: all servers run as'));
    assert.equal(warnings.length, 1);
  });

  it('makes a mkdtemp (0700) data dir traversable', { skip: !isRoot && 'needs root' }, async () => {
    const dir = await fsp.mkdtemp(path.join(tmpdir(), 'nbhub-data-'));
    bases.push(dir);
    const spawner = new LocalProcessSpawner({ dataDir: dir, accountPrefix: ACCOUNT_PREFIX, logger: silent });
    const { exit } = await runToExit(spawner, spec(user('mkdtemp'), ['/bin/true']));
    assert.equal(exit.exitCode, 0);
    assert.equal((await fsp.stat(dir)).mode & 0o7777, 0o711);
  });

  it('refuses when a directory outside the data dir blocks the way to the homes', { skip: !isRoot && 'needs root' }, async () => {
    const dir = await fsp.mkdtemp(path.join(tmpdir(), 'nbhub-blocked-'));
    bases.push(dir);
    const spawner = new LocalProcessSpawner({ dataDir: path.join(dir, 'data'), accountPrefix: ACCOUNT_PREFIX, logger: silent });
    await assert.rejects(
      spawner.start(spec(user('blocked'), ['/bin/true']), { progress: () => undefined, signal: new AbortController().signal }),
      (e) => e instanceof HomeDirError && e.code === 'HOME_NOT_TRAVERSABLE' && e.message.includes(dir),
    );
  });

  it('isolateUsers: true without root is a construction error', { skip: isRoot && 'runs as root' }, () => {
    assert.throws(() => makeSpawner({ isolateUsers: true }), { code: 'SPAWNER_CONFIG_INVALID' });
  });

  it('stop kills a server that ignores SIGTERM after the grace period, with its whole process group', async () => {
    const spawner = makeSpawner();
    // The shell ignores TERM and starts a child (same process group) that ignores it too.
    const script = "trap '' TERM; sh -c \"trap '' TERM; echo child \\$\\$; while :; do sleep 1; done\" & while :; do sleep 1; done";
    const { state } = await start(spawner, spec(user('stubborn'), ['/bin/sh', '-c', script]));
    let childPid = 0;
    for (let i = 0; i < 100 && !childPid; i++) {
      const m = (await spawner.logTail(state, 5)).join('\n').match(/child (\d+)/);
      if (m) childPid = Number(m[1]);
      else await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(childPid > 0, 'the grandchild reported its pid');
    await spawner.stop(state, { graceMs: 300 });
    assert.equal((await spawner.poll(state)).running, false);
    const st = existsSync(`/proc/${childPid}/stat`) ? readFileSync(`/proc/${childPid}/stat`, 'utf8') : '';
    assert.ok(st === '' || / Z /.test(st), 'the grandchild is gone too');
  });
});
