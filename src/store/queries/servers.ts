// Servers: one row per (user, server name), holding the spawner's JSON state and the phase.
import { sql, type Selectable, type Updateable } from 'kysely';
import {
  fromJson,
  fromJsonOrNull,
  fromMillis,
  fromMillisOrNull,
  toJson,
  toMillis,
  toMillisOrNull,
} from '../codec.ts';
import type { ServersTable } from '../schema.ts';
import type { ServerPhaseName, ServerState } from '../../domain/serverState.ts';
import {
  StoreInputError,
  StoreNotFoundError,
  type ServerPatch,
  type ServerPhase,
  type ServerRecord,
  type SpawnFailure,
} from '../types.ts';
import { requireUserId, writing, type SqlContext } from './context.ts';
import { bumpUserActivity } from './users.ts';

const PHASES: readonly ServerPhase[] = ['stopped', 'spawning', 'running', 'stopping'];

type ServerRow = Selectable<ServersTable> & { user_name: string };

/** SpawnFailure as stored: `at` in epoch ms. */
interface StoredFailure extends Omit<SpawnFailure, 'at'> {
  at: number;
}

export function encodeFailure(f: SpawnFailure | null): string | null {
  if (f === null) return null;
  const stored: StoredFailure = { ...f, at: toMillis(f.at, 'lastFailure.at') };
  return toJson(stored);
}

function decodeFailure(text: string | null): SpawnFailure | null {
  const stored = fromJsonOrNull<StoredFailure>(text, 'servers.last_failure');
  return stored === null ? null : { ...stored, at: fromMillis(stored.at) };
}

const LIFECYCLE_PHASES: readonly ServerPhaseName[] = ['stopped', 'spawn-queued', 'spawning', 'waiting-ready', 'running', 'stopping', 'failed'];

/** The domain state kept in a row (migration 0003); a row written before it reads as its `phase`. */
function lifecycleOf(r: ServerRow, failure: SpawnFailure | null): ServerState {
  const phase = r.lifecycle as ServerPhaseName;
  if (!LIFECYCLE_PHASES.includes(phase)) throw new Error(`store: column servers.lifecycle holds unknown phase ${JSON.stringify(r.lifecycle)}`);
  const since = fromMillisOrNull(r.lifecycle_since) ?? fromMillisOrNull(r.started) ?? new Date(0);
  switch (phase) {
    case 'spawn-queued':
      return { phase, since, position: r.queue_position ?? 1 };
    case 'waiting-ready':
    case 'running':
      return { phase, since, target: r.target ?? '' };
    case 'failed':
      return {
        phase,
        since,
        reason: failure?.message ?? 'The server failed',
        exitCode: failure?.exitCode ?? null,
        logTail: failure?.logTail ?? [],
      };
    default:
      return { phase, since };
  }
}

export function toServerRecord(r: ServerRow): ServerRecord {
  const lastFailure = decodeFailure(r.last_failure);
  return {
    id: Number(r.id),
    userId: Number(r.user_id),
    userName: r.user_name,
    name: r.name,
    phase: r.phase as ServerPhase,
    spawnerState: fromJson<Record<string, unknown>>(r.spawner_state, 'servers.spawner_state'),
    target: r.target,
    started: fromMillisOrNull(r.started),
    lastActivity: fromMillisOrNull(r.last_activity),
    userOptions: fromJson<Record<string, unknown>>(r.user_options, 'servers.user_options'),
    lastFailure,
    lifecycle: lifecycleOf(r, lastFailure),
    lifecycleVersion: Number(r.lifecycle_version),
    claim: r.claim_owner !== null && r.claim_expires !== null ? { owner: r.claim_owner, expires: fromMillis(r.claim_expires) } : null,
  };
}

export function selectServers(ctx: SqlContext) {
  return ctx.db
    .selectFrom('servers')
    .innerJoin('users', 'users.id', 'servers.user_id')
    .selectAll('servers')
    .select('users.name as user_name');
}

export async function getServer(ctx: SqlContext, userName: string, serverName: string): Promise<ServerRecord | null> {
  const row = await selectServers(ctx)
    .where('users.name', '=', userName)
    .where('servers.name', '=', serverName)
    .executeTakeFirst();
  return row ? toServerRecord(row) : null;
}

export async function listServersOfUser(ctx: SqlContext, userName: string): Promise<ServerRecord[]> {
  const rows = await selectServers(ctx).where('users.name', '=', userName).orderBy('servers.name').execute();
  return rows.map(toServerRecord);
}

export async function listActiveServers(ctx: SqlContext): Promise<ServerRecord[]> {
  const rows = await selectServers(ctx).where('servers.phase', '!=', 'stopped').orderBy('servers.id').execute();
  return rows.map(toServerRecord);
}

export async function serverById(ctx: SqlContext, id: number): Promise<ServerRecord | null> {
  const row = await selectServers(ctx).where('servers.id', '=', id).executeTakeFirst();
  return row ? toServerRecord(row) : null;
}

export async function ensureServer(ctx: SqlContext, userName: string, serverName: string): Promise<ServerRecord> {
  const existing = await getServer(ctx, userName, serverName);
  if (existing) return existing;
  const userId = await requireUserId(ctx, userName, `ensureServer ${JSON.stringify(serverName)}`);
  const row = {
    user_id: userId,
    name: serverName,
    phase: 'stopped',
    spawner_state: '{}',
    target: null,
    started: null,
    last_activity: null,
    user_options: '{}',
    last_failure: null,
  };
  // A concurrent ensureServer may win the insert; either way the row exists afterwards.
  await writing(ctx, `ensureServer ${JSON.stringify(serverName)}`, () =>
    ctx.dialect.ignoreDuplicate(ctx.db.insertInto('servers').values(row), ['user_id', 'name']).execute(),
  );
  const made = await getServer(ctx, userName, serverName);
  if (!made) throw new StoreNotFoundError(`store: ensureServer: user ${JSON.stringify(userName)} was deleted`);
  return made;
}

/** The columns of a patch (`phase` apart); `what` names the caller in errors. */
export function patchColumns(patch: Omit<ServerPatch, 'phase'>, what: string): Updateable<ServersTable> {
  const set: Updateable<ServersTable> = {};
  if (patch.spawnerState !== undefined) set.spawner_state = toJson(patch.spawnerState);
  if (patch.target !== undefined) set.target = patch.target;
  if (patch.started !== undefined) set.started = toMillisOrNull(patch.started, `${what} started`);
  if (patch.lastActivity !== undefined) {
    set.last_activity = toMillisOrNull(patch.lastActivity, `${what} lastActivity`);
  }
  if (patch.userOptions !== undefined) set.user_options = toJson(patch.userOptions);
  if (patch.lastFailure !== undefined) set.last_failure = encodeFailure(patch.lastFailure);
  if (patch.claim !== undefined) {
    set.claim_owner = patch.claim?.owner ?? null;
    set.claim_expires = patch.claim ? toMillis(patch.claim.expires, `${what} claim.expires`) : null;
  }
  return set;
}

/**
 * Writes fields directly. A `phase` given here also sets the lifecycle to the phase of the same
 * name (a write outside the transitions, kept for callers that predate them).
 */
export async function updateServer(ctx: SqlContext, id: number, patch: ServerPatch): Promise<ServerRecord> {
  const set = patchColumns(patch, 'updateServer');
  if (patch.phase !== undefined) {
    if (!PHASES.includes(patch.phase)) {
      throw new StoreInputError(`store: updateServer ${id}: unknown phase ${JSON.stringify(patch.phase)}`);
    }
    set.phase = patch.phase;
    set.lifecycle = patch.phase;
  }
  if (Object.keys(set).length > 0) {
    const bump = patch.phase !== undefined ? { lifecycle_version: sql<number>`lifecycle_version + 1` } : {};
    await ctx.db.updateTable('servers').set({ ...set, ...bump }).where('id', '=', id).execute();
  }
  const server = await serverById(ctx, id);
  if (!server) throw new StoreNotFoundError(`store: updateServer: no server with id ${id}`);
  return server;
}

export async function deleteServer(ctx: SqlContext, id: number): Promise<void> {
  await ctx.db.deleteFrom('servers').where('id', '=', id).execute();
}

export async function bumpServerActivity(
  ctx: SqlContext,
  userName: string,
  serverName: string,
  at: Date,
): Promise<void> {
  const ms = toMillis(at, 'bumpServerActivity at');
  await ctx.db
    .updateTable('servers')
    .set({ last_activity: ms })
    .where('name', '=', serverName)
    .where('user_id', '=', (eb) => eb.selectFrom('users').select('users.id').where('users.name', '=', userName))
    .where((eb) => eb.or([eb('last_activity', 'is', null), eb('last_activity', '<', ms)]))
    .execute();
  await bumpUserActivity(ctx, userName, at);
}
