// The SQLite connection's prepared-statement cache (connect.ts withStatementCache): statements
// reused by SQL text, bounded, still right after a schema change, and under Kysely (queries,
// transactions, streams) against a real better-sqlite3 database.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { withStatementCache } from './connect.ts';

describe('withStatementCache', () => {
  it('prepares each SQL text once and drops the oldest beyond its size', () => {
    const raw = new BetterSqlite3(':memory:');
    let prepared = 0;
    const counting = new Proxy(raw, {
      get: (t, k) => (k === 'prepare' ? (s: string) => (prepared++, t.prepare(s)) : Reflect.get(t, k, t)),
    });
    const db = withStatementCache(counting, 2);
    const a = db.prepare('select 1 as x');
    assert.equal(db.prepare('select 1 as x'), a);
    assert.equal(prepared, 1);
    db.prepare('select 2 as x');
    db.prepare('select 3 as x'); // drops 'select 1'
    assert.notEqual(db.prepare('select 1 as x'), a);
    assert.equal(prepared, 4);
    assert.deepEqual(db.prepare('select 3 as x').all([]), [{ x: 3 }]);
    db.close();
    assert.equal(raw.open, false);
  });

  it('serves Kysely queries, transactions and streams, and sees schema changes', async () => {
    const db = new Kysely<{ t: { id: number; v: string; w?: string | null } }>({
      dialect: new SqliteDialect({ database: withStatementCache(new BetterSqlite3(':memory:'), 16) }),
    });
    try {
      await db.schema.createTable('t').addColumn('id', 'integer', (c) => c.primaryKey()).addColumn('v', 'text').execute();
      for (const [id, v] of [[1, 'a'], [2, 'b'], [3, 'c']] as const) await db.insertInto('t').values({ id, v }).execute();
      const byId = (id: number) => db.selectFrom('t').selectAll().where('id', '=', id).executeTakeFirst();
      assert.deepEqual(await byId(2), { id: 2, v: 'b' });
      await db.transaction().execute(async (tx) => {
        await tx.updateTable('t').set({ v: 'B' }).where('id', '=', 2).execute();
        assert.deepEqual(await tx.selectFrom('t').selectAll().where('id', '=', 2).executeTakeFirst(), { id: 2, v: 'B' });
      });
      const streamed: string[] = [];
      for await (const r of db.selectFrom('t').select('v').orderBy('id').stream()) streamed.push(r.v);
      assert.deepEqual(streamed, ['a', 'B', 'c']);
      // the cached "select *" statement picks up a column added after it was prepared
      await sql`alter table t add column w text`.execute(db);
      await db.updateTable('t').set({ w: 'x' }).where('id', '=', 2).execute();
      assert.deepEqual(await byId(2), { id: 2, v: 'B', w: 'x' });
      // a failed statement leaves the cached one usable
      await assert.rejects(db.insertInto('t').values({ id: 1, v: 'dup' }).execute(), /UNIQUE/);
      await db.insertInto('t').values({ id: 4, v: 'd' }).execute();
      assert.deepEqual(await byId(4), { id: 4, v: 'd', w: null });
    } finally {
      await db.destroy();
    }
  });
});
