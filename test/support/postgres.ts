// A private PostgreSQL server for tests: Debian's `postgresql` binaries, initdb into a temp
// directory as the `postgres` account, `postgres` as a child process on 127.0.0.1:<free port>
// (trust auth, fsync off). `newDatabase()` gives each test an empty database.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { ensureDebianPackage, freePort, runAs, ServerProcess, serviceAccount, tempDirFor } from './dbServer.ts';

export interface PostgresServer {
  /** Superuser URL of the `postgres` database. */
  adminUrl: string;
  /** Creates an empty database and returns its URL. */
  newDatabase(): Promise<string>;
  /** Stops the server this call started and removes its data directory. */
  stop(): Promise<void>;
}

const PG_LIB = '/usr/lib/postgresql';

function findBinDir(): string | null {
  if (!existsSync(PG_LIB)) return null;
  const versions = readdirSync(PG_LIB)
    .filter((v) => existsSync(join(PG_LIB, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(PG_LIB, versions[0], 'bin') : null;
}

export async function startPostgres(): Promise<PostgresServer> {
  if (!findBinDir()) await ensureDebianPackage('postgresql', join(PG_LIB, '15', 'bin', 'postgres'));
  const bin = findBinDir();
  if (!bin) throw new Error(`PostgreSQL binaries not found under ${PG_LIB}`);
  const account = serviceAccount('postgres');
  const dir = tempDirFor(account, 'nbhub-pg-');
  const data = join(dir, 'data');
  let server: ServerProcess | null = null;
  let admin: pg.Client | null = null;
  const cleanup = async () => {
    await admin?.end().catch(() => undefined);
    await server?.stop('SIGINT'); // fast shutdown
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await runAs(
      account,
      join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'],
      dir,
    );
    const port = await freePort();
    const args = ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir];
    for (const setting of ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'max_connections=300']) {
      args.push('-c', setting);
    }
    server = new ServerProcess('postgres', join(bin, 'postgres'), args, account, dir, join(dir, 'server.log'));
    const adminUrl = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    await server.waitUntil(async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      try {
        await c.connect();
        return true;
      } finally {
        await c.end().catch(() => undefined);
      }
    }, 30_000);
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    admin = client;
    let next = 0;
    return {
      adminUrl,
      async newDatabase() {
        const name = `nbhub_test_${++next}`;
        await client.query(`CREATE DATABASE ${name}`);
        return `postgresql://postgres@127.0.0.1:${port}/${name}`;
      },
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
