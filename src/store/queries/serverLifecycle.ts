// The server lifecycle applied in the database: each event of src/domain/serverState.ts is a
// compare-and-set on the row's current phase and version, so replicas sharing the database
// never both win a transition; claims say which replica runs a server's spawn or stop.
import { sql, type Kysely } from 'kysely';
import { persistedPhase, transition, type ServerState } from '../../domain/serverState.ts';
import type { Database } from '../schema.ts';
import { fromJson, fromMillis, toJson, toMillis } from '../codec.ts';
import {
  StoreInputError,
  StoreNotFoundError,
  type ServerClaim,
  type ServerProgressRecord,
  type ServerRecord,
  type ServerTransition,
  type ServerTransitionResult,
} from '../types.ts';
import type { SqlContext } from './context.ts';
import { encodeFailure, patchColumns, selectServers, serverById, toServerRecord } from './servers.ts';

/** The PostgreSQL channel replicas LISTEN on for server changes (Store.watchServers). */
export const SERVERS_CHANNEL = 'nbhub_servers';

/** Wakes the replicas listening (PostgreSQL; delivered when the transaction commits). Others poll. */
export async function notifyServers(db: Kysely<Database>, kind: SqlContext['dialect']['kind']): Promise<void> {
  if (kind === 'postgres') await sql`select pg_notify(${SERVERS_CHANNEL}, '')`.execute(db);
}

/** Writers racing on one row: each lost race re-reads; more than this many in a row is a bug. */
const CAS_ATTEMPTS = 20;

async function requireServer(ctx: SqlContext, id: number, what: string): Promise<ServerRecord> {
  const server = await serverById(ctx, id);
  if (!server) throw new StoreNotFoundError(`store: ${what}: no server with id ${id}`);
  return server;
}

function claimHeldByOther(server: ServerRecord, owner: string, now: Date): string | null {
  const c = server.claim;
  if (!c || c.owner === owner || c.expires.getTime() <= now.getTime()) return null;
  return c.owner;
}

/** The state columns of `state` (target and failure only where the state carries them). */
function stateColumns(state: ServerState) {
  const since = toMillis(state.since, 'transitionServer now');
  const base = { lifecycle: state.phase, lifecycle_since: since, phase: persistedPhase(state), queue_position: null as number | null };
  switch (state.phase) {
    case 'spawn-queued':
      return { ...base, queue_position: state.position };
    case 'waiting-ready':
    case 'running':
      return { ...base, target: state.target };
    case 'stopped':
      return { ...base, target: null };
    case 'failed':
      return {
        ...base,
        target: null,
        last_failure: encodeFailure({ message: state.reason, exitCode: state.exitCode, logTail: [...state.logTail], at: state.since }),
      };
    default:
      return base;
  }
}

function claimColumns(claim: ServerClaim | null | undefined) {
  if (claim === undefined) return {};
  if (claim === null) return { claim_owner: null, claim_expires: null };
  return { claim_owner: claim.owner, claim_expires: toMillis(claim.expires, 'transitionServer claim.expires') };
}

export async function transitionServer(ctx: SqlContext, id: number, t: ServerTransition): Promise<ServerTransitionResult> {
  if ((t.patch as { phase?: unknown } | undefined)?.phase !== undefined) {
    throw new StoreInputError(`store: transitionServer ${id}: patch.phase is derived from the event, do not give it`);
  }
  const extra = patchColumns({ ...t.patch, claim: undefined }, `transitionServer ${id}`);
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const server = await requireServer(ctx, id, 'transitionServer');
    // the state machine first: its codes (already running, pending, stopping) say more
    const r = transition(server.lifecycle, t.event, t.now);
    if (!r.ok) return { ok: false, server, error: r.error };
    const other = t.asOwner === undefined ? null : claimHeldByOther(server, t.asOwner, t.now);
    if (other !== null) {
      return { ok: false, server, error: { code: 'claimed', owner: other, message: `the server's ${t.event.type} is handled by replica ${other}` } };
    }
    const won = await ctx.db.transaction().execute(async (db) => {
      const res = await db
        .updateTable('servers')
        .set({ ...extra, ...stateColumns(r.state), ...claimColumns(t.claim), lifecycle_version: server.lifecycleVersion + 1 })
        .where('id', '=', id)
        .where('lifecycle', '=', server.lifecycle.phase)
        .where('lifecycle_version', '=', server.lifecycleVersion)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      if (t.event.type === 'request-spawn') await db.deleteFrom('server_progress').where('server_id', '=', id).execute();
      await notifyServers(db, ctx.dialect.kind);
      return true;
    });
    if (won) return { ok: true, server: await requireServer(ctx, id, 'transitionServer'), from: server.lifecycle };
  }
  throw new Error(`store: transitionServer ${id}: lost ${CAS_ATTEMPTS} races in a row`);
}

export async function claimServer(ctx: SqlContext, id: number, owner: string, expires: Date, now: Date): Promise<ServerRecord | null> {
  const nowMs = toMillis(now, 'claimServer now');
  await ctx.db
    .updateTable('servers')
    .set({ claim_owner: owner, claim_expires: toMillis(expires, 'claimServer expires') })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('claim_owner', 'is', null), eb('claim_owner', '=', owner), eb('claim_expires', '<=', nowMs)]))
    .execute();
  const server = await requireServer(ctx, id, 'claimServer');
  return server.claim?.owner === owner ? server : null;
}

export async function renewClaims(ctx: SqlContext, owner: string, expires: Date): Promise<number> {
  const res = await ctx.db
    .updateTable('servers')
    .set({ claim_expires: toMillis(expires, 'renewClaims expires') })
    .where('claim_owner', '=', owner)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

export async function listExpiredClaims(ctx: SqlContext, now: Date): Promise<ServerRecord[]> {
  const rows = await selectServers(ctx)
    .where('servers.claim_owner', 'is not', null)
    .where('servers.claim_expires', '<=', toMillis(now, 'listExpiredClaims now'))
    .orderBy('servers.id')
    .execute();
  return rows.map(toServerRecord);
}

export async function appendServerProgress(
  ctx: SqlContext,
  id: number,
  event: Record<string, unknown>,
  at: Date,
): Promise<ServerProgressRecord> {
  const created = toMillis(at, 'appendServerProgress at');
  try {
    const insert = ctx.db.insertInto('server_progress').values({ server_id: id, event: toJson(event), created });
    // MySQL has no RETURNING; its driver reports the auto-increment id instead.
    const newId =
      ctx.dialect.kind === 'mysql'
        ? Number((await insert.executeTakeFirstOrThrow()).insertId)
        : Number((await insert.returning('id').executeTakeFirstOrThrow()).id);
    await notifyServers(ctx.db, ctx.dialect.kind);
    return { id: newId, event: { ...event }, created: fromMillis(created) };
  } catch (err) {
    if (ctx.dialect.isForeignKeyViolation(err)) throw new StoreNotFoundError(`store: appendServerProgress: no server with id ${id}`);
    throw err;
  }
}

export async function listServerProgress(ctx: SqlContext, id: number, afterId = 0): Promise<ServerProgressRecord[]> {
  const rows = await ctx.db
    .selectFrom('server_progress')
    .selectAll()
    .where('server_id', '=', id)
    .where('id', '>', afterId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    event: fromJson<Record<string, unknown>>(r.event, 'server_progress.event'),
    created: fromMillis(r.created),
  }));
}
