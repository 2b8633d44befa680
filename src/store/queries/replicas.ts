// Hub replicas sharing one database: a registry row per replica with its heartbeat, and named
// leases so singleton work (culler, route reconcile, expiry sweep) runs on one replica.
import { fromJson, fromMillis, toJson, toMillis } from '../codec.ts';
import type { ReplicaRecord } from '../types.ts';
import type { SqlContext } from './context.ts';

export async function heartbeatReplica(ctx: SqlContext, id: string, now: Date, info: Record<string, unknown>): Promise<void> {
  const ms = toMillis(now, 'heartbeatReplica now');
  await ctx.dialect
    .upsert(ctx.db.insertInto('hub_replicas').values({ id, started: ms, heartbeat: ms, info: toJson(info) }), ['id'], {
      heartbeat: ms,
      info: toJson(info),
    })
    .execute();
}

export async function listReplicas(ctx: SqlContext): Promise<ReplicaRecord[]> {
  const rows = await ctx.db.selectFrom('hub_replicas').selectAll().orderBy('id').execute();
  return rows.map((r) => ({
    id: r.id,
    started: fromMillis(r.started),
    heartbeat: fromMillis(r.heartbeat),
    info: fromJson<Record<string, unknown>>(r.info, 'hub_replicas.info'),
  }));
}

export async function deleteReplica(ctx: SqlContext, id: string): Promise<void> {
  await ctx.db.deleteFrom('hub_replicas').where('id', '=', id).execute();
}

export async function acquireLease(ctx: SqlContext, name: string, owner: string, expires: Date, now: Date): Promise<boolean> {
  const exp = toMillis(expires, 'acquireLease expires');
  const nowMs = toMillis(now, 'acquireLease now');
  await ctx.dialect.ignoreDuplicate(ctx.db.insertInto('hub_leases').values({ name, owner, expires: exp }), ['name']).execute();
  // One statement: of replicas racing for an expired lease, the row lock lets exactly one match.
  await ctx.db
    .updateTable('hub_leases')
    .set({ owner, expires: exp })
    .where('name', '=', name)
    .where((eb) => eb.or([eb('owner', '=', owner), eb('expires', '<=', nowMs)]))
    .execute();
  const row = await ctx.db.selectFrom('hub_leases').select('owner').where('name', '=', name).executeTakeFirst();
  return row?.owner === owner;
}

export async function releaseLease(ctx: SqlContext, name: string, owner: string): Promise<void> {
  await ctx.db.deleteFrom('hub_leases').where('name', '=', name).where('owner', '=', owner).execute();
}
