// /hub/accept-share?code=… (JupyterHub 5.5 AcceptShareHandler): a logged-in user sees what a
// share code grants and confirms; the code is exchanged for a share of their own and they are
// sent to the server. The code travels in the query and form only, never in logs.
import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../context.ts';
import { html, layout } from '../html.ts';
import { xsrfToken, xsrfValid } from '../csrf.ts';
import { requirePageUser, safeNext } from './nav.ts';
import { HubError } from '../../hub/errors.ts';
import { hashToken } from '../../hub/tokens.ts';
import { serverPrefix } from '../../domain/names.ts';

export function registerAcceptSharePages(app: FastifyInstance, ctx: HubContext): void {
  app.get<{ Querystring: { code?: string; next?: string } }>('/accept-share', async (req, reply) => {
    const id = await requirePageUser(ctx, req, reply);
    if (!id) return reply;
    const code = req.query.code ?? '';
    const found = code && ctx.shares ? await ctx.shares.findCode(hashToken(code), ctx.now()) : null;
    if (!found) throw new HubError(404, 'Share not found or expired');
    if (found.owner === id.name) throw new HubError(403, "You can't share with yourself!");
    const xsrf = xsrfToken(ctx, req, reply);
    const what = found.serverName ? `${found.owner}'s server ${found.serverName}` : `${found.owner}'s server`;
    const body = html`<h1>Accept a share</h1>
<p><strong>${found.owner}</strong> shares ${what} with you. Accepting grants you:</p>
<ul>${found.scopes.map((s) => html`<li><code>${s}</code></li>`)}</ul>
<form method="post" action="${ctx.hubPrefix}accept-share">
<input type="hidden" name="_xsrf" value="${xsrf}"><input type="hidden" name="code" value="${code}">
${req.query.next ? html`<input type="hidden" name="next" value="${req.query.next}">` : ''}
<div class="actions"><button class="btn primary" type="submit">Accept</button><a class="btn" href="${ctx.hubPrefix}home">Cancel</a></div>
</form>`;
    return reply.type('text/html; charset=utf-8').send(layout({ title: 'Accept share', hubPrefix: ctx.hubPrefix, user: id, body }));
  });

  app.post<{ Body: { code?: string; next?: string } }>('/accept-share', async (req, reply) => {
    const id = await requirePageUser(ctx, req, reply);
    if (!id) return reply;
    if (!xsrfValid(req)) throw new HubError(403, 'The form expired; open the share link again');
    const code = typeof req.body?.code === 'string' ? req.body.code : '';
    const found = code && ctx.shares ? await ctx.shares.findCode(hashToken(code), ctx.now()) : null;
    if (!found) throw new HubError(400, 'Invalid or expired share code');
    if (found.owner === id.name) throw new HubError(400, "You can't share with yourself!");
    const share = await ctx.shares!.exchange(hashToken(code), id.name, ctx.now());
    if (!share) throw new HubError(400, 'Invalid or expired share code');
    ctx.identities.invalidate();
    ctx.logger.info({ user: id.name, owner: share.owner, server: share.serverName }, 'accepted a share code');
    const next = safeNext(ctx, req, typeof req.body?.next === 'string' ? req.body.next : undefined);
    return reply.redirect(next ?? serverPrefix(ctx.baseUrl, share.owner, share.serverName), 302);
  });
}
