// /hub/api/groups: list, create (one or many, with members), get, delete, add/remove members,
// properties — JupyterHub 5.5's status codes, messages and scope checks (apihandlers/groups.py).
import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../context.ts';
import type { Identity } from '../identity.ts';
import { empty, json, requireScope } from '../guard.ts';
import { can, groupListFilter } from '../authz.ts';
import { envelope, pageRequest } from '../pagination.ts';
import { apiUsername } from './users.ts';
import { HubError } from '../../hub/errors.ts';
import { StoreConflictError, StoreNotFoundError, type GroupRecord } from '../../store/types.ts';

type Params = { name: string };

const GROUP_NAME_MAX = 255;
/** Keys a group body may carry (JupyterHub's _group_model_types) and their JSON types. */
const GROUP_MODEL_TYPES: Record<string, 'string' | 'array'> = { name: 'string', users: 'array', roles: 'array' };

/** The group model, each field shown only when the caller's scopes allow it (base.py group_model). */
export function groupModel(ctx: HubContext, id: Identity, g: GroupRecord): Record<string, unknown> {
  const r = { group: g.name };
  const m: Record<string, unknown> = { kind: 'group', name: g.name };
  const read = can(id, 'read:groups', r);
  if (read) {
    m.users = [...g.members];
    m.properties = g.properties;
  }
  if (read || can(id, 'read:roles:groups', r)) m.roles = rolesOfGroup(ctx, g.name);
  return m;
}

/** Roles given to a group in hub.loadRoles, sorted. */
export function rolesOfGroup(ctx: HubContext, group: string): string[] {
  const out: string[] = [];
  for (const role of ctx.identities.roles.values()) if (role.groups.includes(group)) out.push(role.name);
  return out.sort();
}

function groupName(raw: unknown, field: string): string {
  if (typeof raw !== 'string' || raw === '') throw new HubError(400, `${field} must be a non-empty string`);
  if (raw.length > GROUP_NAME_MAX) throw new HubError(400, `${field} is longer than ${GROUP_NAME_MAX} characters`);
  if (raw.includes('/')) throw new HubError(400, `Invalid group name ${JSON.stringify(raw)} in ${field}: '/' is not allowed`);
  return raw;
}

/** Rejects unknown keys and wrong types, naming them (JupyterHub's _check_group_model). */
function checkGroupModel(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HubError(400, 'Invalid model: the body must be a JSON object');
  const model = body as Record<string, unknown>;
  const unknown = Object.keys(model).filter((k) => !(k in GROUP_MODEL_TYPES));
  if (unknown.length) throw new HubError(400, `Invalid group model: unexpected keys ${unknown.map((k) => JSON.stringify(k)).join(', ')}`);
  for (const [k, want] of Object.entries(GROUP_MODEL_TYPES)) {
    const v = model[k];
    if (v === undefined) continue;
    if (want === 'array' ? !Array.isArray(v) : typeof v !== want) throw new HubError(400, `Invalid group model: ${k} must be ${want === 'array' ? 'a list' : 'a string'}`);
  }
  const users = model.users as unknown[] | undefined;
  for (const [i, u] of (users ?? []).entries()) if (typeof u !== 'string') throw new HubError(400, `usernames must be str, not ${JSON.stringify(u)} (users[${i}])`);
  if (model.roles !== undefined) throw new HubError(400, 'Group roles are given in hub.loadRoles, not through the API');
  return model;
}

/** Normalized names of existing users; 400 names the first unknown one. */
async function existingUsers(ctx: HubContext, raw: unknown[]): Promise<string[]> {
  const out: string[] = [];
  for (const [i, n] of raw.entries()) {
    const name = apiUsername(n, `users[${i}]`, ctx.authenticator);
    if (!(await ctx.store.getUser(name))) throw new HubError(400, `No such user: ${name}`);
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

async function findGroup(ctx: HubContext, name: string): Promise<GroupRecord> {
  const g = await ctx.store.getGroup(name);
  if (!g) throw new HubError(404, `No such group: ${name}`);
  return g;
}

/** With auth.manageGroups the authenticator owns membership (JupyterHub: check_authenticator_managed_groups). */
function checkNotManaged(ctx: HubContext): void {
  if (ctx.loginPolicy.manageGroups) throw new HubError(400, 'Group management via API is disabled');
}

export function registerGroupsApi(app: FastifyInstance, ctx: HubContext): void {
  app.get('/api/groups', async (req, reply) => {
    const id = await requireScope(ctx, req, ['list:groups']);
    const page = pageRequest(req);
    const filter = groupListFilter(id, 'list:groups');
    const result = await ctx.store.listGroups({ offset: page.offset, limit: page.limit, names: filter === 'all' ? undefined : filter });
    const items = result.items.map((g) => groupModel(ctx, id, g));
    if (page.envelope) return json(reply, 200, envelope(req, page, items, items.length, result.total));
    if (result.total > page.offset + page.limit) ctx.logger.warn({ total: result.total }, 'GET /groups truncated: client did not ask for pagination');
    return json(reply, 200, items);
  });

  // Creates several groups, each with the same members (JupyterHub: {"groups": [...], "users": [...]}).
  app.post('/api/groups', async (req, reply) => {
    const id = await requireScope(ctx, req, ['admin:groups']);
    checkNotManaged(ctx);
    const body = req.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body) || !Array.isArray(body.groups) || body.groups.length === 0) {
      throw new HubError(400, 'Must specify at least one group to create');
    }
    const { groups: rawNames, ...rest } = body;
    const model = checkGroupModel(rest);
    const names = [...new Set((rawNames as unknown[]).map((n, i) => groupName(n, `groups[${i}]`)))];
    for (const n of names) if (await ctx.store.getGroup(n)) throw new HubError(409, `Group ${n} already exists`);
    const members = await existingUsers(ctx, (model.users as unknown[] | undefined) ?? []);
    const created = await createOrConflict(ctx, names.map((name) => ({ name, members })));
    ctx.logger.info({ groups: names, members: members.length }, 'created groups');
    ctx.identities.invalidate();
    return json(reply, 201, created.map((g) => groupModel(ctx, id, g)));
  });

  app.get<{ Params: Params }>('/api/groups/:name', async (req, reply) => {
    const { name } = req.params;
    const id = await requireScope(ctx, req, ['read:groups', 'read:groups:name', 'read:roles:groups'], { group: name });
    return json(reply, 200, groupModel(ctx, id, await findGroup(ctx, name)));
  });

  app.post<{ Params: Params }>('/api/groups/:name', async (req, reply) => {
    const id = await requireScope(ctx, req, ['admin:groups'], { group: req.params.name });
    const name = groupName(req.params.name, 'the group name');
    checkNotManaged(ctx);
    const model = req.body === undefined ? {} : checkGroupModel(req.body);
    if (await ctx.store.getGroup(name)) throw new HubError(409, `Group ${name} already exists`);
    const members = await existingUsers(ctx, (model.users as unknown[] | undefined) ?? []);
    const [g] = await createOrConflict(ctx, [{ name, members }]);
    ctx.logger.info({ group: name, members: members.length }, 'created group');
    ctx.identities.invalidate();
    return json(reply, 201, groupModel(ctx, id, g));
  });

  app.delete<{ Params: Params }>('/api/groups/:name', async (req, reply) => {
    const { name } = req.params;
    await requireScope(ctx, req, ['delete:groups'], { group: name });
    checkNotManaged(ctx);
    if (!(await ctx.store.deleteGroup(name))) throw new HubError(404, `No such group: ${name}`);
    ctx.logger.info({ group: name }, 'deleted group');
    ctx.identities.invalidate();
    return empty(reply, 204);
  });

  const members = (op: 'add' | 'remove') => async (req: import('fastify').FastifyRequest<{ Params: Params }>, reply: import('fastify').FastifyReply) => {
    const { name } = req.params;
    const id = await requireScope(ctx, req, ['groups'], { group: name });
    checkNotManaged(ctx);
    await findGroup(ctx, name);
    const model = checkGroupModel(req.body ?? {});
    if (model.users === undefined) throw new HubError(400, `Must specify users to ${op === 'add' ? 'add' : 'delete'}`);
    const users = await existingUsers(ctx, model.users as unknown[]);
    let g: GroupRecord;
    try {
      g = op === 'add' ? await ctx.store.addGroupMembers(name, users) : await ctx.store.removeGroupMembers(name, users);
    } catch (e) {
      // the group or a user went away between the checks and the write
      if (e instanceof StoreNotFoundError) throw new HubError(404, e.message);
      throw e;
    }
    ctx.logger.info({ group: name, users: users.length }, op === 'add' ? 'added users to group' : 'removed users from group');
    ctx.identities.invalidate();
    return json(reply, 200, groupModel(ctx, id, g));
  };
  app.post<{ Params: Params }>('/api/groups/:name/users', members('add'));
  app.delete<{ Params: Params }>('/api/groups/:name/users', members('remove'));

  app.put<{ Params: Params }>('/api/groups/:name/properties', async (req, reply) => {
    const { name } = req.params;
    const id = await requireScope(ctx, req, ['groups'], { group: name });
    await findGroup(ctx, name);
    const body = req.body;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HubError(400, 'Must specify properties (a JSON object)');
    let g: GroupRecord;
    try {
      g = await ctx.store.setGroupProperties(name, body as Record<string, unknown>);
    } catch (e) {
      if (e instanceof StoreNotFoundError) throw new HubError(404, `No such group: ${name}`);
      throw e;
    }
    ctx.logger.info({ group: name }, 'updated group properties');
    return json(reply, 200, groupModel(ctx, id, g));
  });
}

async function createOrConflict(ctx: HubContext, groups: { name: string; members: string[] }[]): Promise<GroupRecord[]> {
  try {
    return await ctx.store.createGroups(groups);
  } catch (e) {
    // another request created one of them in between
    if (e instanceof StoreConflictError) throw new HubError(409, e.message);
    throw e;
  }
}
