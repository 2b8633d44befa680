// Login sessions: `jupyterhub-hub-login` (signed random id, HttpOnly, path /hub/) mapped to a
// store row, and the unsigned `jupyterhub-session-id` at the app root (protocol.md §2.6).
import { createHmac, randomBytes, timingSafeEqual, randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from './context.ts';
import { hashToken } from '../hub/tokens.ts';

export const LOGIN_COOKIE = 'jupyterhub-hub-login';
export const SESSION_ID_COOKIE = 'jupyterhub-session-id';
export const XSRF_COOKIE = '_xsrf';

export function sign(secret: Buffer, value: string): string {
  const mac = createHmac('sha256', secret).update(value).digest('base64url');
  return `${value}.${mac}`;
}

export function unsign(secret: Buffer, signed: string): string | null {
  const dot = signed.lastIndexOf('.');
  if (dot <= 0) return null;
  const value = signed.slice(0, dot);
  const given = Buffer.from(signed.slice(dot + 1));
  const want = Buffer.from(createHmac('sha256', secret).update(value).digest('base64url'));
  return given.length === want.length && timingSafeEqual(given, want) ? value : null;
}

export function isSecure(req: FastifyRequest): boolean {
  const proto = req.headers['x-forwarded-proto'];
  const first = (Array.isArray(proto) ? proto[0] : proto)?.split(',')[0].trim();
  return first === 'https' || req.protocol === 'https';
}

export function cookieOptions(ctx: HubContext, req: FastifyRequest, path: string, httpOnly = true) {
  return {
    path,
    httpOnly,
    sameSite: 'lax' as const,
    secure: isSecure(req),
  };
}

export interface ActiveSession {
  userName: string;
  sessionId: string;
}

/** Reads and verifies the login cookie. */
export async function readSession(ctx: HubContext, req: FastifyRequest): Promise<ActiveSession | null> {
  const raw = req.cookies[LOGIN_COOKIE];
  if (!raw) return null;
  const id = unsign(ctx.cookieSecret, raw);
  if (!id) return null;
  const s = await ctx.store.getSession(hashToken(id));
  if (!s || s.expiresAt.getTime() <= ctx.now().getTime()) return null;
  return { userName: s.userName, sessionId: s.sessionId };
}

/** Starts a login session for `userName`; keeps an existing jupyterhub-session-id. */
export async function startSession(ctx: HubContext, req: FastifyRequest, reply: FastifyReply, userName: string): Promise<string> {
  const id = randomBytes(32).toString('base64url');
  const existing = req.cookies[SESSION_ID_COOKIE];
  const sessionId = existing && /^[0-9a-f]{32}$/.test(existing) ? existing : randomUUID().replace(/-/g, '');
  const now = ctx.now();
  await ctx.store.createSession({
    idHash: hashToken(id),
    userName,
    sessionId,
    created: now,
    expiresAt: new Date(now.getTime() + ctx.cookieMaxAgeMs),
  });
  reply.setCookie(LOGIN_COOKIE, sign(ctx.cookieSecret, id), {
    ...cookieOptions(ctx, req, ctx.hubPrefix),
    maxAge: Math.floor(ctx.cookieMaxAgeMs / 1000),
  });
  reply.setCookie(SESSION_ID_COOKIE, sessionId, cookieOptions(ctx, req, ctx.baseUrl));
  return sessionId;
}

/** Ensures the browser has a jupyterhub-session-id (set at authorize if missing). */
export function ensureSessionId(ctx: HubContext, req: FastifyRequest, reply: FastifyReply): string {
  const existing = req.cookies[SESSION_ID_COOKIE];
  if (existing && /^[0-9a-f]{32}$/.test(existing)) return existing;
  const sessionId = randomUUID().replace(/-/g, '');
  reply.setCookie(SESSION_ID_COOKIE, sessionId, cookieOptions(ctx, req, ctx.baseUrl));
  return sessionId;
}

export async function endSession(ctx: HubContext, req: FastifyRequest, reply: FastifyReply): Promise<ActiveSession | null> {
  const s = await readSession(ctx, req);
  const raw = req.cookies[LOGIN_COOKIE];
  const id = raw ? unsign(ctx.cookieSecret, raw) : null;
  if (id) await ctx.store.deleteSession(hashToken(id));
  const sid = s?.sessionId ?? req.cookies[SESSION_ID_COOKIE];
  if (sid) await ctx.store.deleteTokens({ sessionId: sid });
  reply.clearCookie(LOGIN_COOKIE, { path: ctx.hubPrefix });
  reply.clearCookie(SESSION_ID_COOKIE, { path: ctx.baseUrl });
  reply.clearCookie(XSRF_COOKIE, { path: ctx.hubPrefix });
  reply.clearCookie('jupyterhub-services', { path: `${ctx.baseUrl}services/` });
  return s;
}
