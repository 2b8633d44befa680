// Enforced limits of the local spawner with the real hub, real jupyterhub-singleuser servers and
// real kernels (issue 14): a kernel allocating 1 GB under a 256M limit is killed and logged with
// the user's name while the hub and other servers keep running; a server killed by its limit is
// shown as "stopped: out of memory (limit 256M)" on the home page; a profile chosen on the spawn
// form changes the server's environment and limit, an unknown one is a 400; after the hub is
// SIGKILLed and restarted, re-adopted servers keep their limits and a server that died meanwhile
// loses its group; a fork bomb in one user's terminal is held by the task limit while another
// user starts a server. Needs root and a writable cgroup tree (skipped otherwise).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { Cgroups, groupPids, memoryLimit, parseCgroupRef, removeGroup, type CgroupRef } from '../../src/spawner/cgroups.ts';
import { launchBrowser, login, screenshot } from '../support/browser.ts';
import { e2eConfig } from '../support/e2eConfig.ts';
import { HubApi } from '../support/hubApi.ts';
import { runInKernel } from '../support/jupyterKernel.ts';
import { typeInTerminal } from '../support/jupyterTerminal.ts';
import { alive, startNbhub, type NbhubProcess } from '../support/nbhubProcess.ts';

let skip: string | false = false;
try {
  Cgroups.detect();
} catch (e) {
  skip = `limits cannot be enforced here: ${(e as Error).message}`;
}

const USERS = ['alice', 'bob', 'carol', 'dave', 'eve', 'frank'];
const pages = (bytes: number) => bytes - (bytes % 4096);
const ALLOC_1G = 'b = bytearray(1 << 30)\nfor i in range(0, len(b), 4096): b[i] = 1';

const { yaml: baseYaml, serviceToken } = e2eConfig({
  singleuser: [
    'startTimeout: 120',
    'httpTimeout: 120',
    'memory:',
    '  limit: 256M',
    'profileList:',
    '  - display_name: Standard',
    '    slug: standard',
    '    default: true',
    '  - display_name: Half a core',
    '    slug: half-core',
    '    kubespawner_override:',
    '      cpu_limit: 0.5',
    '  - display_name: Big',
    '    slug: big',
    '    kubespawner_override:',
    '      mem_limit: 600M',
    '      environment:',
    '        NBHUB_PROFILE: big',
  ],
});

// Small enough that a fork bomb fills it at once; JupyterLab with a kernel or two stays well below.
const yaml = `${baseYaml}spawner:\n  local:\n    tasksLimit: 128\n`;

describe('local spawner limits with the real hub and kernels', { skip, timeout: 600_000 }, () => {
  let hub: NbhubProcess;
  let api: HubApi;
  let browser: Browser | undefined;
  const pids: number[] = [];
  const refs: CgroupRef[] = [];

  const serverState = async (u: string) => (await api.get(`/users/${u}`)).body.servers[''].state as { pid: number; cgroup: unknown };
  const refOf = async (u: string): Promise<CgroupRef> => {
    const s = await serverState(u);
    pids.push(s.pid);
    const ref = parseCgroupRef(s.cgroup);
    assert.ok(ref, `${u}'s server state records its control group`);
    refs.push(ref);
    return ref;
  };
  const tokenFor = async (u: string) => (await api.call('POST', `/users/${u}/tokens`, { note: 'limits' })).body.token as string;
  const hubLog = () => readFileSync(hub.logFile, 'utf8');

  before(async () => {
    hub = await startNbhub({ name: 'local-limits', configYaml: yaml });
    api = new HubApi(hub.url, serviceToken);
    await api.call('POST', '/users', { usernames: USERS });
  });

  after(async () => {
    await browser?.close();
    if (hub) {
      api = new HubApi(hub.url, serviceToken);
      for (const u of USERS) await api.call('DELETE', `/users/${u}/server`).catch(() => undefined);
      await hub.stop();
    }
    for (const pid of pids) if (alive(pid)) process.kill(-pid, 'SIGKILL');
    // Groups the hub could not remove (e.g. it did not come back after the kill): ours only.
    for (const ref of refs) await removeGroup(ref).catch(() => undefined);
  });

  it('a kernel allocating 1 GB under 256M is killed and logged with the user; the hub and other servers keep running', async () => {
    await api.startServer('alice');
    await api.startServer('bob');
    const ref = await refOf('alice');
    await refOf('bob');
    assert.equal(memoryLimit(ref), pages(256_000_000), "alice's group holds the 256M limit");
    const token = await tokenFor('alice');
    assert.equal((await runInKernel(hub.url, 'alice', token, 'print(40 + 2)')).stdout.trim(), '42', 'a kernel runs under the limit');
    // The kernel dies mid-request, so the request itself may never be answered: bounded, ignored.
    const running = runInKernel(hub.url, 'alice', token, ALLOC_1G, 30_000).catch((e: Error) => ({ stdout: '', error: e.message }));
    await api.until('the out-of-memory line in the hub log', async () => /out of memory: the kernel killed \d+ process\(es\) in alice's server \(limit 256M\)/.test(hubLog()), 60_000);
    await running;
    const line = hubLog().split('\n').find((l) => l.includes("in alice's server (limit 256M)"))!;
    assert.equal(JSON.parse(line).user, 'alice', 'the log line carries the user name as a field too');
    for (const u of ['alice', 'bob']) assert.equal((await api.get(`/users/${u}`)).body.servers[''].ready, true, `${u}'s server keeps running`);
    const bobToken = await tokenFor('bob');
    assert.equal((await runInKernel(hub.url, 'bob', bobToken, 'print("still here")')).stdout.trim(), 'still here');
  });

  it('a server killed by its own limit is shown as "stopped: out of memory (limit 256M)"', async () => {
    const ref = await refOf('alice');
    const token = await tokenFor('alice');
    // Make the server process (the kernel's parent) the one the kernel's OOM killer picks.
    const code = `import os\nopen(f'/proc/{os.getppid()}/oom_score_adj', 'w').write('1000')\nos.sched_yield()\n${ALLOC_1G}`;
    const running = runInKernel(hub.url, 'alice', token, code, 30_000).catch((e: Error) => ({ stdout: '', error: e.message }));
    await api.until("alice's server to stop", async () => (await api.get('/users/alice?include_stopped_servers=1')).body.servers['']?.ready === false, 60_000);
    await running;
    await api.until("alice's group to be removed", async () => !existsSync(Object.values(ref.paths)[0]), 20_000);
    browser = await launchBrowser();
    const page = await (await browser.newContext()).newPage();
    await login(page, hub.url, 'alice');
    await page.goto(`${hub.url}hub/home`);
    const text = await page.locator('body').innerText();
    await screenshot(page, 'local-limits', 'home-out-of-memory');
    assert.match(text, /stopped: out of memory \(limit 256M\)/);
    await page.goto(`${hub.url}hub/spawn-pending/alice`);
    assert.match(await page.locator('body').innerText(), /stopped: out of memory \(limit 256M\)/, 'the spawn page says so too');
    await screenshot(page, 'local-limits', 'spawn-page-out-of-memory');
    await page.context().close();
  });

  it('the profile chosen on the spawn form sets the environment and the limit; an unknown profile is a 400', async () => {
    const bad = await api.call('POST', '/users/dave/server', { profile: 'huge' });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /Unknown profile \\"huge\\"/);
    const page = await (await browser!.newContext()).newPage();
    await login(page, hub.url, 'dave');
    await page.goto(`${hub.url}hub/spawn`);
    await page.check('input[name=profile][value=big]');
    await Promise.all([page.waitForURL(/\/user\/dave\//, { timeout: 120_000 }), page.click('#spawn_form button[type=submit]')]);
    await page.context().close();
    const ref = await refOf('dave');
    assert.equal(memoryLimit(ref), pages(600_000_000), "the Big profile's limit");
    const out = await runInKernel(hub.url, 'dave', await tokenFor('dave'), "import os; print(os.environ.get('NBHUB_PROFILE'))");
    assert.equal(out.stdout.trim(), 'big');
  });

  it('after the hub is SIGKILLed and restarted, re-adopted servers keep their limits; a server that died meanwhile loses its group', async () => {
    await api.startServer('carol');
    const bobRef = await refOf('bob');
    const carolRef = await refOf('carol');
    const carolPid = (await serverState('carol')).pid;
    const { dataDir, port } = hub;
    await hub.kill();
    process.kill(-carolPid, 'SIGKILL');
    await api.until('carol to die', async () => !alive(carolPid), 10_000);
    hub = await startNbhub({ name: 'local-limits-2', configYaml: yaml, dataDir, port });
    api = new HubApi(hub.url, serviceToken);
    assert.equal((await api.get('/users/bob')).body.servers[''].ready, true, "bob's server is re-adopted");
    assert.equal(memoryLimit(bobRef), pages(256_000_000), 'and keeps its limit');
    assert.ok(groupPids(bobRef).includes((await serverState('bob')).pid), "bob's server is still in its group");
    await api.until("carol's group to be removed", async () => !existsSync(Object.values(carolRef.paths)[0]), 30_000);
    assert.equal(existsSync(path.dirname(Object.values(carolRef.paths)[0])), true, 'only her group, not the base');
  });

  it("a fork bomb in one user's terminal does not stop another user from starting a server", async () => {
    const r = await api.call('POST', '/users/eve/server', { profile: 'half-core' });
    assert.ok(r.status === 201 || r.status === 202, `eve's spawn: ${r.status}`);
    await api.until("eve's server to be ready", async () => (await api.get('/users/eve')).body.servers['']?.ready === true, 120_000);
    const ref = await refOf('eve');
    const pidsDir = ref.version === 1 ? ref.paths.pids : ref.paths.unified;
    // The marker is printed by the shell (BOMB''-GO joined), so the echo of the typed line does not match.
    await typeInTerminal(hub.url, 'eve', await tokenFor('eve'), "echo BOMB''-GO; b() { b | b & }; b", 'BOMB-GO');
    await api.until("the bomb to fill eve's task limit", async () => Number(readFileSync(path.join(pidsDir, 'pids.current'), 'utf8')) >= 120, 60_000);
    await api.startServer('frank');
    assert.equal((await api.get('/users/frank')).body.servers[''].ready, true, "frank's server starts while eve's bomb runs");
    assert.equal((await api.call('DELETE', '/users/eve/server')).status < 300, true);
    await api.until("eve's server to stop", async () => !(await api.get('/users/eve')).body.servers['']?.ready, 60_000);
    await api.until("eve's group, with every process of the bomb, to be gone", async () => !existsSync(Object.values(ref.paths)[0]), 30_000);
  });
});
