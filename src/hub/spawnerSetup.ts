// Picks the spawner from `spawner.kind` and resolves the single-user command.
import os from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import type { Spawner } from '../spawner/types.ts';
import { LocalProcessSpawner } from '../spawner/local.ts';
import { localSettingsResolver } from '../spawner/localProfiles.ts';
import { ignoredByLocalSpawner, VALUE_FROM_PROBLEM, valueFromEntries } from '../config/localSpawnerChecks.ts';
import { createKubernetesSpawner } from '../spawner/kubernetes/index.ts';
import { HubError } from './errors.ts';

/** Where setup put the virtualenv (mirrors scripts/cache-dir.sh). */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NBHUB_CACHE_DIR) return env.NBHUB_CACHE_DIR;
  if (process.getuid?.() === 0) return '/var/cache/nbhub';
  return path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'nbhub');
}

export function venvSingleuser(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDir(env), 'venv', 'bin', 'jupyterhub-singleuser');
}

/** singleuser.cmd (string or list), defaulting to the venv's jupyterhub-singleuser. */
export function resolveCmd(config: Config): string[] {
  const cmd = config.singleuser.cmd;
  if (Array.isArray(cmd) && cmd.length) return [...cmd];
  if (typeof cmd === 'string' && cmd.trim()) return [cmd];
  const venv = venvSingleuser();
  if (config.spawner.kind === 'local' && !existsSync(venv)) {
    throw new HubError(
      500,
      `jupyterhub-singleuser not found at ${venv}: run scripts/setup.sh (or set singleuser.cmd in the config)`,
    );
  }
  return [config.spawner.kind === 'local' ? venv : 'jupyterhub-singleuser'];
}

export function buildSpawner(config: Config, dataDir: string, logger: Logger): Spawner {
  switch (config.spawner.kind) {
    case 'local': {
      const l = config.spawner.local;
      const valueFrom = valueFromEntries(config);
      if (valueFrom.length) {
        throw new HubError(500, `singleuser.extraEnv.${valueFrom[0]} ${VALUE_FROM_PROBLEM} (spawner.kind is local)`);
      }
      const ignored = ignoredByLocalSpawner(config);
      if (ignored.length) logger.warn({ keys: ignored }, `the local spawner ignores ${ignored.join(', ')}: they only configure Kubernetes user pods`);
      return new LocalProcessSpawner({
        dataDir,
        homeDir: l.homeDir,
        isolateUsers: l.isolateUsers,
        accountPrefix: l.accountPrefix,
        shell: l.shell,
        limits: { memory: config.singleuser.memory.limit, cpu: config.singleuser.cpu.limit, tasks: l.tasksLimit },
        requireLimits: l.requireLimits,
        guaranteesConfigured: config.singleuser.memory.guarantee !== null || config.singleuser.cpu.guarantee !== null,
        resolveSettings: localSettingsResolver(config) ?? undefined,
        temporaryHomes: config.singleuser.storage.type === 'none',
        logger: logger.child({ component: 'spawner' }),
      });
    }
    case 'kubernetes':
      return createKubernetesSpawner(config, logger.child({ component: 'spawner' }));
    default:
      throw new HubError(500, `spawner.kind ${JSON.stringify(config.spawner.kind)} is not available in this version of nbhub`);
  }
}
