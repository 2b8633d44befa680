// What enforced limits add to a local spawn: spawn → ready (the server answers HTTP) through the
// local-process spawner with per-server control groups (memory 1G, CPU 1, 1024 tasks) and
// without them, alternating, as root. The server is src/spawner/fixtures/http_fixture.py (a
// stdlib HTTP server), so the figure is the spawner's own overhead, not JupyterLab's start-up.
//
//   node --import tsx bench/hub/spawnLimits.ts [--spawns 20]
//
// Target (issue 14): under 10 ms added per spawn. Prints a Markdown table (median and p90).
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { LocalProcessSpawner } from '../../src/spawner/local.ts';
import { waitForHttp } from '../../src/spawner/spawner.case.ts';
import { accountNameFor, deleteUnixAccount } from '../../src/spawner/unixAccounts.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const argIndex = process.argv.indexOf('--spawns');
const SPAWNS = argIndex > 0 ? Math.min(200, Math.max(1, Number(process.argv[argIndex + 1]))) : 20;
const PREFIX = 'nbb-';

if (process.getuid?.() !== 0) {
  console.error('bench/hub/spawnLimits.ts needs root (control groups and per-user accounts)');
  process.exit(2);
}

const base = await fsp.mkdtemp(path.join(tmpdir(), 'nbhub-bench-limits-'));
await fsp.chmod(base, 0o711);
const fixture = path.join(base, 'http_fixture.py');
await fsp.copyFile(path.join(REPO, 'src/spawner/fixtures/http_fixture.py'), fixture);
await fsp.chmod(fixture, 0o644);
const logger = pino({ level: 'silent' });
const limits = { memory: '1G', cpu: 1, tasks: 1024 };
const sides = {
  on: new LocalProcessSpawner({ dataDir: path.join(base, 'on'), accountPrefix: PREFIX, limits, logger }),
  off: new LocalProcessSpawner({ dataDir: path.join(base, 'off'), accountPrefix: PREFIX, limits, enforceLimits: false, logger }),
};
const user = `bench${randomBytes(2).toString('hex')}`;
const times: Record<'on' | 'off', number[]> = { on: [], off: [] };

async function once(side: 'on' | 'off'): Promise<void> {
  const s = sides[side];
  const prefix = `/user/${user}/`;
  const t0 = process.hrtime.bigint();
  const r = await s.start(
    { userName: user, serverName: '', env: { JUPYTERHUB_SERVICE_PREFIX: prefix }, servicePrefix: prefix, cmd: ['/usr/bin/python3', fixture], args: [], userOptions: {} },
    { progress: () => undefined, signal: new AbortController().signal },
  );
  await waitForHttp(`${r.target}${prefix}`);
  times[side].push(Number(process.hrtime.bigint() - t0) / 1e6);
  await s.stop(r.state, { graceMs: 2000 });
}

try {
  await once('on'); // warm-up: account creation, directories, Python's file cache
  await once('off');
  times.on = [];
  times.off = [];
  for (let i = 0; i < SPAWNS; i++) {
    for (const side of i % 2 ? (['off', 'on'] as const) : (['on', 'off'] as const)) await once(side);
  }
} finally {
  for (const s of Object.values(sides)) await s.close();
  await deleteUnixAccount(accountNameFor(PREFIX, user)).catch(() => undefined);
  await fsp.rm(base, { recursive: true, force: true });
}

const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const row = (name: string, xs: number[]) => `| ${name} | ${q(xs, 0.5).toFixed(1)} | ${q(xs, 0.9).toFixed(1)} |`;
console.log(`\n### Local spawn → ready, ${SPAWNS} spawns per side (ms)\n`);
console.log('| limits | median | p90 |\n|---|---|---|');
console.log(row('off (no control groups)', times.off));
console.log(row('on (memory, CPU, tasks)', times.on));
console.log(`\nadded per spawn (median): ${(q(times.on, 0.5) - q(times.off, 0.5)).toFixed(1)} ms (target < 10 ms)`);
