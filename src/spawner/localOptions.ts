// Options of the local-process spawner: raw input (what config passes) and the resolved form
// in which every option has its value.
import { userInfo } from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { validateAccountPrefix } from './unixAccounts.ts';

export interface LocalProcessSpawnerOptions {
  /** nbhub's data directory; logs go to `<dataDir>/logs`. */
  dataDir: string;
  /** Where per-user homes are created; default `<dataDir>/homes`. */
  homeDir?: string | null;
  /** One Unix account per hub user. 'auto' (default): when the hub runs as root. */
  isolateUsers?: 'auto' | boolean;
  /** Prefix of per-user account names. Default 'nbh-'. */
  accountPrefix?: string;
  /** Login shell of created accounts, and SHELL of the servers. Default '/bin/bash'. */
  shell?: string;
  /** Address servers bind (and the proxy targets). Default '127.0.0.1'. */
  ip?: string;
  logger: Logger;
  now?: () => Date;
}

export interface ResolvedLocalOptions {
  dataDir: string;
  homeDir: string;
  logsDir: string;
  isolate: boolean;
  accountPrefix: string;
  shell: string;
  ip: string;
  /** The account the hub itself runs as (used when not isolating). */
  hubUser: { name: string; uid: number; gid: number };
  logger: Logger;
  now: () => Date;
}

export class SpawnerConfigError extends Error {
  readonly code = 'SPAWNER_CONFIG_INVALID';
}

export function resolveLocalOptions(o: LocalProcessSpawnerOptions): ResolvedLocalOptions {
  if (!o.dataDir) throw new SpawnerConfigError('local spawner: dataDir is required');
  const dataDir = path.resolve(o.dataDir);
  const homeDir = path.resolve(o.homeDir ?? path.join(dataDir, 'homes'));
  const me = userInfo();
  const root = me.uid === 0;
  const want = o.isolateUsers ?? 'auto';
  if (want === true && !root) {
    throw new SpawnerConfigError(
      `local spawner: isolateUsers is true but the hub runs as ${me.username} (uid ${me.uid}), not root; ` +
        'per-user Unix accounts need root. Run the hub as root or set isolateUsers to false/auto',
    );
  }
  const accountPrefix = o.accountPrefix ?? 'nbh-';
  validateAccountPrefix(accountPrefix, 'local spawner accountPrefix');
  const shell = o.shell ?? '/bin/bash';
  if (!path.isAbsolute(shell)) throw new SpawnerConfigError(`local spawner: shell must be an absolute path, got ${JSON.stringify(shell)}`);
  return {
    dataDir,
    homeDir,
    logsDir: path.join(dataDir, 'logs'),
    isolate: want === 'auto' ? root : want,
    accountPrefix,
    shell,
    ip: o.ip ?? '127.0.0.1',
    hubUser: { name: me.username, uid: me.uid, gid: me.gid },
    logger: o.logger,
    now: o.now ?? (() => new Date()),
  };
}
