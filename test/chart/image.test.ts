// The hub/proxy image (Dockerfile) without a Docker engine: its final stage's COPY steps are
// replayed into a directory (minus what .dockerignore leaves out), the build stage's
// `npm ci --omit=dev` becomes a copy of node_modules pruned of devDependencies, and the commands
// the chart gives its containers run from there under the chart's non-root uids. What this
// proves: the image's files and production dependencies are enough to run `nbhub start`,
// `nbhub proxy` and `nbhub config check`. What it cannot: the base image and apt steps.

import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { freePort } from '../support/nbhubProcess.ts';
import { REPO } from './helm.ts';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const HUB_UID = 1000;
const PROXY_UID = 65534;

let root: string;
const started: ChildProcess[] = [];

/** Sources of the final stage's `COPY <src…> <dest>` lines (not `COPY --from=…`). */
function finalStageCopies(dockerfile: string): string[] {
  const stages = dockerfile.split(/^FROM /m);
  const final = stages[stages.length - 1];
  const sources: string[] = [];
  for (const line of final.split('\n')) {
    const m = /^COPY\s+(?!--from)(.+)$/.exec(line.trim());
    if (!m) continue;
    const parts = m[1].trim().split(/\s+/);
    sources.push(...parts.slice(0, -1));
  }
  return sources;
}

/** A filter from .dockerignore's `**\/*.suffix` and `**\/dirname` lines (the forms it uses). */
function ignoreFilter(dockerignore: string): (path: string) => boolean {
  const suffixes: string[] = [];
  const names: string[] = [];
  for (const raw of dockerignore.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('**/*.')) suffixes.push(line.slice(4));
    else if (line.startsWith('**/')) names.push(line.slice(3));
  }
  return (path) => !suffixes.some((s) => path.endsWith(s)) && !names.includes(basename(path));
}

/** The first 200 answer from `url` (the proxy may listen before the hub's route is in). */
async function waitForHttp(url: string, child: ChildProcess, what: string): Promise<Response> {
  const deadline = Date.now() + 60_000;
  let last = 'no answer';
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.status === 200) return res;
      last = `HTTP ${res.status}`;
      await res.arrayBuffer();
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${what} did not answer ${url} with 200 within 60 s (last: ${last})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function startAs(uid: number | null, args: string[], env: NodeJS.ProcessEnv, log: string): ChildProcess {
  const child = spawn(process.execPath, [join(root, 'bin/nbhub.mjs'), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: '/nonexistent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(uid !== null ? { uid, gid: uid } : {}),
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  child.on('exit', () => writeFileSync(log, output));
  started.push(child);
  return child;
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'nbhub-image-'));
  chmodSync(root, 0o755);
  const keep = ignoreFilter(readFileSync(join(REPO, '.dockerignore'), 'utf8'));
  const sources = finalStageCopies(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
  assert.deepEqual([...sources].sort(), ['bin', 'package-lock.json', 'package.json', 'src']);
  for (const src of sources) cpSync(join(REPO, src), join(root, src), { recursive: true, filter: (p) => keep(p) });
  // the build stage: `npm ci --omit=dev`
  cpSync(join(REPO, 'node_modules'), join(root, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  await run('npm', ['prune', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: root, timeout: 300_000 });
}, { timeout: 360_000 });

after(() => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  if (root) rmSync(root, { recursive: true, force: true });
});

test('the image holds no test files and no devDependencies', () => {
  assert.ok(!existsSync(join(root, 'src/proxy/trie.test.ts')));
  assert.ok(existsSync(join(root, 'src/proxy/trie.ts')));
  for (const dev of ['typescript', 'playwright-core', 'configurable-http-proxy']) {
    assert.ok(!existsSync(join(root, 'node_modules', dev)), `${dev} is a devDependency`);
  }
  for (const dep of ['fastify', 'tsx', 'better-sqlite3', 'argon2']) assert.ok(existsSync(join(root, 'node_modules', dep)), dep);
});

test('nbhub config check runs from the image on the chart example', async () => {
  const { stdout } = await run(process.execPath, [join(root, 'bin/nbhub.mjs'), 'config', 'check', join(REPO, 'chart/examples/minimal.yaml')], {
    cwd: root,
    timeout: 60_000,
  });
  assert.match(stdout, /singleuser/);
});

test('nbhub proxy runs from the image as the proxy pod does (uid 65534)', async () => {
  const port = await freePort();
  const apiPort = await freePort();
  const child = startAs(isRoot ? PROXY_UID : null, ['proxy', '--ip', '127.0.0.1', '--port', String(port), '--api-ip', '127.0.0.1', '--api-port', String(apiPort)], { CONFIGPROXY_AUTH_TOKEN: 'image-test-token' }, join(tmpdir(), 'nbhub-image-proxy.log'));
  const health = await waitForHttp(`http://127.0.0.1:${port}/_chp_healthz`, child, 'nbhub proxy');
  assert.equal(health.status, 200);
  const routes = await fetch(`http://127.0.0.1:${apiPort}/api/routes`, { headers: { Authorization: 'token image-test-token' } });
  assert.equal(routes.status, 200);
  child.kill('SIGTERM');
});

test('nbhub start runs from the image as the hub pod does (uid 1000, data on its own volume)', async () => {
  const data = join(root, '..', `${basename(root)}-data`);
  mkdirSync(data, { recursive: true });
  if (isRoot) chownSync(data, HUB_UID, HUB_UID);
  const port = await freePort();
  const config = join(data, 'config.yaml');
  // the chart's hub uses the kubernetes spawner; without a cluster, the local one with a command
  // that exists (the image holds no jupyterhub-singleuser; only its presence is checked at start)
  writeFileSync(config, 'auth:\n  type: dummy\nsingleuser:\n  cmd: /bin/true\n');
  try {
    const child = startAs(isRoot ? HUB_UID : null, ['start', `--config=${config}`, `--data-dir=${join(data, 'data')}`, '--ip=127.0.0.1', `--port=${port}`], {}, join(tmpdir(), 'nbhub-image-hub.log'));
    const res = await waitForHttp(`http://127.0.0.1:${port}/hub/api/`, child, 'nbhub start');
    assert.equal(res.status, 200);
    assert.match(((await res.json()) as { version: string }).version, /nbhub/);
    child.kill('SIGTERM');
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});
