// `nbhub` command line: start | config check FILE | proxy [CHP options].
import { parseArgs } from 'node:util';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig, ConfigError, checkConfigCommand } from './config/index.ts';
import { NBHUB_VERSION } from './hub/version.ts';

const USAGE = `Usage:
  nbhub start [--config FILE]... [--data-dir DIR] [--ip IP] [--port PORT] [--log-level LEVEL]
  nbhub config check FILE...
  (several config files merge like helm -f a.yaml -f b.yaml: later files win)
  nbhub proxy [configurable-http-proxy options]
  nbhub --version`;

export function defaultDataDir(): string {
  if (process.getuid?.() === 0) return '/var/lib/nbhub';
  return path.join(process.env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share'), 'nbhub');
}

async function start(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'f', multiple: true },
      'data-dir': { type: 'string' },
      ip: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8000' },
      'log-level': { type: 'string', default: process.env.NBHUB_LOG_LEVEL ?? 'info' },
    },
    strict: true,
  });
  const logger = pino({ level: values['log-level'], base: { app: 'nbhub' } });
  let loaded;
  try {
    const files = values.config ?? [];
    loaded = files.length > 1 ? loadConfig({ files, env: process.env }) : loadConfig({ file: files[0] ?? null, env: process.env });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`nbhub: configuration is invalid, not starting:\n${e.toString()}\n`);
      process.exit(2);
    }
    throw e;
  }
  for (const w of loaded.warnings) logger.warn({ path: w.path, line: w.line }, w.message);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, not ${values.port}`);
  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());
  // loaded here, not at the top: `nbhub proxy` runs without the hub's code in memory
  const { startHub } = await import('./hub/app.ts');
  const hub = await startHub({ config: loaded.config, dataDir, ip: values.ip!, port, logger });
  process.stdout.write(`\nnbhub ${NBHUB_VERSION} is running. Open ${hub.url} in your browser.\n\n`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down (user servers keep running and are re-adopted at the next start)');
    await hub.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // POST /hub/api/shutdown: the hub stopped itself
  void hub.stopped.then(() => process.exit(0));
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'start':
      return start(rest);
    case 'config': {
      if (rest[0] !== 'check' || !rest[1]) {
        process.stderr.write(`${USAGE}\n`);
        process.exit(2);
      }
      const r = checkConfigCommand(rest.slice(1));
      (r.exitCode === 0 ? process.stdout : process.stderr).write(r.output.endsWith('\n') ? r.output : `${r.output}\n`);
      process.exit(r.exitCode);
      return;
    }
    case 'proxy': {
      const { runProxyCommand } = await import('./proxy/cli.ts');
      return runProxyCommand(rest, process.env);
    }
    case '--version':
    case 'version':
      process.stdout.write(`${NBHUB_VERSION}\n`);
      return;
    default:
      process.stderr.write(`${USAGE}\n`);
      process.exit(cmd ? 2 : 0);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`nbhub: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
