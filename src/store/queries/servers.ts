// Servers: one row per (user, server name), holding the spawner's JSON state and the phase.
import type { Selectable, Updateable } from 'kysely';
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

function encodeFailure(f: SpawnFailure | null): string | null {
  if (f === null) return null;
  const stored: StoredFailure = { ...f, at: toMillis(f.at, 'lastFailure.at') };
  return toJson(stored);
}

function decodeFailure(text: string | null): SpawnFailure | null {
  const stored = fromJsonOrNull<StoredFailure>(text, 'servers.last_failure');
  return stored === null ? null : { ...stored, at: fromMillis(stored.at) };
}

function toServerRecord(r: ServerRow): ServerRecord {
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
    lastFailure: decodeFailure(r.last_failure),
  };
}

function selectServers(ctx: SqlContext) {
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

async function serverById(ctx: SqlContext, id: number): Promise<ServerRecord | null> {
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

export async function updateServer(ctx: SqlContext, id: number, patch: ServerPatch): Promise<ServerRecord> {
  const set: Updateable<ServersTable> = {};
  if (patch.phase !== undefined) {
    if (!PHASES.includes(patch.phase)) {
      throw new StoreInputError(`store: updateServer ${id}: unknown phase ${JSON.stringify(patch.phase)}`);
    }
    set.phase = patch.phase;
  }
  if (patch.spawnerState !== undefined) set.spawner_state = toJson(patch.spawnerState);
  if (patch.target !== undefined) set.target = patch.target;
  if (patch.started !== undefined) set.started = toMillisOrNull(patch.started, 'updateServer started');
  if (patch.lastActivity !== undefined) {
    set.last_activity = toMillisOrNull(patch.lastActivity, 'updateServer lastActivity');
  }
  if (patch.userOptions !== undefined) set.user_options = toJson(patch.userOptions);
  if (patch.lastFailure !== undefined) set.last_failure = encodeFailure(patch.lastFailure);
  if (Object.keys(set).length > 0) {
    await ctx.db.updateTable('servers').set(set).where('id', '=', id).execute();
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
