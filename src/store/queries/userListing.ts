// GET /users: filter, sort and paginate in SQL (one COUNT and one page query), so a listing
// over tens of thousands of users reads one page of rows.
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database } from '../schema.ts';
import { StoreInputError, type Page, type UserQuery, type UserRecord, type UserSort } from '../types.ts';
import type { SqlContext } from './context.ts';
import { toUserRecord, USER_COLUMNS } from './users.ts';

type UsersEb = ExpressionBuilder<Database, 'users'>;

const LIKE_ESCAPE = '!';

/** `%text%` for LIKE … ESCAPE '!', lower-cased to match `lower(name)`. */
function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[!%_]/g, (c) => LIKE_ESCAPE + c)}%`;
}

function whereMatches(q: UserQuery) {
  return (eb: UsersEb): Expression<SqlBool> => {
    const conds: Expression<SqlBool>[] = [];
    if (q.names) conds.push(eb('users.name', 'in', q.names));
    if (q.nameFilter) {
      conds.push(sql<SqlBool>`lower(${eb.ref('users.name')}) like ${containsPattern(q.nameFilter)} escape '!'`);
    }
    if (q.state) {
      const busy = eb.selectFrom('servers').select('servers.user_id');
      if (q.state === 'ready') conds.push(eb('users.id', 'in', busy.where('servers.phase', '=', 'running')));
      if (q.state === 'active') conds.push(eb('users.id', 'in', busy.where('servers.phase', '!=', 'stopped')));
      if (q.state === 'inactive') conds.push(eb('users.id', 'not in', busy.where('servers.phase', '!=', 'stopped')));
    }
    return eb.and(conds);
  };
}

const SORTS: readonly UserSort[] = ['id', 'name', 'last_activity', '-id', '-name', '-last_activity'];

function checkQuery(q: UserQuery): void {
  if (!Number.isSafeInteger(q.offset) || q.offset < 0) {
    throw new StoreInputError(`store: listUsers: offset must be a non-negative integer, got ${q.offset}`);
  }
  if (!Number.isSafeInteger(q.limit) || q.limit < 0) {
    throw new StoreInputError(`store: listUsers: limit must be a non-negative integer, got ${q.limit}`);
  }
  if (q.sort !== undefined && !SORTS.includes(q.sort)) {
    throw new StoreInputError(`store: listUsers: unknown sort ${JSON.stringify(q.sort)}`);
  }
  if (q.state !== undefined && !['active', 'ready', 'inactive'].includes(q.state)) {
    throw new StoreInputError(`store: listUsers: unknown state ${JSON.stringify(q.state)}`);
  }
}

export async function listUsers(ctx: SqlContext, q: UserQuery): Promise<Page<UserRecord>> {
  checkQuery(q);
  if (q.names && q.names.length === 0) return { items: [], total: 0 };
  const where = whereMatches(q);
  const counted = await ctx.db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number | string>().as('total'))
    .where(where)
    .executeTakeFirstOrThrow();
  const total = Number(counted.total);
  if (q.limit === 0 || q.offset >= total) return { items: [], total };

  const sort = q.sort ?? 'id';
  const dir = sort.startsWith('-') ? 'desc' : 'asc';
  const key = sort.replace(/^-/, '');
  let page = ctx.db.selectFrom('users').select(USER_COLUMNS).where(where);
  if (key === 'name') {
    page = page.orderBy('users.name', dir);
  } else if (key === 'last_activity') {
    // Never-active users count as oldest: first ascending, last descending, on every backend
    // (PostgreSQL alone sorts NULL as largest; MySQL has no NULLS FIRST).
    page = page
      .orderBy(sql`case when users.last_activity is null then 0 else 1 end`, dir)
      .orderBy('users.last_activity', dir)
      .orderBy('users.id', dir);
  } else {
    page = page.orderBy('users.id', dir);
  }
  const rows = await page.limit(q.limit).offset(q.offset).execute();
  return { items: rows.map(toUserRecord), total };
}
