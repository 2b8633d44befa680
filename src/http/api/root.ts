// GET /hub/api (no credentials, both with and without slash), /info, /user, health.
import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../context.ts';
import { json, requireApiIdentity, requireScope } from '../guard.ts';
import { apiScopeList } from '../authz.ts';
import { userModel } from '../models.ts';
import { HubError } from '../../hub/errors.ts';

export function registerRootApi(app: FastifyInstance, ctx: HubContext): void {
  const root = async (_req: unknown, reply: import('fastify').FastifyReply) => {
    reply.header('Access-Control-Allow-Origin', '*');
    return json(reply, 200, { version: ctx.version });
  };
  app.get('/api', root);
  app.get('/api/', root);

  app.get('/api/info', async (req, reply) => {
    await requireScope(ctx, req, ['read:hub']);
    return json(reply, 200, {
      version: ctx.version,
      python: null,
      sys_executable: null,
      nbhub: true,
      spawner: { class: ctx.servers.spawnerKind, version: ctx.version },
      authenticator: { class: ctx.authenticator.kind, version: ctx.version },
    });
  });

  const health = async (_req: unknown, reply: import('fastify').FastifyReply) => reply.status(200).type('text/plain').send('');
  app.get('/health', health);
  app.get('/api/health', health);

  // Who am I (protocol.md §2.4): 403 for missing/invalid credentials, never 401.
  app.get('/api/user', async (req, reply) => {
    const id = await requireApiIdentity(ctx, req);
    const scopes = apiScopeList(id);
    if (id.kind === 'service') {
      return json(reply, 200, {
        kind: 'service',
        name: id.name,
        admin: id.admin,
        roles: ctx.identities.rolesOf({ kind: 'service', name: id.name, admin: id.admin }),
        scopes,
        session_id: null,
        token_id: id.token ? `a${id.token.id}` : null,
      });
    }
    const u = await ctx.store.getUser(id.name);
    if (!u) throw new HubError(403, 'Missing or invalid credentials.');
    const servers = await ctx.store.listServersOfUser(u.name);
    const model = userModel(ctx, id, u, servers, { groups: await ctx.store.groupsOfUser(u.name) });
    // identify scopes are always granted here
    model.kind = 'user';
    model.name = u.name;
    model.admin = u.admin;
    if (!('groups' in model)) model.groups = [];
    return json(reply, 200, {
      ...model,
      scopes,
      session_id: id.sessionId,
      token_id: id.token ? `a${id.token.id}` : null,
    });
  });
}
