// /hub/api/users: list, get, create (one or many), patch, delete.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { HubContext } from '../context.ts';
import { empty, json, requireScope } from '../guard.ts';
import { can, listFilter } from '../authz.ts';
import { userModel } from '../models.ts';
import { envelope, pageRequest } from '../pagination.ts';
import { HubError } from '../../hub/errors.ts';
import { normalizeUsername, validateUsername } from '../../domain/names.ts';
import type { UserSort, UserStateFilter } from '../../store/types.ts';
import { StoreConflictError } from '../../store/types.ts';
import { normalizeLoginName } from '../../auth/pipeline.ts';
import type { Authenticator } from '../../auth/types.ts';
import type { Identity } from '../identity.ts';

const READ_USER_SCOPES = ['read:users', 'read:users:name', 'read:servers', 'read:users:groups', 'read:users:activity', 'read:roles:users'];
const STATES = new Set(['active', 'ready', 'inactive']);
const SORTS = new Set(['id', 'name', 'last_activity', '-id', '-name', '-last_activity']);

type Params = { name: string };

function flag(q: Record<string, unknown>, name: string): boolean {
  const v = q[name];
  return v !== undefined && v !== 'false' && v !== '0';
}

/**
 * Normalizes and validates a user name from the API; 400 names the field. With the hub's
 * authenticator, its normalization applies (JupyterHub's authenticator.normalize_username):
 * a wiki's "Jane Doe (WMF)" keeps its case.
 */
export function apiUsername(raw: unknown, field: string, authenticator?: Pick<Authenticator, 'normalizeName' | 'lowercaseNames'>): string {
  if (typeof raw !== 'string') throw new HubError(400, `${field} must be a string`);
  const name = authenticator ? normalizeLoginName(authenticator, raw) : normalizeUsername(raw);
  const problem = validateUsername(name);
  if (problem) throw new HubError(400, `Invalid username ${JSON.stringify(raw)} in ${field}: ${problem}`);
  return name;
}

export function registerUsersApi(app: FastifyInstance, ctx: HubContext): void {
  app.get('/api/users', async (req, reply) => {
    const id = await requireScope(ctx, req, ['list:users']);
    const q = (req.query ?? {}) as Record<string, unknown>;
    const page = pageRequest(req);
    const state = q.state === undefined || q.state === '' ? undefined : String(q.state);
    if (state && !STATES.has(state)) throw new HubError(400, `Unrecognized state filter: ${JSON.stringify(state)}; use active, ready or inactive`);
    const sort = q.sort === undefined || q.sort === '' ? undefined : String(q.sort);
    if (sort && !SORTS.has(sort)) throw new HubError(400, `Unrecognized sort: ${JSON.stringify(sort)}`);
    const filter = listFilter(id, 'list:users');
    let names: string[] | undefined;
    if (filter !== 'all') {
      // `!group=` filters list the group's members
      const set = new Set(filter.users);
      for (const g of filter.groups) for (const m of (await ctx.store.getGroup(g))?.members ?? []) set.add(m);
      names = [...set];
    }
    const result = await ctx.store.listUsers({
      offset: page.offset,
      limit: page.limit,
      state: state as UserStateFilter | undefined,
      nameFilter: q.name_filter ? String(q.name_filter) : undefined,
      sort: sort as UserSort | undefined,
      names,
    });
    const includeStopped = flag(q, 'include_stopped_servers');
    const groups = await ctx.store.groupsOfUsers(result.items.map((u) => u.name));
    const items = [];
    for (const u of result.items) {
      const servers = await ctx.store.listServersOfUser(u.name);
      items.push(userModel(ctx, id, u, servers, { includeStoppedServers: includeStopped, groups: groups.get(u.name) }));
    }
    if (page.envelope) return json(reply, 200, envelope(req, page, items, items.length, result.total));
    if (result.total > page.offset + page.limit) ctx.logger.warn({ total: result.total }, 'GET /users truncated: client did not ask for pagination');
    return json(reply, 200, items);
  });

  app.post('/api/users', async (req, reply) => {
    const id = await requireScope(ctx, req, ['admin:users']);
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body !== 'object' || Array.isArray(body)) throw new HubError(400, 'Request body must be a JSON object');
    if (!Array.isArray(body.usernames) || body.usernames.length === 0) throw new HubError(400, 'Must specify at least one user to create in usernames');
    const admin = body.admin === undefined ? false : body.admin;
    if (typeof admin !== 'boolean') throw new HubError(400, 'admin must be true or false');
    if (admin && !id.admin) throw new HubError(403, 'Only admins can create admin users');
    const wanted = [...new Set(body.usernames.map((n, i) => apiUsername(n, `usernames[${i}]`, ctx.authenticator)))];
    const blocked = wanted.filter((n) => ctx.loginPolicy.blockedUsers.has(n));
    if (blocked.length) throw new HubError(400, `Blocked users cannot be created: ${blocked.join(', ')}`);
    const toCreate: string[] = [];
    for (const n of wanted) if (!(await ctx.store.getUser(n))) toCreate.push(n);
    if (toCreate.length === 0) throw new HubError(409, `All ${wanted.length} users already exist`);
    const created = await ctx.store.createUsers(toCreate, { admin, now: ctx.now() });
    ctx.identities.invalidate();
    return json(reply, 201, created.map((u) => userModel(ctx, id, u, [])));
  });

  app.get<{ Params: Params }>('/api/users/:name', async (req, reply) => {
    const { name } = req.params;
    const id = await requireScope(ctx, req, READ_USER_SCOPES, { user: name });
    const u = await ctx.store.getUser(name);
    if (!u) throw new HubError(404, `No such user: ${name}`);
    const q = (req.query ?? {}) as Record<string, unknown>;
    const servers = await ctx.store.listServersOfUser(name);
    const authState = can(id, 'admin:auth_state', { user: name }) ? await ctx.authStates.read(u) : null;
    const groups = await ctx.store.groupsOfUser(name);
    return json(reply, 200, userModel(ctx, id, u, servers, { includeStoppedServers: flag(q, 'include_stopped_servers'), groups, authState }));
  });

  app.post<{ Params: Params }>('/api/users/:name', async (req, reply) => {
    const id = await requireScope(ctx, req, ['admin:users'], { user: req.params.name });
    const name = apiUsername(req.params.name, 'name', ctx.authenticator);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const admin = body.admin === undefined ? false : body.admin;
    if (typeof admin !== 'boolean') throw new HubError(400, 'admin must be true or false');
    if (admin && !id.admin) throw new HubError(403, 'Only admins can create admin users');
    if (ctx.loginPolicy.blockedUsers.has(name)) throw new HubError(400, `User ${name} is blocked`);
    try {
      const [u] = await ctx.store.createUsers([name], { admin, now: ctx.now() });
      ctx.identities.invalidate();
      return json(reply, 201, userModel(ctx, id, u, []));
    } catch (e) {
      if (e instanceof StoreConflictError) throw new HubError(409, `User ${name} already exists`);
      throw e;
    }
  });

  app.patch<{ Params: Params }>('/api/users/:name', async (req, reply) => {
    const { name } = req.params;
    const id = await requireScope(ctx, req, ['admin:users'], { user: name });
    const body = req.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HubError(400, 'Request body must be a JSON object');
    const known = new Set(['name', 'admin', 'auth_state', 'groups', 'roles']);
    for (const k of Object.keys(body)) if (!known.has(k)) throw new HubError(400, `Unknown field ${JSON.stringify(k)} in user patch`);
    const u = await ctx.store.getUser(name);
    if (!u) throw new HubError(404, `No such user: ${name}`);
    const patch: { name?: string; admin?: boolean } = {};
    let newAuthState: Record<string, unknown> | null | undefined;
    if (body.name !== undefined) {
      const newName = apiUsername(body.name, 'name', ctx.authenticator);
      if (newName !== name && (await ctx.store.getUser(newName))) throw new HubError(400, `User ${newName} already exists, username must be unique`);
      if (ctx.servers.activeCount() && (await ctx.store.listServersOfUser(name)).some((s) => s.phase !== 'stopped')) {
        throw new HubError(400, `Stop ${name}'s servers before renaming`);
      }
      patch.name = newName;
    }
    if (body.admin !== undefined) {
      if (typeof body.admin !== 'boolean') throw new HubError(400, 'admin must be true or false');
      if (body.admin && !id.admin) throw new HubError(403, 'Only admins can grant admin');
      patch.admin = body.admin;
    }
    if (body.auth_state !== undefined) {
      if (!can(id, 'admin:auth_state', { user: name })) throw new HubError(403, 'Changing auth_state requires the admin:auth_state scope');
      if (body.auth_state !== null && (typeof body.auth_state !== 'object' || Array.isArray(body.auth_state))) {
        throw new HubError(400, 'auth_state must be an object or null');
      }
      newAuthState = body.auth_state as Record<string, unknown> | null;
    }
    if (body.roles !== undefined) throw new HubError(400, 'roles are given in hub.loadRoles, not through the API');
    const newGroups = body.groups === undefined ? undefined : await checkGroupsPatch(ctx, id, name, body.groups);
    const updated = await ctx.store.updateUser(name, patch);
    if (newGroups !== undefined) await ctx.store.setUserGroups(updated!.name, newGroups, { createMissing: false });
    // sealed after a rename too: the seal binds the user's id, which a rename keeps
    if (newAuthState !== undefined) await ctx.authStates.write(updated!.name, newAuthState);
    ctx.identities.invalidate();
    const servers = await ctx.store.listServersOfUser(updated!.name);
    const authState = can(id, 'admin:auth_state', { user: updated!.name }) ? await ctx.authStates.read(updated!.name) : null;
    const groups = await ctx.store.groupsOfUser(updated!.name);
    return json(reply, 200, userModel(ctx, id, updated!, servers, { groups, authState }));
  });

  app.delete<{ Params: Params }>('/api/users/:name', async (req, reply) => {
    const { name } = req.params;
    const id = await requireScope(ctx, req, ['delete:users'], { user: name });
    if (id.kind === 'user' && id.name === name) throw new HubError(400, 'Cannot delete yourself!');
    const u = await ctx.store.getUser(name);
    if (!u) throw new HubError(404, `No such user: ${name}`);
    await stopAllServers(ctx, req, name);
    await ctx.store.deleteUser(name);
    ctx.identities.invalidate();
    await ctx.servers.removeUserData(name);
    return empty(reply, 204);
  });
}

/**
 * `groups` in a user patch: the user ends up in exactly these existing groups. The caller needs the
 * `groups` scope on each group joined or left; with auth.manageGroups the authenticator owns membership.
 */
async function checkGroupsPatch(ctx: HubContext, id: Identity, user: string, raw: unknown): Promise<string[]> {
  if (!Array.isArray(raw) || raw.some((g) => typeof g !== 'string')) throw new HubError(400, 'groups must be a list of group names');
  if (ctx.loginPolicy.manageGroups) throw new HubError(400, 'Group management via API is disabled');
  const wanted = [...new Set(raw as string[])];
  for (const g of wanted) if (!(await ctx.store.getGroup(g))) throw new HubError(400, `No such group: ${g}`);
  const current = await ctx.store.groupsOfUser(user);
  const changed = [...wanted.filter((g) => !current.includes(g)), ...current.filter((g) => !wanted.includes(g))];
  const refused = changed.filter((g) => !can(id, 'groups', { group: g }));
  if (refused.length) throw new HubError(403, `Changing membership of ${refused.join(', ')} requires the groups scope for them`);
  return wanted;
}

async function stopAllServers(ctx: HubContext, _req: FastifyRequest, name: string): Promise<void> {
  const servers = await ctx.store.listServersOfUser(name);
  for (const s of servers) {
    if (ctx.servers.pending(name, s.name) === 'stop') throw new HubError(400, `${name}'s server is stopping; try again shortly`);
  }
  await Promise.all(servers.map((s) => ctx.servers.stop(name, s.name)));
}
