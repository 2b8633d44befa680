// Entry point of the store: the Store types and openStore (hub.db.{type,url} → a SqlStore).
// The caller runs `migrate()` before first use.
import { connect, type OpenStoreOptions } from './connect.ts';
import { SqlStore } from './sql.ts';

export type { OpenStoreOptions, StoreType } from './connect.ts';
export { SqlStore } from './sql.ts';
export * from './types.ts';

export async function openStore(opts: OpenStoreOptions): Promise<SqlStore> {
  const conn = connect(opts);
  opts.logger.info({ db: conn.location }, 'store: opened');
  return new SqlStore(conn, opts.logger);
}
