// Hub-wide key/value settings (generated secrets, bootstrap markers), shared by replicas.
import type { SqlContext } from './context.ts';

export async function getSetting(ctx: SqlContext, key: string): Promise<string | null> {
  const row = await ctx.db.selectFrom('settings').select('value').where('name', '=', key).executeTakeFirst();
  return row ? row.value : null;
}

/** First writer wins: replicas racing to generate a secret all end up with the same one. */
export async function setSettingIfAbsent(ctx: SqlContext, key: string, value: string): Promise<string> {
  await ctx.dialect.ignoreDuplicate(ctx.db.insertInto('settings').values({ name: key, value }), ['name']).execute();
  const stored = await getSetting(ctx, key);
  // Deleted between the two statements: the caller's value is as good as any.
  return stored ?? value;
}

export async function setSetting(ctx: SqlContext, key: string, value: string): Promise<void> {
  await ctx.dialect.upsert(ctx.db.insertInto('settings').values({ name: key, value }), ['name'], { value }).execute();
}

export async function deleteSetting(ctx: SqlContext, key: string): Promise<void> {
  await ctx.db.deleteFrom('settings').where('name', '=', key).execute();
}
