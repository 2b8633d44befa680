// nbhub as its own default setup: `nbhub start` with dummy login, the built-in proxy, the
// local-process spawner (per-user Unix accounts when run as root) and an admin service token.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { freePort } from '../lib/http.ts';
import { startHubProcess } from '../lib/hubProcess.ts';
import type { ProcessRegistry } from '../lib/processes.ts';
import { NBHUB_VERSION } from '../../src/hub/version.ts';
import { accountComment, accountNameFor, deleteUnixAccount, lookupAccount } from '../../src/spawner/unixAccounts.ts';
import type { HubUnderTest, SideOptions } from './types.ts';

/** spawner.local.accountPrefix's default; the config below does not change it. */
const ACCOUNT_PREFIX = 'nbh-';

function isErrorLine(line: string): boolean {
  if (line.startsWith('{')) {
    try {
      return ((JSON.parse(line) as { level?: number }).level ?? 0) >= 50;
    } catch {
      return false;
    }
  }
  return /^(\w*Error\b|Unhandled|nbhub: |\s+at )/.test(line);
}

export async function startNbhub(o: SideOptions, procs: ProcessRegistry): Promise<HubUnderTest> {
  const [port, hubPort] = [await freePort(), await freePort()];
  const dataDir = path.join(o.workDir, 'data');
  const configFile = path.join(o.workDir, 'nbhub.yaml');
  const config = {
    auth: { type: 'dummy' },
    hub: {
      port: hubPort,
      services: { bench: { apiToken: o.token, admin: true } },
    },
    singleuser: { extraEnv: { NBHUB_BENCH_RUN: procs.marker } },
  };
  writeFileSync(configFile, `# Written by bench/hub/nbhubSide.ts for one benchmark run.\n${YAML.stringify(config)}`);
  const logFile = path.join(o.workDir, 'nbhub.log');
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: process.env.LANG ?? 'C.UTF-8',
    NBHUB_CACHE_DIR: path.dirname(o.venvDir),
  };
  const started = await startHubProcess(procs, {
    name: 'nbhub',
    command: process.execPath,
    args: [path.join(o.repoDir, 'bin', 'nbhub.mjs'), 'start', '--config', configFile, '--data-dir', dataDir, '--port', String(port)],
    env,
    cwd: o.repoDir,
    logFile,
    port,
  });
  const { publicUrl, failure } = started;
  const hub = started.process;
  if (!readFileSync(logFile, 'utf8').includes('in your browser.')) {
    throw new Error(`nbhub answers at ${publicUrl} but did not print "Open … in your browser."; see ${logFile}`);
  }
  let stopped = false;
  return {
    label: `nbhub ${NBHUB_VERSION}`,
    publicUrl,
    hubUrl: `http://127.0.0.1:${hubPort}/`,
    token: o.token,
    spawnSetup: `built-in local-process spawner, default settings: per-user Unix account (${ACCOUNT_PREFIX}<name>, created at first spawn) and home under the data dir`,
    components: 'built-in proxy (same process)',
    logFile,
    pid: hub.pid,
    errorLines: () => {
      try {
        return readFileSync(logFile, 'utf8').split('\n').filter(isErrorLine);
      } catch {
        return [];
      }
    },
    failure,
    async stop() {
      if (stopped) return;
      stopped = true;
      await procs.stop(hub, 20_000);
    },
    async cleanupAfterStop(users) {
      const removed: string[] = [];
      for (const user of users) {
        const account = accountNameFor(ACCOUNT_PREFIX, user);
        const entry = await lookupAccount(account);
        // Only accounts nbhub made for this run's users (their names carry the run id).
        if (entry && entry.comment === accountComment(user)) {
          await deleteUnixAccount(account);
          removed.push(`Unix account ${account}`);
        }
      }
      return removed;
    },
  };
}
