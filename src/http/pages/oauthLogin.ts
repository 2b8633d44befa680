// /hub/oauth_login and /hub/oauth_callback for any RedirectAuthenticator (OAuth 2.0 / OpenID
// Connect providers, MediaWiki's OAuth 1.0a). What the authenticator must remember between the
// two (state, PKCE verifier, nonce, request token secret) and where to go afterwards travel in
// a signed, HttpOnly, SameSite=Lax cookie with an expiry inside, used once.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../context.ts';
import { html, layout } from '../html.ts';
import { cookieOptions, isSecure, sign, startSession, unsign } from '../session.ts';
import { safeNext } from './nav.ts';
import { decideLogin } from '../../auth/pipeline.ts';
import { AuthSourceError, type RedirectAuthenticator } from '../../auth/types.ts';
import { HubError } from '../../hub/errors.ts';
import { ensureUser } from '../../hub/loginCompletion.ts';

export const OAUTH_STATE_COOKIE = 'nbhub-oauth-state';
/** How long a sign-in at the provider may take. */
const PENDING_TTL_MS = 10 * 60 * 1000;

interface PendingLogin {
  /** What the authenticator asked to keep. */
  p: Record<string, unknown>;
  /** Where to go after the login. */
  n: string;
  /** The callback URL the provider was given (the code exchange must repeat it). */
  c: string;
  /** Expiry, ms since the epoch. */
  e: number;
}

/** The hub's callback URL as the browser reaches it (oauthenticator's guess from the request). */
export function callbackUrlOf(ctx: HubContext, req: FastifyRequest): string {
  const host = String(req.headers.host ?? '127.0.0.1');
  return `${isSecure(req) ? 'https' : 'http'}://${host}${ctx.hubPrefix}oauth_callback`;
}

function redirectAuthenticator(ctx: HubContext): RedirectAuthenticator {
  const a = ctx.authenticator;
  if (a.usesPasswordForm) throw new HubError(404, 'This hub signs people in with a username and password form', `oauth route with ${a.kind}`);
  return a;
}

function readPending(ctx: HubContext, req: FastifyRequest): PendingLogin | null {
  const raw = req.cookies[OAUTH_STATE_COOKIE];
  if (!raw) return null;
  const value = unsign(ctx.cookieSecret, raw);
  if (!value) return null;
  try {
    const p = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as PendingLogin;
    if (typeof p.e !== 'number' || p.e < ctx.now().getTime() || typeof p.c !== 'string' || typeof p.p !== 'object' || p.p === null) return null;
    return p;
  } catch {
    return null;
  }
}

const TITLES: Record<number, string> = { 400: 'Sign-in failed', 403: 'Not allowed', 500: 'Sign-in not set up', 502: 'Identity provider failed' };

/** The error page of a failed sign-in, with a way to try again. */
function signInErrorPage(ctx: HubContext, status: number, message: string): string {
  const title = TITLES[status] ?? 'Sign-in failed';
  const body = html`<div class="card"><h1>${status} : ${title}</h1><p id="error-message">${message}</p>
<div class="actions"><a class="btn primary" id="sign_in_again" href="${ctx.hubPrefix}login">Sign in again</a> <a class="btn" href="${ctx.hubPrefix}home">Home</a></div></div>`;
  return layout({ title, hubPrefix: ctx.hubPrefix, body });
}

/** An identity provider's failure: its status and message for the user, the cause in the log. */
function sendAuthSourceError(ctx: HubContext, reply: FastifyReply, e: AuthSourceError, kind: string): FastifyReply {
  ctx.logger.warn({ authenticator: kind, status: e.status, detail: e.logDetail }, 'login at the identity provider failed');
  return reply.status(e.status).type('text/html; charset=utf-8').send(signInErrorPage(ctx, e.status, e.userMessage));
}

export function registerOAuthLoginPages(app: FastifyInstance, ctx: HubContext): void {
  app.get('/oauth_login', async (req, reply) => {
    const a = redirectAuthenticator(ctx);
    const q = req.query as Record<string, string | undefined>;
    const next = safeNext(ctx, req, q.next) ?? '';
    const callbackUrl = callbackUrlOf(ctx, req);
    let redirectUrl: string;
    let pending: Record<string, unknown>;
    try {
      ({ redirectUrl, pending } = await a.beginLogin({ callbackUrl }));
    } catch (e) {
      if (e instanceof AuthSourceError) return sendAuthSourceError(ctx, reply, e, a.kind);
      throw e;
    }
    const state: PendingLogin = { p: pending, n: next, c: callbackUrl, e: ctx.now().getTime() + PENDING_TTL_MS };
    reply.setCookie(OAUTH_STATE_COOKIE, sign(ctx.cookieSecret, Buffer.from(JSON.stringify(state)).toString('base64url')), {
      ...cookieOptions(ctx, req, ctx.hubPrefix),
      maxAge: PENDING_TTL_MS / 1000,
    });
    return reply.redirect(redirectUrl, 302);
  });

  app.get('/oauth_callback', async (req, reply) => {
    const a = redirectAuthenticator(ctx);
    const query = new URLSearchParams(req.url.split('?')[1] ?? '');
    const pending = readPending(ctx, req);
    // one use only: a replayed callback finds no cookie
    reply.clearCookie(OAUTH_STATE_COOKIE, { path: ctx.hubPrefix });
    try {
      if (!pending && !query.has('error')) {
        throw new AuthSourceError(
          'This sign-in was not started in this browser, or took longer than 10 minutes. Please sign in again.',
          req.cookies[OAUTH_STATE_COOKIE] ? 'OAuth state cookie invalid or expired' : 'OAuth state cookie missing',
          400,
        );
      }
      const result = await a.completeLogin({ callbackUrl: pending?.c ?? callbackUrlOf(ctx, req), query, pending: pending?.p ?? {} });
      const outcome = await decideLogin(a, result, ctx.loginPolicy);
      if (!outcome.ok) {
        ctx.logger.info({ reason: outcome.reason, authenticator: a.kind }, 'failed login');
        return reply.status(403).type('text/html; charset=utf-8').send(signInErrorPage(ctx, 403, outcome.userMessage));
      }
      await ensureUser(ctx, outcome);
      await startSession(ctx, req, reply, outcome.name);
      ctx.logger.info({ user: outcome.name, authenticator: a.kind }, 'user logged in');
      return reply.redirect(pending?.n || ctx.hubPrefix, 302);
    } catch (e) {
      if (e instanceof AuthSourceError) return sendAuthSourceError(ctx, reply, e, a.kind);
      throw e;
    }
  });
}
