// Enforced limits of the local spawner, against the real kernel: memory, CPU, tasks, the group's
// life across a "hub restart" (a new spawner given the persisted state), temporary homes, and
// what happens when limits cannot be enforced. Needs root and a writable cgroup tree (skipped
// otherwise, with the reason).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fsp, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { Cgroups, CgroupError, cpuUsageMicros, groupExists, groupPids, memoryLimit, oomKills, parseCgroupRef, readCgroupMounts, type CgroupRef } from './cgroups.ts';
import { LocalProcessSpawner, type LocalProcessSpawnerOptions } from './local.ts';
import { findCommand, LimitsUnavailableError, LocalLimitEnforcer } from './localLimits.ts';
import type { SpawnSpec, StartResult } from './types.ts';
import { accountNameFor, deleteUnixAccount } from './unixAccounts.ts';

const PYTHON = '/usr/bin/python3';
const ACCOUNT_PREFIX = 'nbl-';
let skip: string | false = false;
try {
  Cgroups.detect();
} catch (e) {
  skip = `limits cannot be enforced here: ${(e as Error).message}`;
}

function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

/** The kernel keeps limits in whole pages. */
const pages = (bytes: number) => bytes - (bytes % 4096);

/** Polls `check` every 50 ms, at most `tries` times (no timing is asserted). */
async function until(what: string, check: () => boolean, tries = 400): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (check()) return;
    await sleep(50);
  }
  assert.fail(`gave up waiting for ${what}`);
}

describe('local spawner limits (cgroups)', { skip, timeout: 180_000 }, () => {
  const run = randomBytes(3).toString('hex');
  const users = new Set<string>();
  const started: { spawner: LocalProcessSpawner; state: Record<string, unknown> }[] = [];
  const spawners: LocalProcessSpawner[] = [];
  let base = '';

  const user = (n: string) => {
    const u = `ll${run}-${n}`;
    users.add(u);
    return u;
  };
  const spec = (userName: string, cmd: string[], userOptions: Record<string, unknown> = {}): SpawnSpec => {
    const prefix = `/user/${userName}/`;
    return { userName, serverName: '', env: { JUPYTERHUB_SERVICE_PREFIX: prefix }, servicePrefix: prefix, cmd, args: [], userOptions };
  };
  const ctx = () => ({ progress: () => undefined, signal: new AbortController().signal });
  const newSpawner = async (o: Partial<LocalProcessSpawnerOptions> = {}) => {
    if (!base) {
      base = await fsp.mkdtemp(path.join(tmpdir(), 'nbhub-limits-'));
      await fsp.chmod(base, 0o711);
    }
    const s = new LocalProcessSpawner({ dataDir: path.join(base, 'data'), accountPrefix: ACCOUNT_PREFIX, logger: pino({ level: 'silent' }), ...o });
    spawners.push(s);
    return s;
  };
  const start = async (s: LocalProcessSpawner, sp: SpawnSpec): Promise<StartResult> => {
    const r = await s.start(sp, ctx());
    started.push({ spawner: s, state: r.state });
    return r;
  };
  const refOf = (r: StartResult): CgroupRef => {
    const ref = parseCgroupRef(r.state.cgroup);
    assert.ok(ref, 'the state records the control group');
    return ref;
  };
  /** A python server: waits for `<home>/go`, then runs `code`, then sleeps. */
  const waitThen = (code: string) => [
    PYTHON,
    '-c',
    `import os, time\nfor _ in range(3000):\n    if os.path.exists('go'): break\n    time.sleep(0.05)\n${code}\ntime.sleep(600)`,
  ];

  after(async () => {
    for (const { spawner, state } of started) await spawner.stop(state, { graceMs: 500 }).catch(() => undefined);
    for (const s of spawners) await s.close();
    for (const u of users) await deleteUnixAccount(accountNameFor(ACCOUNT_PREFIX, u));
    if (base) await fsp.rm(base, { recursive: true, force: true });
  });

  it('memory limit 256M: a 1 GB allocation is killed, the group shows the limit, others keep running, the exit says "out of memory"', async () => {
    const { logger, lines } = captureLogger();
    const s = await newSpawner({ limits: { memory: '256M', cpu: null, tasks: 256 }, logger });
    const other = await start(s, spec(user('bystander'), [PYTHON, '-c', 'import time; time.sleep(600)']));
    const hog = user('hog');
    const victim = await start(s, spec(hog, waitThen('b = bytearray(1 << 30)\nb[::4096] = b"x" * len(b[::4096])')));
    const ref = refOf(victim);
    assert.equal(memoryLimit(ref), pages(256_000_000), 'the kernel holds the group to 256M');
    if (ref.version === 1) assert.equal(readFileSync(path.join(ref.paths.memory, 'memory.memsw.limit_in_bytes'), 'utf8').trim(), String(pages(256_000_000)));
    await fsp.writeFile(path.join(String(victim.state.home), 'go'), '');
    const exit = await s.waitForExit(victim.state, new AbortController().signal);
    assert.equal(exit.message, 'stopped: out of memory (limit 256M)');
    assert.equal((await s.poll(other.state)).running, true, "another user's server keeps running");
    assert.equal(groupExists(ref), false, 'the group is removed once the server is gone');
    assert.ok(lines.some((l) => l.user === hog && String(l.msg).startsWith('out of memory')), 'the hub log names the user');
  });

  it('a kernel-style child killed by the limit inside a running server is logged with the user name', async () => {
    const { logger, lines } = captureLogger();
    const s = await newSpawner({ limits: { memory: '200M', cpu: null, tasks: 256 }, logger });
    const name = user('kern');
    // The server stays up; a child process (as a kernel would be) allocates too much and dies.
    const r = await start(s, spec(name, waitThen(`import subprocess\nsubprocess.run(['${PYTHON}', '-c', 'b = bytearray(1 << 30)\\nb[::4096] = b"x" * len(b[::4096])'])\nopen('child-done', 'w').close()`)));
    await fsp.writeFile(path.join(String(r.state.home), 'go'), '');
    await until('the child to be killed', () => existsSync(path.join(String(r.state.home), 'child-done')));
    assert.equal((await s.poll(r.state)).running, true, 'the server itself survives');
    await until('the out-of-memory log line', () => lines.some((l) => l.user === name && String(l.msg).startsWith('out of memory')));
    const line = lines.find((l) => l.user === name && String(l.msg).startsWith('out of memory'))!;
    assert.match(String(line.msg), new RegExp(`${name}'s server \\(limit 200M\\)`));
  });

  it('cpu.limit 0.5: two busy loops get at most about half a core (from the group’s own CPU accounting)', async () => {
    const s = await newSpawner({ limits: { memory: null, cpu: 0.5, tasks: 64 } });
    const r = await start(s, spec(user('busy'), ['/bin/sh', '-c', 'while :; do :; done & while :; do :; done']));
    const ref = refOf(r);
    const t0 = process.hrtime.bigint();
    const u0 = cpuUsageMicros(ref)!;
    await sleep(3000);
    const u1 = cpuUsageMicros(ref)!;
    const elapsedUs = Number(process.hrtime.bigint() - t0) / 1000;
    const cores = (u1 - u0) / elapsedUs;
    assert.ok(cores <= 0.6, `used ${cores.toFixed(2)} cores with a 0.5 limit`);
    assert.ok(cores > 0.05, `the busy loops ran (${cores.toFixed(2)} cores)`);
  });

  it('a fork bomb in one server is held by its task limit; another user still starts a server; stop removes all of it', async () => {
    const s = await newSpawner({ limits: { memory: '256M', cpu: 0.5, tasks: 40 } });
    const bomb = await start(s, spec(user('bomb'), ['/bin/bash', '-c', 'b() { b | b & }; b; sleep 600']));
    const ref = refOf(bomb);
    const pidsDir = ref.version === 1 ? ref.paths.pids : ref.paths.unified;
    await until('the bomb to reach its task limit', () => Number(readFileSync(path.join(pidsDir, 'pids.current'), 'utf8')) >= 35);
    const other = await start(s, spec(user('calm'), [PYTHON, '-c', 'import time; time.sleep(600)']));
    assert.equal((await s.poll(other.state)).running, true);
    await s.stop(bomb.state, { graceMs: 200 });
    assert.equal(groupExists(ref), false, 'every process of the bomb is gone with its group');
  });

  it('after a "hub restart" (a new spawner with the persisted state) the group is found again; a server that died meanwhile loses its group', async () => {
    const s1 = await newSpawner({ limits: { memory: '300M', cpu: null, tasks: 64 } });
    const alive = await start(s1, spec(user('keep'), [PYTHON, '-c', 'import time; time.sleep(600)']));
    const dies = await start(s1, spec(user('gone'), waitThen('raise SystemExit(3)')));
    await s1.close();
    const s2 = await newSpawner({ limits: { memory: '300M', cpu: null, tasks: 64 } });
    const aliveRef = refOf(alive);
    assert.equal((await s2.poll(alive.state)).running, true);
    assert.equal(memoryLimit(aliveRef), pages(300_000_000), 'the re-adopted server keeps its limit');
    assert.ok(groupPids(aliveRef).includes(Number(alive.state.pid)));
    await fsp.writeFile(path.join(String(dies.state.home), 'go'), '');
    const exit = await s2.waitForExit(dies.state, new AbortController().signal);
    assert.equal(exit.running, false);
    assert.equal(groupExists(refOf(dies)), false, "the dead server's group is removed");
    await s2.stop(alive.state, { graceMs: 500 });
    assert.equal(groupExists(aliveRef), false);
  });

  it('empty groups left behind (their server died unwatched) are pruned once old enough; groups in use never', async () => {
    const s = await newSpawner({ limits: { memory: null, cpu: null, tasks: 64 } });
    const r = await start(s, spec(user('prune'), [PYTHON, '-c', 'import time; time.sleep(600)']));
    const live = refOf(r);
    await until('the server to join its group', () => groupPids(live).includes(Number(r.state.pid)));
    const cg = Cgroups.detect();
    const orphan = await cg.create(`ll${run}-orphan`, { memoryBytes: null, cpu: null, tasks: null });
    cg.pruneEmpty(60_000);
    assert.equal(groupExists(orphan), true, 'a fresh empty group may be a spawn about to join it');
    cg.pruneEmpty(0);
    assert.equal(groupExists(orphan), false, 'the old empty group is removed');
    assert.equal(groupExists(live), true, 'the group of a running server is kept');
    assert.equal((await s.poll(r.state)).running, true);
  });

  it('storage none: the temporary home is removed when the server stops; profiles change env and limits', async () => {
    const s = await newSpawner({
      temporaryHomes: true,
      limits: { memory: '1G', cpu: null, tasks: 64 },
      resolveSettings: (o) => ({
        cmd: null,
        args: null,
        defaultUrl: o.profile === 'small' ? '/tree' : null,
        env: o.profile === 'small' ? { PROFILE_NAME: 'small' } : ({} as Record<string, string>),
        memory: o.profile === 'small' ? '128M' : '1G',
        cpu: null,
        pythonEnv: null,
        profile: String(o.profile ?? 'default'),
      }),
    });
    const r = await start(s, spec(user('tmp'), [PYTHON, '-c', "import os, time; open('env', 'w').write(os.environ.get('PROFILE_NAME', '') + ' ' + os.environ.get('JUPYTERHUB_DEFAULT_URL', '')); time.sleep(600)"], { profile: 'small' }));
    const home = String(r.state.home);
    await until('the server to write its environment', () => existsSync(path.join(home, 'env')));
    assert.equal(readFileSync(path.join(home, 'env'), 'utf8'), 'small /tree');
    assert.equal(memoryLimit(refOf(r)), pages(128_000_000));
    await s.stop(r.state, { graceMs: 500 });
    assert.equal(existsSync(home), false, 'no home is left behind');
  });
});

describe('when limits cannot be enforced', () => {
  const fail = () => {
    throw new CgroupError('the hub does not run as root, so it cannot create control groups');
  };
  it('warns once that limits are not enforced', () => {
    const { logger, lines } = captureLogger();
    const e = new LocalLimitEnforcer(logger, { requireLimits: false, guaranteesConfigured: true, cgroups: fail });
    assert.equal(e.enforced, false);
    const warns = lines.filter((l) => l.level === 40);
    assert.equal(warns.length, 1);
    assert.match(String(warns[0].msg), /NOT enforced: the hub does not run as root/);
    assert.ok(lines.some((l) => String(l.msg).includes('guarantee have no meaning for the local spawner')));
  });
  it('refuses to start with requireLimits', () => {
    assert.throws(
      () => new LocalLimitEnforcer(pino({ level: 'silent' }), { requireLimits: true, guaranteesConfigured: false, cgroups: fail }),
      (e: unknown) => e instanceof LimitsUnavailableError && /requireLimits is true .* not run as root/.test(e.message),
    );
  });
  it('detect() without root says so', () => {
    assert.throws(() => Cgroups.detect({ isRoot: false }), /does not run as root/);
  });
});

describe('cgroup v2 (files written, on a stand-in tree: this machine mounts v1)', () => {
  it('detects v2 from mountinfo, enables the controllers and writes memory.max, swap, cpu.max, pids.max', async () => {
    const root = await fsp.mkdtemp(path.join(tmpdir(), 'nbhub-cg2-'));
    try {
      await fsp.writeFile(path.join(root, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc\n');
      const mounts = readCgroupMounts(`35 24 0:30 / ${root} rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n`);
      const cg = Cgroups.detect({ mounts, isRoot: true });
      assert.equal(cg.version, 2);
      assert.equal(readFileSync(path.join(root, 'cgroup.subtree_control'), 'utf8'), '+memory +cpu +pids');
      assert.equal(readFileSync(path.join(root, 'nbhub', 'cgroup.subtree_control'), 'utf8'), '+memory +cpu +pids');
      const ref = await cg.create('alice', { memoryBytes: 256_000_000, cpu: 0.5, tasks: 100 });
      const g = ref.paths.unified;
      assert.equal(path.dirname(g), path.join(root, 'nbhub'));
      assert.equal(readFileSync(path.join(g, 'memory.max'), 'utf8'), '256000000');
      assert.equal(readFileSync(path.join(g, 'cpu.max'), 'utf8'), '50000 100000');
      assert.equal(readFileSync(path.join(g, 'pids.max'), 'utf8'), '100');
      await fsp.writeFile(path.join(g, 'memory.events'), 'low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n');
      assert.equal(oomKills(ref), 1);
      await fsp.writeFile(path.join(g, 'cpu.stat'), 'usage_usec 1234\nuser_usec 1000\nsystem_usec 234\n');
      assert.equal(cpuUsageMicros(ref), 1234);
      assert.equal(memoryLimit(ref), 256_000_000);
    } finally {
      await fsp.rm(root, { recursive: true, force: true });
    }
  });

  it('v2 without the memory controller (or no cgroup mount at all) says which', () => {
    assert.throws(() => Cgroups.detect({ mounts: [], isRoot: true }), /no cgroup file system is mounted/);
    const mounts = readCgroupMounts('35 24 0:30 / /nonexistent-cg2 rw - cgroup2 cgroup2 rw\n');
    assert.throws(() => Cgroups.detect({ mounts, isRoot: true }), /does not offer the memory, cpu, pids controller/);
  });
});

describe('findCommand: the wrapper gets the command the account itself can run', () => {
  it('skips a root-only PATH entry (a pyenv shim under /root) and scripts the account cannot read', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root to make root-only directories');
    const base = await fsp.mkdtemp(path.join(tmpdir(), 'nbhub-find-'));
    t.after(() => fsp.rm(base, { recursive: true, force: true }));
    await fsp.chmod(base, 0o755);
    const rootOnly = path.join(base, 'root-only');
    const shared = path.join(base, 'shared');
    const unreadable = path.join(base, 'unreadable');
    for (const [dir, mode] of [[rootOnly, 0o700], [shared, 0o755], [unreadable, 0o755]] as const) {
      await fsp.mkdir(dir);
      await fsp.chmod(dir, mode);
      await fsp.writeFile(path.join(dir, 'tool'), '#!/bin/sh\necho hi\n');
      await fsp.chmod(path.join(dir, 'tool'), dir === unreadable ? 0o711 : 0o755);
    }
    const nobody = { uid: 65534, gid: 65534 };
    assert.equal(findCommand('tool', `${rootOnly}:${shared}`, null), path.join(rootOnly, 'tool'));
    assert.equal(findCommand('tool', `${rootOnly}:${shared}`, nobody), path.join(shared, 'tool'));
    assert.equal(findCommand('tool', `${rootOnly}:${unreadable}`, nobody), null);
    assert.equal(findCommand(path.join(rootOnly, 'tool'), undefined, nobody), null);
    assert.equal(findCommand('sh', '/usr/bin:/bin', nobody), '/usr/bin/sh');
  });
});
