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
  /** Limits of every server (singleuser.memory/cpu.limit, spawner.local.tasksLimit). */
  limits?: LocalLimits;
  /** Refuse to start when limits cannot be enforced (spawner.local.requireLimits). */
  requireLimits?: boolean;
  /** false: never create control groups (bench/hub/spawnLimits.ts measures what they cost). Default true. */
  enforceLimits?: boolean;
  /** Guarantees are configured (they mean nothing locally; logged once). */
  guaranteesConfigured?: boolean;
  /** The settings of one spawn from its user options (the chosen profile); absent: no profiles. */
  resolveSettings?: (userOptions: Record<string, unknown>) => LocalServerSettings;
  /** singleuser.storage.type none: a temporary home per server, removed when it stops. */
  temporaryHomes?: boolean;
  logger: Logger;
  now?: () => Date;
}

export interface LocalLimits {
  /** A size such as '1G' or bytes; null: none. */
  memory: string | number | null;
  /** Cores; null: none. */
  cpu: number | null;
  /** Most tasks (processes + threads) in one server; null: none. */
  tasks: number | null;
}

/** What a profile may change for one local server (null/undefined: the spec's / the default). */
export interface LocalServerSettings {
  cmd: string[] | null;
  args: string[] | null;
  defaultUrl: string | null;
  /** Added over the hub's environment (profile environment). */
  env: Record<string, string>;
  memory: string | number | null;
  cpu: number | null;
  /** A Python environment (virtualenv or conda prefix): its bin/ first on PATH. */
  pythonEnv: string | null;
  /** The chosen profile's slug, for the log. */
  profile: string | null;
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
  limits: LocalLimits;
  requireLimits: boolean;
  enforceLimits: boolean;
  guaranteesConfigured: boolean;
  resolveSettings: ((userOptions: Record<string, unknown>) => LocalServerSettings) | null;
  temporaryHomes: boolean;
  /** Where temporary homes go: <dataDir>/tmp-homes (never the persistent homes). */
  tmpHomeDir: string;
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
    limits: o.limits ?? { memory: null, cpu: null, tasks: null },
    requireLimits: o.requireLimits ?? false,
    enforceLimits: o.enforceLimits ?? true,
    guaranteesConfigured: o.guaranteesConfigured ?? false,
    resolveSettings: o.resolveSettings ?? null,
    temporaryHomes: o.temporaryHomes ?? false,
    tmpHomeDir: path.join(dataDir, 'tmp-homes'),
    logger: o.logger,
    now: o.now ?? (() => new Date()),
  };
}
