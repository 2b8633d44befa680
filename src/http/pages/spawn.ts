// /hub/spawn[/user[/server]] starts a server (then shows the pending page);
// /hub/spawn-pending/... shows live progress, the failure with its reason, or redirects when ready.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../context.ts';
import { html, layout } from '../html.ts';
import { xsrfToken } from '../csrf.ts';
import { can } from '../authz.ts';
import { requirePageUser, safeNext } from './nav.ts';
import { ReloginRequiredError, requestSpawn } from '../api/servers.ts';
import { HubError } from '../../hub/errors.ts';
import { serverPrefix } from '../../domain/names.ts';
import type { ProgressMessage } from '../../hub/progress.ts';
import { renderOptionsForm, optionsFromForm } from './spawnOptions.ts';
import { xsrfValid } from '../csrf.ts';

type P = { user?: string; server?: string };

function target(ctx: HubContext, req: FastifyRequest<{ Params: P }>, me: string): { user: string; server: string } {
  const user = req.params.user ?? me;
  const server = req.params.server ?? '';
  if (server && !ctx.allowNamedServers) throw new HubError(400, 'Named servers are not enabled on this hub');
  return { user, server };
}

function pendingUrl(ctx: HubContext, user: string, server: string, next: string | null): string {
  const path = `${ctx.hubPrefix}spawn-pending/${encodeURIComponent(user)}${server ? `/${encodeURIComponent(server)}` : ''}`;
  return next ? `${path}?next=${encodeURIComponent(next)}` : path;
}

export function registerSpawnPages(app: FastifyInstance, ctx: HubContext): void {
  const spawn = async (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) => {
    const id = await requirePageUser(ctx, req, reply);
    if (!id) return reply;
    const { user, server } = target(ctx, req, id.name);
    if (!can(id, 'servers', { server: `${user}/${server}` })) throw new HubError(403, `You do not have permission to start ${user}'s server`);
    if (!(await ctx.store.getUser(user))) throw new HubError(404, `No such user: ${user}`);
    const next = safeNext(ctx, req, (req.query as Record<string, string | undefined>).next);
    const url = serverPrefix(ctx.baseUrl, user, server);
    if (ctx.servers.isReady(user, server)) return reply.redirect(next ?? url, 302);
    if (ctx.servers.pending(user, server) !== 'spawn') {
      let options: Record<string, unknown> = {};
      if (ctx.spawnForm) {
        if (req.method !== 'POST') {
          const xsrf = xsrfToken(ctx, req, reply);
          const body = html`<div class="card"><h1>Server options</h1>${renderOptionsForm(ctx.spawnForm, req.url, xsrf)}</div>`;
          return reply.type('text/html; charset=utf-8').send(layout({ title: 'Server options', hubPrefix: ctx.hubPrefix, user: id, body }));
        }
        if (!xsrfValid(req)) throw new HubError(403, 'Form expired; reload the page and try again');
        options = optionsFromForm((req.body ?? {}) as Record<string, unknown>);
      }
      let rt;
      try {
        rt = await requestSpawn(ctx, user, server, options);
      } catch (e) {
        if (!(e instanceof ReloginRequiredError)) throw e;
        return reply.status(403).type('text/html; charset=utf-8').send(reloginPage(ctx, id, e, req.url));
      }
      // Give fast servers (and fast failures) a second before showing the pending page.
      await Promise.race([rt.settled, new Promise((r) => setTimeout(r, 1000))]);
      if (ctx.servers.isReady(user, server)) return reply.redirect(next ?? url, 302);
    }
    return reply.redirect(pendingUrl(ctx, user, server, next), 302);
  };
  app.get<{ Params: P }>('/spawn', spawn);
  app.get<{ Params: P }>('/spawn/:user', spawn);
  app.get<{ Params: P }>('/spawn/:user/:server', spawn);
  app.post<{ Params: P }>('/spawn', spawn);
  app.post<{ Params: P }>('/spawn/:user', spawn);
  app.post<{ Params: P }>('/spawn/:user/:server', spawn);

  const pending = async (req: FastifyRequest<{ Params: P }>, reply: FastifyReply) => {
    const id = await requirePageUser(ctx, req, reply);
    if (!id) return reply;
    const { user, server } = target(ctx, req, id.name);
    if (!can(id, 'read:servers', { server: `${user}/${server}` })) throw new HubError(403, `You do not have permission to see ${user}'s server`);
    const next = safeNext(ctx, req, (req.query as Record<string, string | undefined>).next);
    const url = serverPrefix(ctx.baseUrl, user, server);
    if (ctx.servers.isReady(user, server)) return reply.redirect(next ?? url, 302);
    const xsrf = xsrfToken(ctx, req, reply);
    const p = ctx.servers.pending(user, server);
    const progressUrl = `${ctx.hubPrefix}api/users/${encodeURIComponent(user)}/${server ? `servers/${encodeURIComponent(server)}` : 'server'}/progress`;
    const spawnUrl = `${ctx.hubPrefix}spawn/${encodeURIComponent(user)}${server ? `/${encodeURIComponent(server)}` : ''}${next ? `?next=${encodeURIComponent(next)}` : ''}`;
    if (p === 'spawn') {
      return reply.type('text/html; charset=utf-8').send(progressPage(ctx, id, user, progressUrl, xsrf, spawnUrl));
    }
    const last = ctx.servers.progressOf(user, server)?.last;
    const rec = await ctx.store.getServer(user, server);
    const failure: ProgressMessage | null = last?.failed
      ? last
      : rec?.lastFailure
        ? { progress: 100, failed: true, message: `Spawn failed: ${rec.lastFailure.message}`, exit_code: rec.lastFailure.exitCode, log_tail: rec.lastFailure.logTail }
        : null;
    if (failure) return reply.status(500).type('text/html; charset=utf-8').send(failurePage(ctx, id, user, failure, spawnUrl));
    return reply.status(424).type('text/html; charset=utf-8').send(notRunningPage(ctx, id, user, spawnUrl));
  };
  app.get<{ Params: P }>('/spawn-pending/:user', pending);
  app.get<{ Params: P }>('/spawn-pending/:user/:server', pending);
}

/** auth.refresh.preSpawn found the owner's login expired or revoked: their sessions were ended. */
function reloginPage(ctx: HubContext, id: { name: string; admin: boolean }, e: ReloginRequiredError, spawnPath: string): string {
  const mine = e.userName === id.name;
  const loginUrl = `${ctx.hubPrefix}login?next=${encodeURIComponent(spawnPath)}`;
  const body = mine
    ? html`<div class="card"><h1>Please log in again</h1>
<p id="relogin-message">${e.userMessage}</p>
<div class="actions"><a id="relogin" class="btn primary" href="${loginUrl}">Log in again</a></div></div>`
    : html`<div class="card"><h1>${e.userName} must log in again</h1>
<p id="relogin-message">${e.userName}'s login has expired or was revoked, so their server cannot start until they log in again.</p>
<div class="actions"><a class="btn" href="${ctx.hubPrefix}home">Home</a></div></div>`;
  return layout({ title: 'Log in again', hubPrefix: ctx.hubPrefix, user: mine ? null : id, body });
}

function who(user: string, me: string): string {
  return user === me ? 'Your server' : `${user}'s server`;
}

export function notRunningPage(ctx: HubContext, id: { name: string; admin: boolean }, user: string, spawnUrl: string): string {
  const body = html`<div class="card"><h1>${who(user, id.name)} is not running</h1>
<p>Would you like to start it?</p>
<div class="actions"><a id="start" class="btn primary" href="${spawnUrl}">Launch server</a></div></div>`;
  return layout({ title: 'Server not running', hubPrefix: ctx.hubPrefix, user: id, body });
}

function failureBlock(f: ProgressMessage) {
  return html`<div class="error" id="failure" role="alert"><strong>${f.message}</strong>${
    f.exit_code !== undefined && f.exit_code !== null ? html`<br>Exit code: <code>${f.exit_code}</code>` : ''
  }</div>${f.log_tail && f.log_tail.length ? html`<p class="muted">Last lines of the server's output:</p><pre class="log" id="log-tail">${f.log_tail.join('\n')}</pre>` : ''}`;
}

function failurePage(ctx: HubContext, id: { name: string; admin: boolean }, user: string, f: ProgressMessage, spawnUrl: string): string {
  const body = html`<div class="card"><h1>${who(user, id.name)} failed to start</h1>${failureBlock(f)}
<div class="actions"><a class="btn primary" href="${spawnUrl}">Try again</a><a class="btn" href="${ctx.hubPrefix}home">Home</a></div></div>`;
  return layout({ title: 'Spawn failed', hubPrefix: ctx.hubPrefix, user: id, body });
}

function progressPage(ctx: HubContext, id: { name: string; admin: boolean }, user: string, progressUrl: string, xsrf: string, spawnUrl: string): string {
  const body = html`<div class="card"><h1>${who(user, id.name)} is starting up</h1>
<p id="message" class="muted">Server requested</p>
<progress id="progress-bar" max="100" value="0"></progress>
<ul class="events" id="events"></ul>
<div id="failure-box" hidden></div>
<div class="actions" id="retry" hidden><a class="btn primary" href="${spawnUrl}">Try again</a><a class="btn" href="${ctx.hubPrefix}home">Home</a></div>
</div>`;
  const script = `
(function(){
  var url = ${JSON.stringify(`${progressUrl}?_xsrf=${encodeURIComponent(xsrf)}`)};
  var src = new EventSource(url);
  var bar = document.getElementById('progress-bar'), msg = document.getElementById('message'), list = document.getElementById('events');
  function text(t){ return document.createTextNode(t); }
  src.onmessage = function(e){
    var ev; try { ev = JSON.parse(e.data); } catch (_) { return; }
    if (typeof ev.progress === 'number') bar.value = ev.progress;
    if (ev.message) { msg.textContent = ev.message; var li = document.createElement('li'); li.appendChild(text(ev.message)); list.appendChild(li); }
    if (ev.ready) { src.close(); window.location.reload(); }
    if (ev.failed) {
      src.close();
      var box = document.getElementById('failure-box'); box.hidden = false;
      var err = document.createElement('div'); err.className = 'error'; err.id = 'failure'; err.setAttribute('role','alert');
      var strong = document.createElement('strong'); strong.appendChild(text(ev.message)); err.appendChild(strong);
      if (ev.exit_code !== undefined && ev.exit_code !== null) { err.appendChild(document.createElement('br')); err.appendChild(text('Exit code: ' + ev.exit_code)); }
      box.appendChild(err);
      if (ev.log_tail && ev.log_tail.length) { var p = document.createElement('pre'); p.className = 'log'; p.id = 'log-tail'; p.appendChild(text(ev.log_tail.join('\\n'))); box.appendChild(p); }
      document.getElementById('retry').hidden = false;
      document.querySelector('h1').textContent = 'Spawn failed';
    }
  };
})();`;
  return layout({ title: 'Starting server', hubPrefix: ctx.hubPrefix, user: id, body, script });
}

