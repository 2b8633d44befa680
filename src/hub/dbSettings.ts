// hub.db.password and hub.db.upgrade, applied before the store is used.
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { migrationStatus } from '../store/migrations/index.ts';

/** hub.db.url with hub.db.password as its password (the chart keeps the password in a Secret, not in the URL). */
export function dbUrlWithPassword(url: string | null, password: string | null): string | null {
  if (!url || !password) return url;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url; // the store reports the bad URL
  }
  if (u.password) throw new Error('hub.db.password is set and hub.db.url has a password too: keep one of them');
  u.password = encodeURIComponent(password);
  return u.href;
}

/**
 * hub.db.upgrade false: an existing database whose schema is behind this nbhub is not migrated;
 * the start fails naming the pending migrations (a new, empty database is still created).
 */
export async function checkUpgradeAllowed(db: Kysely<Database>, upgrade: boolean | null): Promise<void> {
  if (upgrade !== false) return;
  const { applied, pending } = await migrationStatus(db);
  if (applied.length === 0 || pending.length === 0) return;
  throw new Error(
    `the database schema is at ${applied[applied.length - 1]} and needs migration ${pending.join(', ')}, but hub.db.upgrade is false: back up the database, then start once with hub.db.upgrade true (or null)`,
  );
}
