// /hub/ (where to go), /hub/home (start / stop / open my server), /hub/user-redirect/…
import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../context.ts';
import { html, layout } from '../html.ts';
import { xsrfToken } from '../csrf.ts';
import { pageIdentity } from '../guard.ts';
import { requirePageUser } from './nav.ts';
import { serverPrefix } from '../../domain/names.ts';
import { isoTime } from '../models.ts';

export function registerHomePages(app: FastifyInstance, ctx: HubContext): void {
  app.get('/', async (req, reply) => {
    const id = await pageIdentity(ctx, req);
    if (!id) return reply.redirect(`${ctx.hubPrefix}login?next=${encodeURIComponent(ctx.hubPrefix)}`, 302);
    if (!ctx.redirectToServer) return reply.redirect(`${ctx.hubPrefix}home`, 302);
    if (ctx.servers.isReady(id.name, '')) return reply.redirect(serverPrefix(ctx.baseUrl, id.name, ''), 302);
    if (ctx.servers.pending(id.name, '') === 'spawn') return reply.redirect(`${ctx.hubPrefix}spawn-pending/${encodeURIComponent(id.name)}`, 302);
    return reply.redirect(`${ctx.hubPrefix}home`, 302);
  });

  app.get('/home', async (req, reply) => {
    const id = await requirePageUser(ctx, req, reply);
    if (!id) return reply;
    const xsrf = xsrfToken(ctx, req, reply);
    const servers = await ctx.store.listServersOfUser(id.name);
    const def = servers.find((s) => s.name === '');
    const ready = ctx.servers.isReady(id.name, '');
    const pending = ctx.servers.pending(id.name, '');
    const url = serverPrefix(ctx.baseUrl, id.name, '');
    const spawnUrl = `${ctx.hubPrefix}spawn/${encodeURIComponent(id.name)}`;
    const status = ready ? 'running' : pending === 'spawn' ? 'starting' : pending === 'stop' ? 'stopping' : 'stopped';
    const named = servers.filter((s) => s.name !== '');
    const body = html`<div class="card">
<h1>Hello, ${id.name}</h1>
<p>Your server is <strong id="server-status">${status}</strong>${def?.started && ready ? html` <span class="muted">(started ${isoTime(def.started)})</span>` : ''}.</p>
${def?.lastFailure && !ready && !pending ? html`<div class="error">Last start failed: ${def.lastFailure.message}</div>` : ''}
<div class="actions">
${ready ? html`<a id="start" class="btn primary" href="${url}">My Server</a>` : html`<a id="start" class="btn primary" href="${spawnUrl}">${pending === 'spawn' ? 'Show progress' : 'Start My Server'}</a>`}
${ready || pending === 'spawn' ? html`<button id="stop" class="btn danger" type="button">Stop My Server</button>` : ''}
</div>
${ctx.allowNamedServers
    ? html`<h2 style="font-size:18px;margin-top:28px">Named servers</h2>
<table><thead><tr><th>Name</th><th>Status</th><th></th></tr></thead><tbody>
${named.map((s) => {
  const r = ctx.servers.isReady(id.name, s.name);
  const su = serverPrefix(ctx.baseUrl, id.name, s.name);
  return html`<tr><td>${s.name}</td><td>${r ? 'running' : ctx.servers.pending(id.name, s.name) ?? 'stopped'}</td>
<td>${r ? html`<a class="btn" href="${su}">Open</a>` : html`<a class="btn" href="${spawnUrl}/${encodeURIComponent(s.name)}">Start</a>`}</td></tr>`;
})}
</tbody></table>
<form class="actions" onsubmit="event.preventDefault();var n=this.elements.name.value.trim();if(n)location.href=${JSON.stringify(`${spawnUrl}/`)}+encodeURIComponent(n);">
<input type="text" name="name" placeholder="new server name" style="max-width:240px"><button class="btn" type="submit">Add new server</button></form>`
    : ''}
</div>`;
  const script = `
(function(){
  var stop = document.getElementById('stop'); if (!stop) return;
  stop.addEventListener('click', function(){
    stop.disabled = true; stop.textContent = 'Stopping...';
    fetch(${JSON.stringify(`${ctx.hubPrefix}api/users/${encodeURIComponent(id.name)}/server`)}, {method: 'DELETE', headers: {'X-XSRFToken': ${JSON.stringify(xsrf)}}, credentials: 'same-origin'})
      .then(function(r){
        if (r.status === 202) { return new Promise(function(res){ setTimeout(res, 1000); }); }
        if (!r.ok) throw new Error('stop failed: ' + r.status);
      })
      .then(function(){ window.location.reload(); })
      .catch(function(e){ stop.textContent = String(e.message || e); });
  });
})();`;
  return reply
    .type('text/html; charset=utf-8')
    .send(layout({ title: 'Home', hubPrefix: ctx.hubPrefix, user: id, body, script, nativeAccounts: ctx.native !== null }));
  });

  // Shareable "open this on my own server" links (JupyterLab's shareUrl).
  app.get<{ Params: { '*': string } }>('/user-redirect/*', async (req, reply) => {
    const id = await requirePageUser(ctx, req, reply);
    if (!id) return reply;
    const rest = req.url.slice(`${ctx.hubPrefix}user-redirect/`.length);
    const target = `${serverPrefix(ctx.baseUrl, id.name, '')}${rest}`;
    if (ctx.servers.isReady(id.name, '')) return reply.redirect(target, 302);
    return reply.redirect(`${ctx.hubPrefix}spawn/${encodeURIComponent(id.name)}?next=${encodeURIComponent(target)}`, 302);
  });
}
