// Sharing (JupyterHub 5.5 apihandlers/shares.py): /shares/{owner}[/{server}] (list, grant,
// revoke, revoke all), /users/{u}/shared…, /groups/{g}/shared… (list, get, leave) and
// /share-codes/{owner}[/{server}] (list, create with expiry, revoke one or all). Codes are
// random, returned once and stored as sha256 hashes; /hub/accept-share exchanges them
// (pages/acceptShare.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { HubContext } from '../context.ts';
import type { Identity } from '../identity.ts';
import { empty, json, requireScope } from '../guard.ts';
import { can } from '../authz.ts';
import { isoTime } from '../models.ts';
import { envelope, pageRequest } from '../pagination.ts';
import { HubError } from '../../hub/errors.ts';
import { parseScope, isValidScope } from '../../domain/scopes.ts';
import { serverPrefix } from '../../domain/names.ts';
import { hashToken } from '../../hub/tokens.ts';
import { randomBytes } from 'node:crypto';
import type { ShareCodeRecord, ShareRecord, ShareStore, ShareTarget } from '../../store/shares.ts';

type OwnerParams = { owner: string };
type ServerParams = { owner: string; server: string };
const CODE_EXPIRES_DEFAULT = 86_400;
const CODE_EXPIRES_MIN = 60;
const CODE_EXPIRES_MAX = 525_600 * 60;

function shares(ctx: HubContext): ShareStore {
  if (!ctx.shares) throw new HubError(404, 'Sharing is not available on this hub');
  return ctx.shares;
}

/** The server subset of share models: who, which, where, ready. */
function sharedServer(ctx: HubContext, owner: string, name: string) {
  return { user: { name: owner }, name, url: serverPrefix(ctx.baseUrl, owner, name), full_url: null, ready: ctx.servers.isReady(owner, name) };
}

export function shareModel(ctx: HubContext, s: ShareRecord): Record<string, unknown> {
  return {
    server: sharedServer(ctx, s.owner, s.serverName),
    scopes: s.scopes,
    user: s.user === null ? null : { name: s.user },
    group: s.group === null ? null : { name: s.group },
    kind: s.group === null ? 'user' : 'group',
    created_at: isoTime(s.created),
  };
}

function codeModel(ctx: HubContext, c: ShareCodeRecord, code?: string): Record<string, unknown> {
  const m: Record<string, unknown> = {
    server: sharedServer(ctx, c.owner, c.serverName),
    scopes: c.scopes,
    id: `sc_${c.id}`,
    created_at: isoTime(c.created),
    expires_at: isoTime(c.expiresAt),
    exchange_count: c.exchangeCount,
    last_exchanged_at: isoTime(c.lastExchanged),
  };
  if (code) {
    m.code = code;
    m.accept_url = `${ctx.hubPrefix}accept-share?code=${encodeURIComponent(code)}`;
    m.full_accept_url = null;
  }
  return m;
}

/** The server must exist: its owner, and the default server or a named one the hub has a record of. */
async function lookupServer(ctx: HubContext, owner: string, server: string): Promise<void> {
  if (!(await ctx.store.getUser(owner))) throw new HubError(404, `No such server: ${owner}/${server}`);
  if (server !== '' && !(await ctx.store.getServer(owner, server))) throw new HubError(404, `No such server: ${owner}/${server}`);
}

/** Each scope filtered to this server (added when missing; another filter is a 400), as Share._apply_filter. */
export function filterScopes(raw: unknown, owner: string, server: string): string[] {
  const target = `${owner}/${server}`;
  if (raw === undefined || raw === null || (Array.isArray(raw) && raw.length === 0)) return [`access:servers!server=${target}`];
  if (!Array.isArray(raw) || raw.some((s) => typeof s !== 'string')) throw new HubError(400, 'scopes must be a list of strings');
  const out = new Set<string>();
  for (const s of raw as string[]) {
    if (!isValidScope(s)) throw new HubError(400, `Unknown scope in share: ${JSON.stringify(s)}`);
    const p = parseScope(s);
    if (!p.filter) out.add(`${s}!server=${target}`);
    else if (p.filter.kind === 'server' && p.filter.value === target) out.add(s);
    else throw new HubError(400, `Scope ${JSON.stringify(s)} of a share of ${target} must have the filter !server=${target}`);
  }
  return [...out].sort();
}

function target(body: Record<string, unknown>): ShareTarget {
  const { user, group } = body;
  if (user !== undefined && user !== null && group !== undefined && group !== null) throw new HubError(400, 'Expected exactly one of `user` or `group`, not both.');
  if (typeof user === 'string' && user) return { user };
  if (typeof group === 'string' && group) return { group };
  throw new HubError(400, 'Specify exactly one of `user` or `group`');
}

function bodyOf(req: FastifyRequest, allowed: string[]): Record<string, unknown> {
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (typeof body !== 'object' || Array.isArray(body)) throw new HubError(400, 'Request body must be a JSON object');
  const extra = Object.keys(body).filter((k) => !allowed.includes(k));
  if (extra.length) throw new HubError(400, `Unexpected fields: ${extra.join(', ')}`);
  return body;
}

function listReply(req: FastifyRequest, reply: import('fastify').FastifyReply, items: unknown[], total: number, offset: number, limit: number) {
  // share lists are always paginated (JupyterHub's _share_list_model)
  const page = { ...pageRequest(req), offset, limit };
  return json(reply, 200, envelope(req, page, items, items.length, total));
}

export function registerSharesApi(app: FastifyInstance, ctx: HubContext): void {
  const afterChange = () => ctx.identities.invalidate();

  app.get<{ Params: OwnerParams }>('/api/shares/:owner', async (req, reply) => {
    const { owner } = req.params;
    await requireScope(ctx, req, ['read:shares'], { user: owner });
    if (!(await ctx.store.getUser(owner))) throw new HubError(404, 'Not found');
    const p = pageRequest(req);
    const page = await shares(ctx).list({ owner }, p.offset, p.limit);
    return listReply(req, reply, page.items.map((s) => shareModel(ctx, s)), page.total, p.offset, p.limit);
  });

  app.get<{ Params: ServerParams }>('/api/shares/:owner/:server', async (req, reply) => {
    const { owner, server } = req.params;
    await requireScope(ctx, req, ['read:shares'], { server: `${owner}/${server}` });
    await lookupServer(ctx, owner, server);
    const p = pageRequest(req);
    const page = await shares(ctx).list({ owner, serverName: server }, p.offset, p.limit);
    return listReply(req, reply, page.items.map((s) => shareModel(ctx, s)), page.total, p.offset, p.limit);
  });

  app.post<{ Params: ServerParams }>('/api/shares/:owner/:server', async (req, reply) => {
    const { owner, server } = req.params;
    const id = await requireScope(ctx, req, ['shares'], { server: `${owner}/${server}` });
    const body = bodyOf(req, ['scopes', 'user', 'group']);
    const t = target(body);
    const scopes = filterScopes(body.scopes, owner, server);
    await lookupServer(ctx, owner, server);
    for (const s of scopes) {
      const p = parseScope(s);
      if (!can(id, p.name, { server: `${owner}/${server}` })) throw new HubError(403, `Do not have permission to grant share with scope ${s}`);
    }
    if ('user' in t) {
      if (!can(id, 'read:users:name', { user: t.user })) throw new HubError(403, "Need scope 'read:users:name' to share with users by name");
      if (!(await ctx.store.getUser(t.user))) throw new HubError(400, `No such user: ${t.user}`);
    } else {
      if (!can(id, 'read:groups:name', { group: t.group })) throw new HubError(403, "Need scope 'read:groups:name' to share with groups by name");
      if (!(await ctx.store.getGroup(t.group))) throw new HubError(400, `No such group: ${t.group}`);
    }
    const share = await shares(ctx).grant(owner, server, t, scopes, ctx.now());
    afterChange();
    ctx.logger.info({ owner, server, with: t }, 'granted a share');
    return json(reply, 200, shareModel(ctx, share));
  });

  app.patch<{ Params: ServerParams }>('/api/shares/:owner/:server', async (req, reply) => {
    const { owner, server } = req.params;
    await requireScope(ctx, req, ['shares'], { server: `${owner}/${server}` });
    const body = bodyOf(req, ['scopes', 'user', 'group']);
    const t = target(body);
    if (body.scopes !== undefined && body.scopes !== null && (!Array.isArray(body.scopes) || body.scopes.some((s) => typeof s !== 'string'))) {
      throw new HubError(400, 'scopes must be a list of strings');
    }
    await lookupServer(ctx, owner, server);
    const scopes = Array.isArray(body.scopes) && body.scopes.length ? filterScopes(body.scopes, owner, server) : null;
    const exists = 'user' in t ? await ctx.store.getUser(t.user) : await ctx.store.getGroup(t.group);
    // no such user or group is the same as revoking nothing
    if (!exists) return json(reply, 200, {});
    const left = await shares(ctx).revoke(owner, server, t, scopes);
    afterChange();
    ctx.logger.info({ owner, server, from: t }, 'revoked a share');
    return json(reply, 200, left ? shareModel(ctx, left) : {});
  });

  app.delete<{ Params: ServerParams }>('/api/shares/:owner/:server', async (req, reply) => {
    const { owner, server } = req.params;
    await requireScope(ctx, req, ['shares'], { server: `${owner}/${server}` });
    await lookupServer(ctx, owner, server);
    const n = await shares(ctx).revokeAll(owner, server);
    afterChange();
    ctx.logger.info({ owner, server, shares: n }, 'revoked all shares of a server');
    return empty(reply, 204);
  });

  // what was shared with a user (directly or through their groups) or with a group
  app.get<{ Params: { name: string } }>('/api/users/:name/shared', async (req, reply) => {
    const { name } = req.params;
    await requireScope(ctx, req, ['read:users:shares'], { user: name });
    if (!(await ctx.store.getUser(name))) throw new HubError(404, `No such user: ${name}`);
    const groups = await ctx.store.groupsOfUser(name);
    const mine = (await shares(ctx).list({ user: name }, 0, Number.MAX_SAFE_INTEGER)).items;
    for (const g of groups) mine.push(...(await shares(ctx).list({ group: g }, 0, Number.MAX_SAFE_INTEGER)).items);
    mine.sort((a, b) => a.id - b.id);
    const p = pageRequest(req);
    return listReply(req, reply, mine.slice(p.offset, p.offset + p.limit).map((s) => shareModel(ctx, s)), mine.length, p.offset, p.limit);
  });

  app.get<{ Params: { name: string } }>('/api/groups/:name/shared', async (req, reply) => {
    const { name } = req.params;
    await requireScope(ctx, req, ['read:groups:shares'], { group: name });
    if (!(await ctx.store.getGroup(name))) throw new HubError(404, `No such group: ${name}`);
    const p = pageRequest(req);
    const page = await shares(ctx).list({ group: name }, p.offset, p.limit);
    return listReply(req, reply, page.items.map((s) => shareModel(ctx, s)), page.total, p.offset, p.limit);
  });

  type OneParams = { name: string; owner: string; server: string };
  const one = (kind: 'user' | 'group') => async (req: FastifyRequest<{ Params: OneParams }>): Promise<ShareRecord> => {
    const { name, owner, server } = req.params;
    const t: ShareTarget = kind === 'user' ? { user: name } : { group: name };
    const s = await shares(ctx).get(owner, server, t);
    if (!s) throw new HubError(404, `No such share for ${kind} ${name} on ${owner}/${server}`);
    return s;
  };
  for (const kind of ['user', 'group'] as const) {
    const base = kind === 'user' ? '/api/users/:name/shared/:owner/:server' : '/api/groups/:name/shared/:owner/:server';
    const res = (name: string) => (kind === 'user' ? { user: name } : { group: name });
    app.get<{ Params: OneParams }>(base, async (req, reply) => {
      await requireScope(ctx, req, [kind === 'user' ? 'read:users:shares' : 'read:groups:shares'], res(req.params.name));
      return json(reply, 200, shareModel(ctx, await one(kind)(req)));
    });
    // leave the share: always allowed to whoever holds users:shares / groups:shares on the recipient
    app.delete<{ Params: OneParams }>(base, async (req, reply) => {
      await requireScope(ctx, req, [kind === 'user' ? 'users:shares' : 'groups:shares'], res(req.params.name));
      const s = await one(kind)(req);
      await shares(ctx).revoke(s.owner, s.serverName, kind === 'user' ? { user: req.params.name } : { group: req.params.name }, null);
      afterChange();
      return empty(reply, 204);
    });
  }

  // share codes
  app.get<{ Params: OwnerParams }>('/api/share-codes/:owner', async (req, reply) => {
    const { owner } = req.params;
    await requireScope(ctx, req, ['read:shares'], { user: owner });
    if (!(await ctx.store.getUser(owner))) throw new HubError(404, 'Not found');
    const p = pageRequest(req);
    const page = await shares(ctx).listCodes(owner, undefined, ctx.now(), p.offset, p.limit);
    return listReply(req, reply, page.items.map((c) => codeModel(ctx, c)), page.total, p.offset, p.limit);
  });

  app.get<{ Params: ServerParams }>('/api/share-codes/:owner/:server', async (req, reply) => {
    const { owner, server } = req.params;
    await requireScope(ctx, req, ['read:shares'], { server: `${owner}/${server}` });
    await lookupServer(ctx, owner, server);
    const p = pageRequest(req);
    const page = await shares(ctx).listCodes(owner, server, ctx.now(), p.offset, p.limit);
    return listReply(req, reply, page.items.map((c) => codeModel(ctx, c)), page.total, p.offset, p.limit);
  });

  app.post<{ Params: ServerParams }>('/api/share-codes/:owner/:server', async (req, reply) => {
    const { owner, server } = req.params;
    const id: Identity = await requireScope(ctx, req, ['shares'], { server: `${owner}/${server}` });
    const body = bodyOf(req, ['scopes', 'expires_in']);
    const expiresIn = body.expires_in ?? CODE_EXPIRES_DEFAULT;
    if (typeof expiresIn !== 'number' || !Number.isInteger(expiresIn) || expiresIn < CODE_EXPIRES_MIN || expiresIn > CODE_EXPIRES_MAX) {
      throw new HubError(400, `expires_in must be an integer from ${CODE_EXPIRES_MIN} to ${CODE_EXPIRES_MAX} seconds`);
    }
    const scopes = filterScopes(body.scopes, owner, server);
    for (const s of scopes) {
      if (!can(id, parseScope(s).name, { server: `${owner}/${server}` })) throw new HubError(403, `Do not have permission to grant share with scope ${s}`);
    }
    await lookupServer(ctx, owner, server);
    const code = randomBytes(24).toString('base64url');
    const now = ctx.now();
    const rec = await shares(ctx).createCode(owner, server, hashToken(code), scopes, new Date(now.getTime() + expiresIn * 1000), now);
    ctx.logger.info({ owner, server, id: `sc_${rec.id}` }, 'created a share code');
    return json(reply, 200, codeModel(ctx, rec, code));
  });

  app.delete<{ Params: ServerParams; Querystring: { code?: string; id?: string } }>('/api/share-codes/:owner/:server', async (req, reply) => {
    const { owner, server } = req.params;
    await requireScope(ctx, req, ['shares'], { server: `${owner}/${server}` });
    await lookupServer(ctx, owner, server);
    const q = req.query ?? {};
    if (q.code) {
      if (!(await shares(ctx).revokeCodes(owner, server, { codeHash: hashToken(q.code) }))) throw new HubError(404, 'No matching code found');
    } else if (q.id) {
      const m = /^sc_(\d+)$/.exec(q.id);
      if (!m || !(await shares(ctx).revokeCodes(owner, server, { id: Number(m[1]) }))) throw new HubError(404, `No code found matching id=${q.id}`);
    } else {
      await shares(ctx).revokeCodes(owner, server);
    }
    return empty(reply, 204);
  });
}
