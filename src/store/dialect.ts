// The only place that knows how SQLite, PostgreSQL and MySQL/MariaDB differ: column types for
// ids and long text, table options, "insert or ignore" / upsert syntax, and error codes.
import {
  sql,
  type AnyColumn,
  type ColumnDefinitionBuilder,
  type CreateTableBuilder,
  type InsertQueryBuilder,
  type UpdateObject,
} from 'kysely';

/** A column type as `addColumn` takes it: a name like 'integer' or a raw `sql` fragment. */
export type DataTypeExpression = Parameters<CreateTableBuilder<string, never>['addColumn']>[1];

export type SqlDialectKind = 'sqlite' | 'postgres' | 'mysql';

export interface DialectAdapter {
  readonly kind: SqlDialectKind;
  /** Type of auto-increment integer primary keys. */
  readonly idType: DataTypeExpression;
  /** Type for JSON and other unbounded text (MySQL TEXT stops at 64 KiB). */
  readonly longText: DataTypeExpression;
  /** Makes `col` the auto-increment primary key. */
  idColumn(col: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** Byte-wise comparison for a name column, so sorting and uniqueness agree on every backend. */
  binaryCollation(col: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** Appends table options (MySQL: InnoDB, utf8mb4, binary collation). */
  finishTable<TB extends string, C extends string>(t: CreateTableBuilder<TB, C>): CreateTableBuilder<TB, C>;
  /** Turns an insert into one that does nothing when `keyColumns` already exist. */
  ignoreDuplicate<DB, TB extends keyof DB, O>(
    qb: InsertQueryBuilder<DB, TB, O>,
    keyColumns: readonly string[],
  ): InsertQueryBuilder<DB, TB, O>;
  /** Turns an insert into one that applies `update` when `keyColumns` already exist. */
  upsert<DB, TB extends keyof DB, O>(
    qb: InsertQueryBuilder<DB, TB, O>,
    keyColumns: readonly string[],
    update: UpdateObject<DB, TB, TB>,
  ): InsertQueryBuilder<DB, TB, O>;
  isUniqueViolation(err: unknown): boolean;
  isForeignKeyViolation(err: unknown): boolean;
  /** SQLite lock contention between processes (worth a retry). */
  isBusy(err: unknown): boolean;
  /** The database aborted the transaction to break a deadlock (worth a retry). */
  isDeadlock(err: unknown): boolean;
}

interface DriverError {
  code?: unknown;
  errno?: unknown;
}

function codeOf(err: unknown): string {
  const c = (err as DriverError | null)?.code;
  return typeof c === 'string' ? c : '';
}

function errnoOf(err: unknown): number {
  const n = (err as DriverError | null)?.errno;
  return typeof n === 'number' ? n : -1;
}

function onConflictColumns<DB, TB extends keyof DB>(keyColumns: readonly string[]): ReadonlyArray<AnyColumn<DB, TB>> {
  return keyColumns as ReadonlyArray<AnyColumn<DB, TB>>;
}

const sqlite: DialectAdapter = {
  kind: 'sqlite',
  idType: 'integer',
  longText: 'text',
  idColumn: (col) => col.primaryKey().autoIncrement(),
  binaryCollation: (col) => col, // SQLite's default collation is BINARY
  finishTable: (t) => t,
  ignoreDuplicate: (qb, keys) => qb.onConflict((oc) => oc.columns(onConflictColumns(keys)).doNothing()),
  upsert: (qb, keys, update) => qb.onConflict((oc) => oc.columns(onConflictColumns(keys)).doUpdateSet(update as never)),
  isUniqueViolation: (err) => ['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY'].includes(codeOf(err)),
  isForeignKeyViolation: (err) => codeOf(err) === 'SQLITE_CONSTRAINT_FOREIGNKEY',
  isBusy: (err) => codeOf(err).startsWith('SQLITE_BUSY') || codeOf(err).startsWith('SQLITE_LOCKED'),
  isDeadlock: (err) => sqlite.isBusy(err),
};

const postgres: DialectAdapter = {
  kind: 'postgres',
  idType: 'serial',
  longText: 'text',
  idColumn: (col) => col.primaryKey(),
  binaryCollation: (col) => col.modifyFront(sql`collate "C"`),
  finishTable: (t) => t,
  ignoreDuplicate: sqlite.ignoreDuplicate,
  upsert: sqlite.upsert,
  isUniqueViolation: (err) => codeOf(err) === '23505',
  isForeignKeyViolation: (err) => codeOf(err) === '23503',
  isBusy: () => false,
  isDeadlock: (err) => codeOf(err) === '40P01' || codeOf(err) === '40001',
};

const mysql: DialectAdapter = {
  kind: 'mysql',
  idType: 'integer',
  longText: sql`mediumtext`,
  idColumn: (col) => col.primaryKey().autoIncrement(),
  binaryCollation: (col) => col, // the whole table uses utf8mb4_bin
  finishTable: (t) => t.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`),
  // ON DUPLICATE KEY UPDATE k = k instead of INSERT IGNORE, which would also swallow other errors.
  ignoreDuplicate: (qb, keys) =>
    qb.onDuplicateKeyUpdate({ [keys[0]]: sql.ref(keys[0]) } as UpdateObject<never, never, never>),
  upsert: (qb, _keys, update) => qb.onDuplicateKeyUpdate(update),
  isUniqueViolation: (err) => errnoOf(err) === 1062 || codeOf(err) === 'ER_DUP_ENTRY',
  isForeignKeyViolation: (err) => [1451, 1452].includes(errnoOf(err)),
  isBusy: () => false,
  isDeadlock: (err) => errnoOf(err) === 1213 || codeOf(err) === 'ER_LOCK_DEADLOCK',
};

export function dialectAdapter(kind: SqlDialectKind): DialectAdapter {
  return { sqlite, postgres, mysql }[kind];
}
