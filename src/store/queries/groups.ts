// Hub groups and their members: listing, creation (all or none), membership changes, and the
// manage_groups sync that leaves a user in exactly the groups their identity provider names.
// Memberships go with a deleted user or group by foreign key (ON DELETE CASCADE), and follow a
// renamed user because they link ids, not names.
import { chunks, INSERT_BATCH, IN_LIST_BATCH } from '../batch.ts';
import { fromJson, toJson } from '../codec.ts';
import {
  StoreConflictError,
  StoreInputError,
  StoreNotFoundError,
  type GroupQuery,
  type GroupRecord,
  type NewGroup,
  type Page,
} from '../types.ts';
import { inTransaction, requireUserId, writing, type SqlContext } from './context.ts';

interface GroupRow {
  id: number;
  name: string;
  properties: string;
}

function checkProperties(props: unknown, what: string): Record<string, unknown> {
  if (props === null || typeof props !== 'object' || Array.isArray(props)) {
    throw new StoreInputError(`store: ${what}: properties must be a JSON object`);
  }
  return props as Record<string, unknown>;
}

async function groupRowsNamed(ctx: SqlContext, names: readonly string[]): Promise<Map<string, GroupRow>> {
  const found = new Map<string, GroupRow>();
  for (const part of chunks(names, IN_LIST_BATCH)) {
    const rows = await ctx.db.selectFrom('groups').select(['id', 'name', 'properties']).where('name', 'in', part).execute();
    for (const r of rows) found.set(r.name, { id: Number(r.id), name: r.name, properties: r.properties });
  }
  return found;
}

async function userIdsNamed(ctx: SqlContext, names: readonly string[], what: string): Promise<number[]> {
  const ids = new Map<string, number>();
  for (const part of chunks(names, IN_LIST_BATCH)) {
    const rows = await ctx.db.selectFrom('users').select(['id', 'name']).where('name', 'in', part).execute();
    for (const r of rows) ids.set(r.name, Number(r.id));
  }
  const unknown = names.find((n) => !ids.has(n));
  if (unknown !== undefined) throw new StoreNotFoundError(`store: ${what}: no user named ${JSON.stringify(unknown)}`);
  return names.map((n) => ids.get(n) as number);
}

/** Member names of each group id, ordered by name (byte-wise on every backend). */
async function membersOf(ctx: SqlContext, groupIds: readonly number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>(groupIds.map((id) => [id, []]));
  for (const part of chunks(groupIds, IN_LIST_BATCH)) {
    const rows = await ctx.db
      .selectFrom('user_groups')
      .innerJoin('users', 'users.id', 'user_groups.user_id')
      .select(['user_groups.group_id', 'users.name'])
      .where('user_groups.group_id', 'in', part)
      .orderBy('users.name')
      .execute();
    for (const r of rows) out.get(Number(r.group_id))?.push(r.name);
  }
  return out;
}

async function toRecords(ctx: SqlContext, rows: GroupRow[]): Promise<GroupRecord[]> {
  const members = await membersOf(ctx, rows.map((r) => r.id));
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    properties: fromJson<Record<string, unknown>>(r.properties, 'groups.properties'),
    members: members.get(r.id) ?? [],
  }));
}

async function requireGroup(ctx: SqlContext, name: string, what: string): Promise<GroupRow> {
  const row = (await groupRowsNamed(ctx, [name])).get(name);
  if (!row) throw new StoreNotFoundError(`store: ${what}: no group named ${JSON.stringify(name)}`);
  return row;
}

async function recordOf(ctx: SqlContext, row: GroupRow): Promise<GroupRecord> {
  const fresh = await ctx.db.selectFrom('groups').select(['id', 'name', 'properties']).where('id', '=', row.id).executeTakeFirstOrThrow();
  const [rec] = await toRecords(ctx, [{ id: Number(fresh.id), name: fresh.name, properties: fresh.properties }]);
  return rec;
}

export async function listGroups(ctx: SqlContext, q: GroupQuery): Promise<Page<GroupRecord>> {
  for (const [k, v] of [['offset', q.offset], ['limit', q.limit]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new StoreInputError(`store: listGroups: ${k} must be a non-negative integer, got ${v}`);
  }
  if (q.names && q.names.length === 0) return { items: [], total: 0 };
  let count = ctx.db.selectFrom('groups').select((eb) => eb.fn.countAll<number | string>().as('total'));
  let page = ctx.db.selectFrom('groups').select(['id', 'name', 'properties']);
  if (q.names) {
    count = count.where('name', 'in', q.names);
    page = page.where('name', 'in', q.names);
  }
  const total = Number((await count.executeTakeFirstOrThrow()).total);
  if (q.limit === 0 || q.offset >= total) return { items: [], total };
  const rows = await page.orderBy('id').limit(q.limit).offset(q.offset).execute();
  return { items: await toRecords(ctx, rows.map((r) => ({ id: Number(r.id), name: r.name, properties: r.properties }))), total };
}

export async function getGroup(ctx: SqlContext, name: string): Promise<GroupRecord | null> {
  const row = (await groupRowsNamed(ctx, [name])).get(name);
  return row ? (await toRecords(ctx, [row]))[0] : null;
}

export async function createGroups(ctx: SqlContext, groups: NewGroup[]): Promise<GroupRecord[]> {
  const seen = new Set<string>();
  for (const g of groups) {
    if (seen.has(g.name)) throw new StoreConflictError(`store: createGroups: group ${JSON.stringify(g.name)} is listed twice`);
    seen.add(g.name);
    checkProperties(g.properties ?? {}, `createGroups ${JSON.stringify(g.name)}`);
  }
  if (groups.length === 0) return [];
  const names = groups.map((g) => g.name);
  return inTransaction(ctx, async (tx) => {
    const existing = await groupRowsNamed(tx, names);
    const clash = names.find((n) => existing.has(n));
    if (clash !== undefined) throw new StoreConflictError(`store: createGroups: group ${JSON.stringify(clash)} already exists`);
    const memberIds = new Map<string, number[]>();
    for (const g of groups) {
      const members = [...new Set(g.members ?? [])];
      memberIds.set(g.name, await userIdsNamed(tx, members, `createGroups ${JSON.stringify(g.name)}`));
    }
    await writing(tx, `createGroups (${groups.length} groups)`, async () => {
      for (const part of chunks(groups, INSERT_BATCH)) {
        await tx.db
          .insertInto('groups')
          .values(part.map((g) => ({ name: g.name, properties: toJson(g.properties ?? {}) })))
          .execute();
      }
    });
    const made = await groupRowsNamed(tx, names);
    const links = groups.flatMap((g) => (memberIds.get(g.name) ?? []).map((user_id) => ({ user_id, group_id: made.get(g.name)!.id })));
    await writing(tx, 'createGroups members', async () => {
      for (const part of chunks(links, INSERT_BATCH)) await tx.db.insertInto('user_groups').values(part).execute();
    });
    return toRecords(tx, names.map((n) => made.get(n)!));
  });
}

export async function deleteGroup(ctx: SqlContext, name: string): Promise<boolean> {
  const r = await ctx.db.deleteFrom('groups').where('name', '=', name).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function addGroupMembers(ctx: SqlContext, group: string, users: string[]): Promise<GroupRecord> {
  return inTransaction(ctx, async (tx) => {
    const g = await requireGroup(tx, group, 'addGroupMembers');
    const ids = await userIdsNamed(tx, [...new Set(users)], `addGroupMembers ${JSON.stringify(group)}`);
    await writing(tx, `addGroupMembers ${JSON.stringify(group)}`, async () => {
      for (const part of chunks(ids, INSERT_BATCH)) {
        const rows = part.map((user_id) => ({ user_id, group_id: g.id }));
        await tx.dialect.ignoreDuplicate(tx.db.insertInto('user_groups').values(rows), ['user_id', 'group_id']).execute();
      }
    });
    return recordOf(tx, g);
  });
}

export async function removeGroupMembers(ctx: SqlContext, group: string, users: string[]): Promise<GroupRecord> {
  return inTransaction(ctx, async (tx) => {
    const g = await requireGroup(tx, group, 'removeGroupMembers');
    const ids = await userIdsNamed(tx, [...new Set(users)], `removeGroupMembers ${JSON.stringify(group)}`);
    for (const part of chunks(ids, IN_LIST_BATCH)) {
      await tx.db.deleteFrom('user_groups').where('group_id', '=', g.id).where('user_id', 'in', part).execute();
    }
    return recordOf(tx, g);
  });
}

export async function setGroupProperties(ctx: SqlContext, group: string, properties: Record<string, unknown>): Promise<GroupRecord> {
  checkProperties(properties, `setGroupProperties ${JSON.stringify(group)}`);
  return inTransaction(ctx, async (tx) => {
    const g = await requireGroup(tx, group, 'setGroupProperties');
    await tx.db.updateTable('groups').set({ properties: toJson(properties) }).where('id', '=', g.id).execute();
    return recordOf(tx, g);
  });
}

export async function groupsOfUsers(ctx: SqlContext, userNames: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(userNames.map((n) => [n, []]));
  for (const part of chunks([...new Set(userNames)], IN_LIST_BATCH)) {
    const rows = await ctx.db
      .selectFrom('user_groups')
      .innerJoin('users', 'users.id', 'user_groups.user_id')
      .innerJoin('groups', 'groups.id', 'user_groups.group_id')
      .select(['users.name as user_name', 'groups.name as group_name'])
      .where('users.name', 'in', part)
      .orderBy('groups.name')
      .execute();
    for (const r of rows) out.get(r.user_name)?.push(r.group_name);
  }
  return out;
}

export async function groupsOfUser(ctx: SqlContext, userName: string): Promise<string[]> {
  return (await groupsOfUsers(ctx, [userName])).get(userName) ?? [];
}

const SYNC_ATTEMPTS = 4;

/**
 * Missing groups are created first, each by its own insert-or-ignore outside the membership
 * transaction: two logins creating the same group inside their transactions deadlock on MariaDB.
 * The membership change itself is one transaction, retried when the database reports a deadlock
 * or a group vanished in between.
 */
export async function setUserGroups(
  ctx: SqlContext,
  userName: string,
  groups: string[],
  opts: { createMissing: boolean },
): Promise<string[]> {
  const wanted = [...new Set(groups)];
  for (let attempt = 1; ; attempt++) {
    if (opts.createMissing) {
      const existing = await groupRowsNamed(ctx, wanted);
      for (const name of wanted.filter((n) => !existing.has(n))) {
        await ctx.dialect.ignoreDuplicate(ctx.db.insertInto('groups').values({ name, properties: toJson({}) }), ['name']).execute();
      }
    }
    try {
      return await syncMemberships(ctx, userName, wanted);
    } catch (err) {
      const vanished = err instanceof StoreNotFoundError && opts.createMissing && /no group named/.test(err.message);
      if (attempt < SYNC_ATTEMPTS && (vanished || ctx.dialect.isDeadlock(err))) continue;
      throw err;
    }
  }
}

async function syncMemberships(ctx: SqlContext, userName: string, wanted: string[]): Promise<string[]> {
  return inTransaction(ctx, async (tx) => {
    const userId = await requireUserId(tx, userName, 'setUserGroups');
    const rows = await groupRowsNamed(tx, wanted);
    const missing = wanted.filter((n) => !rows.has(n));
    if (missing.length) {
      throw new StoreNotFoundError(`store: setUserGroups: no group named ${missing.map((n) => JSON.stringify(n)).join(', ')}`);
    }
    const wantedIds = new Set(wanted.map((n) => rows.get(n)!.id));
    const current = await tx.db.selectFrom('user_groups').select('group_id').where('user_id', '=', userId).execute();
    const currentIds = new Set(current.map((r) => Number(r.group_id)));
    const drop = [...currentIds].filter((id) => !wantedIds.has(id));
    const add = [...wantedIds].filter((id) => !currentIds.has(id));
    for (const part of chunks(drop, IN_LIST_BATCH)) {
      await tx.db.deleteFrom('user_groups').where('user_id', '=', userId).where('group_id', 'in', part).execute();
    }
    await writing(tx, `setUserGroups ${JSON.stringify(userName)}`, async () => {
      for (const part of chunks(add, INSERT_BATCH)) {
        const values = part.map((group_id) => ({ user_id: userId, group_id }));
        await tx.dialect.ignoreDuplicate(tx.db.insertInto('user_groups').values(values), ['user_id', 'group_id']).execute();
      }
    });
    return groupsOfUser(tx, userName);
  });
}
