// /hub/login, /hub/logout, /hub/signup (native authenticator).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../context.ts';
import { html, layout } from '../html.ts';
import { xsrfToken, xsrfValid } from '../csrf.ts';
import { endSession, readSession, startSession } from '../session.ts';
import { safeNext } from './nav.ts';
import { runLogin } from '../../auth/pipeline.ts';
import { AuthSourceError } from '../../auth/types.ts';
import { HubError } from '../../hub/errors.ts';
import { ensureUser } from '../../hub/loginCompletion.ts';

function loginPage(ctx: HubContext, xsrf: string, next: string, opts: { error?: string; username?: string; notice?: string } = {}): string {
  const a = ctx.authenticator;
  const action = `${ctx.hubPrefix}login${next ? `?next=${encodeURIComponent(next)}` : ''}`;
  const body = html`<div class="card" style="max-width:420px;margin:0 auto">
<h1>Sign in</h1>
${opts.notice ? html`<p class="muted">${opts.notice}</p>` : ''}
${opts.error ? html`<div class="error" role="alert">${opts.error}</div>` : ''}
${a.usesPasswordForm
    ? html`<form method="post" action="${action}">
<input type="hidden" name="_xsrf" value="${xsrf}">
<label for="username_input">Username</label>
<input id="username_input" type="text" name="username" autocomplete="username" autocapitalize="off" autocorrect="off" value="${opts.username ?? ''}" required autofocus>
<label for="password_input">Password</label>
<input id="password_input" type="password" name="password" autocomplete="current-password">
<div class="actions"><button class="btn primary" id="login_submit" type="submit">Sign in</button></div>
</form>`
    : html`<div class="actions"><a class="btn primary" id="provider_login" href="${ctx.hubPrefix}oauth_login?next=${encodeURIComponent(next)}">Sign in with ${a.displayName}</a></div>`}
${ctx.native ? html`<p class="muted">No account yet? <a href="${ctx.hubPrefix}signup">Sign up</a></p>` : ''}
</div>`;
  return layout({ title: 'Sign in', hubPrefix: ctx.hubPrefix, body });
}

export function registerLoginPages(app: FastifyInstance, ctx: HubContext): void {
  app.get('/login', async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const next = safeNext(ctx, req, q.next);
    const s = await readSession(ctx, req);
    if (s && (await ctx.store.getUser(s.userName))) return reply.redirect(next ?? ctx.hubPrefix, 302);
    // auth.autoLogin: no login page, straight to the identity provider
    if (ctx.autoLogin && !ctx.authenticator.usesPasswordForm) return reply.redirect(`${ctx.hubPrefix}oauth_login?next=${encodeURIComponent(next ?? '')}`, 302);
    const xsrf = xsrfToken(ctx, req, reply);
    return reply.type('text/html; charset=utf-8').send(loginPage(ctx, xsrf, next ?? ''));
  });

  app.post('/login', async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    const next = safeNext(ctx, req, q.next) ?? ctx.hubPrefix;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const username = typeof body.username === 'string' ? body.username : '';
    const password = typeof body.password === 'string' ? body.password : '';
    if (!xsrfValid(req)) {
      const xsrf = xsrfToken(ctx, req, reply);
      return reply.status(403).type('text/html; charset=utf-8').send(
        loginPage(ctx, xsrf, next, { error: 'Your session form expired. Please try again.', username }),
      );
    }
    const a = ctx.authenticator;
    if (!a.usesPasswordForm) throw new HubError(404, `This hub logs in with ${a.displayName}`);
    let outcome;
    try {
      outcome = await runLogin(a, { username, password }, ctx.loginPolicy);
    } catch (e) {
      // the identity source itself failed (LDAP directory down): say so on the form, keep serving
      if (!(e instanceof AuthSourceError)) throw e;
      ctx.logger.warn({ detail: e.logDetail }, 'login failed: the identity source did not answer');
      const xsrf = xsrfToken(ctx, req, reply);
      return reply.status(e.status).type('text/html; charset=utf-8').send(loginPage(ctx, xsrf, next, { error: e.userMessage, username }));
    }
    if (!outcome.ok) {
      ctx.logger.info({ reason: outcome.reason }, 'failed login');
      const xsrf = xsrfToken(ctx, req, reply);
      return reply.status(403).type('text/html; charset=utf-8').send(loginPage(ctx, xsrf, next, { error: outcome.userMessage, username }));
    }
    await ensureUser(ctx, outcome);
    await startSession(ctx, req, reply, outcome.name);
    ctx.logger.info({ user: outcome.name }, 'user logged in');
    return reply.redirect(next, 302);
  });

  app.get('/logout', async (req, reply) => {
    const s = await endSession(ctx, req, reply);
    if (s && ctx.shutdownOnLogout) {
      for (const srv of await ctx.store.listServersOfUser(s.userName)) await ctx.servers.stop(s.userName, srv.name);
    }
    ctx.identities.invalidate();
    // an identity provider's logout page (oauthenticator's logout_redirect_url), else the login page
    return reply.redirect(ctx.authenticator.logoutRedirectUrl || `${ctx.hubPrefix}login`, 302);
  });

  if (ctx.native) registerSignup(app, ctx);
}

// Kept exported from here for the callers that import it with the login pages.
export { ensureUser, type LoginSuccess } from '../../hub/loginCompletion.ts';

function signupPage(ctx: HubContext, xsrf: string, o: { error?: string; ok?: string; username?: string; bootstrap?: boolean }): string {
  const body = html`<div class="card" style="max-width:420px;margin:0 auto">
<h1>Create an account</h1>
${o.error ? html`<div class="error" role="alert">${o.error}</div>` : ''}
${o.ok ? html`<p>${o.ok} <a href="${ctx.hubPrefix}login">Sign in</a></p>` : ''}
<form method="post" action="${ctx.hubPrefix}signup">
<input type="hidden" name="_xsrf" value="${xsrf}">
<label for="username_input">Username</label>
<input id="username_input" type="text" name="username" autocapitalize="off" value="${o.username ?? ''}" required>
<label for="password_input">Password</label>
<input id="password_input" type="password" name="password" autocomplete="new-password" required>
${ctx.bootstrap ? html`<label for="bootstrap_input">Admin set-up token <span class="muted">(first admin only: printed in the hub's log at first start)</span></label>
<input id="bootstrap_input" type="password" name="bootstrap_token" autocomplete="off">` : ''}
<div class="actions"><button class="btn primary" type="submit">Create account</button></div>
</form></div>`;
  return layout({ title: 'Sign up', hubPrefix: ctx.hubPrefix, body });
}

function registerSignup(app: FastifyInstance, ctx: HubContext): void {
  const native = ctx.native!;
  app.get('/signup', async (req, reply) => {
    const xsrf = xsrfToken(ctx, req, reply);
    return reply.type('text/html; charset=utf-8').send(signupPage(ctx, xsrf, {}));
  });
  app.post('/signup', async (req: FastifyRequest, reply: FastifyReply) => {
    if (!xsrfValid(req)) throw new HubError(403, 'Form expired; reload the page and try again');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const username = typeof body.username === 'string' ? body.username : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const bootstrapToken = typeof body.bootstrap_token === 'string' && body.bootstrap_token ? body.bootstrap_token : undefined;
    const xsrf = xsrfToken(ctx, req, reply);
    const r = await native.signUp(username, password, bootstrapToken);
    if (!r.ok) return reply.status(400).type('text/html; charset=utf-8').send(signupPage(ctx, xsrf, { error: r.message, username }));
    const ok = r.approved ? 'Your account was created.' : 'Your account was created and waits for an administrator to approve it.';
    return reply.type('text/html; charset=utf-8').send(signupPage(ctx, xsrf, { ok }));
  });
}
