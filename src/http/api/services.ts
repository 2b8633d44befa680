// GET /hub/api/services and /services/{name} (JupyterHub 5.5: the listing is an object keyed by
// service name, filtered by the caller's list:services filters).
import type { FastifyInstance } from 'fastify';
import type { HubContext, ServiceInfo } from '../context.ts';
import type { Identity } from '../identity.ts';
import { json, requireScope } from '../guard.ts';
import { can } from '../authz.ts';
import { HubError } from '../../hub/errors.ts';

export function serviceModel(ctx: HubContext, id: Identity, s: ServiceInfo): Record<string, unknown> {
  const r = { service: s.name };
  const m: Record<string, unknown> = { kind: 'service', name: s.name };
  const read = can(id, 'read:services', r);
  if (read) {
    Object.assign(m, {
      admin: s.admin,
      url: s.url ?? '',
      prefix: s.url ? (s.prefix ?? '') : '',
      command: s.command ?? [],
      pid: s.pid?.() ?? 0,
      info: s.info,
      display: s.display,
    });
  }
  if (read || can(id, 'read:roles:services', r)) m.roles = ctx.identities.rolesOf({ kind: 'service', name: s.name, admin: s.admin });
  return m;
}

export function registerServicesApi(app: FastifyInstance, ctx: HubContext): void {
  app.get('/api/services', async (req, reply) => {
    const id = await requireScope(ctx, req, ['list:services']);
    const out: Record<string, unknown> = {};
    for (const s of ctx.services.values()) if (can(id, 'list:services', { service: s.name })) out[s.name] = serviceModel(ctx, id, s);
    return json(reply, 200, out);
  });

  app.get<{ Params: { name: string } }>('/api/services/:name', async (req, reply) => {
    const { name } = req.params;
    const id = await requireScope(ctx, req, ['read:services', 'read:services:name', 'read:roles:services'], { service: name });
    const s = ctx.services.get(name);
    if (!s) throw new HubError(404, `No such service: ${name}`);
    return json(reply, 200, serviceModel(ctx, id, s));
  });
}
