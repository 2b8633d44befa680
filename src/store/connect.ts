// Builds a Kysely instance for one of the supported databases (hub.db.type / hub.db.url).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import mysql2 from 'mysql2';
import pg from 'pg';
import type { Logger } from 'pino';
import { dialectAdapter, type DialectAdapter } from './dialect.ts';
import type { Database } from './schema.ts';
import { StoreInputError } from './types.ts';

export type StoreType = 'sqlite-pvc' | 'sqlite-memory' | 'postgres' | 'mysql';

export interface OpenStoreOptions {
  /** hub.db.type */
  type: StoreType;
  /** hub.db.url: `postgresql://…` or `mysql://…`; ignored for SQLite. */
  url?: string | null;
  /** sqlite-pvc keeps `<dataDir>/nbhub.sqlite`. */
  dataDir: string;
  logger: Logger;
  /** Connections per hub process for PostgreSQL/MySQL (default 10). */
  poolSize?: number;
}

export interface Connection {
  db: Kysely<Database>;
  dialect: DialectAdapter;
  /** Where the data lives, safe to log (no credentials, no query string). */
  location: string;
  /**
   * PostgreSQL only: a dedicated connection LISTENing on `channel`; `onNotify` runs for each
   * NOTIFY. Resolves to a function that closes it.
   */
  listen?: (channel: string, onNotify: () => void) => Promise<() => Promise<void>>;
}

export const SQLITE_FILE_NAME = 'nbhub.sqlite';
const SQLITE_BUSY_TIMEOUT_MS = 10_000;
/** Prepared statements kept per SQLite connection (distinct SQL texts; IN lists vary in length). */
const SQLITE_STATEMENT_CACHE = 256;

export function connect(opts: OpenStoreOptions): Connection {
  switch (opts.type) {
    case 'sqlite-memory':
      return sqliteConnection(':memory:');
    case 'sqlite-pvc':
      mkdirSync(opts.dataDir, { recursive: true });
      return sqliteConnection(join(opts.dataDir, SQLITE_FILE_NAME));
    case 'postgres':
      return postgresConnection(requireUrl(opts, ['postgres:', 'postgresql:']), opts);
    case 'mysql':
      return mysqlConnection(requireUrl(opts, ['mysql:', 'mariadb:']), opts);
    default:
      throw new StoreInputError(`hub.db.type: unknown database type ${JSON.stringify(opts.type)}`);
  }
}

function sqliteConnection(file: string): Connection {
  const database = new BetterSqlite3(file);
  if (file !== ':memory:') database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  database.pragma('foreign_keys = ON');
  return {
    db: new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database, SQLITE_STATEMENT_CACHE) }) }),
    dialect: dialectAdapter('sqlite'),
    location: file === ':memory:' ? 'sqlite::memory:' : `sqlite:${file}`,
  };
}

/**
 * Kysely's SQLite driver prepares every statement anew (parse + plan in SQLite, a native object
 * in better-sqlite3): about a tenth of the hub's CPU per login. Statements are kept by their SQL
 * text, oldest dropped first. Reuse is safe: the driver runs one query at a time per connection
 * (a stream holds the connection until it ends), and SQLite re-prepares a kept statement by
 * itself after a schema change (migrations).
 */
export function withStatementCache(database: BetterSqlite3.Database, size: number): SqliteDatabase {
  const kept = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(sql: string): SqliteStatement {
      let stmt = kept.get(sql);
      if (stmt === undefined) {
        stmt = database.prepare(sql);
        if (kept.size >= size) kept.delete(kept.keys().next().value as string);
        kept.set(sql, stmt);
      }
      return stmt;
    },
  };
}

function postgresConnection(url: URL, opts: OpenStoreOptions): Connection {
  const pool = new pg.Pool({ connectionString: url.href, max: opts.poolSize ?? 10 });
  // An idle client losing its server must not crash the hub; the next query reconnects.
  pool.on('error', (err) => opts.logger.warn({ err: err.message }, 'postgres: idle connection error'));
  return {
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
    dialect: dialectAdapter('postgres'),
    location: safeLocation(url),
    listen: async (channel, onNotify) => {
      const client = new pg.Client({ connectionString: url.href });
      client.on('error', (err) => opts.logger.warn({ err: err.message, channel }, 'postgres: listening connection error'));
      client.on('notification', () => onNotify());
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      return () => client.end().catch(() => undefined);
    },
  };
}

function mysqlConnection(url: URL, opts: OpenStoreOptions): Connection {
  const pool = mysql2.createPool({
    uri: url.href,
    connectionLimit: opts.poolSize ?? 10,
    charset: 'utf8mb4',
  });
  return {
    db: new Kysely<Database>({ dialect: new MysqlDialect({ pool }) }),
    dialect: dialectAdapter('mysql'),
    location: safeLocation(url),
  };
}

function requireUrl(opts: OpenStoreOptions, protocols: string[]): URL {
  if (!opts.url) throw new StoreInputError(`hub.db.url is required when hub.db.type is ${opts.type}`);
  let url: URL;
  try {
    url = new URL(opts.url);
  } catch {
    throw new StoreInputError(`hub.db.url is not a valid URL (hub.db.type ${opts.type})`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new StoreInputError(
      `hub.db.url must start with ${protocols.map((p) => `${p}//`).join(' or ')} when hub.db.type is ${opts.type}, got ${url.protocol}//`,
    );
  }
  return url;
}

function safeLocation(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}
