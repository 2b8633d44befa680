// Page helpers: who is logged in (else redirect to login), and safe `next` targets.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../context.ts';
import type { Identity } from '../identity.ts';
import { pageIdentity } from '../guard.ts';
import { validateNextUrl } from '../../domain/nextUrl.ts';

export function loginRedirect(ctx: HubContext, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.redirect(`${ctx.hubPrefix}login?next=${encodeURIComponent(req.url)}`, 302);
}

/** The logged-in user, or null after sending a redirect to the login page. */
export async function requirePageUser(ctx: HubContext, req: FastifyRequest, reply: FastifyReply): Promise<Identity | null> {
  const id = await pageIdentity(ctx, req);
  if (!id) {
    loginRedirect(ctx, req, reply);
    return null;
  }
  return id;
}

/** A `next` value reduced to a path on this host, or null when absent or unsafe. */
export function safeNext(ctx: HubContext, req: FastifyRequest, raw: string | undefined): string | null {
  if (!raw) return null;
  const host = String(req.headers['x-forwarded-host'] ?? req.headers.host ?? '');
  return validateNextUrl(raw, { host });
}
