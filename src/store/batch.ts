// Large inserts and IN-lists are split so each statement stays well under every backend's
// bind-parameter limit (SQLite 32,766; PostgreSQL and MySQL 65,535).

/** Rows per multi-row INSERT (rows have at most ~10 columns). */
export const INSERT_BATCH = 500;
/** Values per `IN (…)` list. */
export const IN_LIST_BATCH = 1000;

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
