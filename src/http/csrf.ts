// CSRF protection for cookie-authenticated requests: a random `_xsrf` cookie at /hub/
// (never at '/': it would shadow the single-user server's own) that every form POST and
// every cookie-authenticated API call must echo (form field `_xsrf`, header `X-XSRFToken`,
// or query `_xsrf` for EventSource).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from './context.ts';
import { XSRF_COOKIE, cookieOptions } from './session.ts';

/** The token for this browser, issuing the cookie when missing. */
export function xsrfToken(ctx: HubContext, req: FastifyRequest, reply: FastifyReply): string {
  const have = req.cookies[XSRF_COOKIE];
  if (have && /^[A-Za-z0-9_-]{20,}$/.test(have)) return have;
  const t = randomBytes(24).toString('base64url');
  reply.setCookie(XSRF_COOKIE, t, cookieOptions(ctx, req, ctx.hubPrefix, false));
  // Make the new value visible to code that reads it later in this request.
  req.cookies[XSRF_COOKIE] = t;
  return t;
}

function presented(req: FastifyRequest): string | undefined {
  const h = req.headers['x-xsrftoken'] ?? req.headers['x-csrftoken'];
  if (typeof h === 'string' && h) return h;
  const body = req.body as Record<string, unknown> | undefined;
  if (body && typeof body === 'object' && typeof body._xsrf === 'string') return body._xsrf;
  const q = (req.query as Record<string, unknown> | undefined)?._xsrf;
  return typeof q === 'string' ? q : undefined;
}

export function xsrfValid(req: FastifyRequest): boolean {
  const cookie = req.cookies[XSRF_COOKIE];
  const given = presented(req);
  if (!cookie || !given) return false;
  const a = Buffer.from(cookie);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
