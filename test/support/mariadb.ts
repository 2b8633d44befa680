// A private MariaDB server for tests: Debian's `mariadb-server`, `mariadb-install-db` into a
// temp directory as the `mysql` account, `mariadbd` as a child process on 127.0.0.1:<free
// port> with its socket in that directory. `newDatabase()` gives each test an empty database.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import mysql2 from 'mysql2/promise';
import { ensureDebianPackage, freePort, runAs, ServerProcess, serviceAccount, tempDirFor } from './dbServer.ts';

export interface MariaDbServer {
  /** Creates an empty database and returns its `mysql://` URL. */
  newDatabase(): Promise<string>;
  /** Stops the server this call started and removes its data directory. */
  stop(): Promise<void>;
}

const MARIADBD = '/usr/sbin/mariadbd';
const INSTALL_DB = '/usr/bin/mariadb-install-db';
// A throwaway account of a throwaway server reachable only on loopback.
const USER = 'nbhub';
const PASSWORD = 'nbhub-test';

export async function startMariaDb(): Promise<MariaDbServer> {
  await ensureDebianPackage('mariadb-server', MARIADBD);
  const account = serviceAccount('mysql');
  const dir = tempDirFor(account, 'nbhub-mariadb-');
  const data = join(dir, 'data');
  const socketPath = join(dir, 'mysqld.sock');
  let server: ServerProcess | null = null;
  let admin: mysql2.Connection | null = null;
  const cleanup = async () => {
    await admin?.end().catch(() => undefined);
    await server?.stop('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await runAs(
      account,
      INSTALL_DB,
      ['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db', '--skip-name-resolve'],
      dir,
    );
    const port = await freePort();
    server = new ServerProcess(
      'mariadbd',
      MARIADBD,
      [
        '--no-defaults',
        `--datadir=${data}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--socket=${socketPath}`,
        `--pid-file=${join(dir, 'mariadbd.pid')}`,
        '--skip-name-resolve',
        '--innodb-flush-log-at-trx-commit=0',
        '--innodb-doublewrite=0',
        '--innodb-buffer-pool-size=128M',
        '--max-connections=500',
      ],
      account,
      dir,
      join(dir, 'server.log'),
    );
    await server.waitUntil(async () => {
      const c = await mysql2.createConnection({ socketPath, user: 'root' });
      await c.end();
      return true;
    }, 30_000);
    const client = await mysql2.createConnection({ socketPath, user: 'root' });
    admin = client;
    await client.query(`CREATE USER '${USER}'@'%' IDENTIFIED BY '${PASSWORD}'`);
    await client.query(`GRANT ALL PRIVILEGES ON *.* TO '${USER}'@'%'`);
    let next = 0;
    return {
      async newDatabase() {
        const name = `nbhub_test_${++next}`;
        await client.query(`CREATE DATABASE ${name}`);
        return `mysql://${USER}:${PASSWORD}@127.0.0.1:${port}/${name}`;
      },
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
