// Standalone entry point: `node --import tsx src/proxy/cli-main.ts [options]` (the nbhub CLI calls
// runProxyCommand directly).

import { runProxyCommand } from './cli.ts';

runProxyCommand(process.argv.slice(2), process.env).then(
  () => process.exit(0),
  (err: unknown) => {
    const e = err as { code?: string; message?: string };
    process.stderr.write(`${e.code ? `[${e.code}] ` : ''}${e.message ?? String(err)}\n`);
    process.exit(e.code === 'PROXY_CLI_BAD_OPTION' ? 2 : 1);
  },
);
