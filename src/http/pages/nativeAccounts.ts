// /hub/authorize (the name NativeAuthenticator uses): admins approve pending sign-ups,
// revoke accounts, and create accounts with a password.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from '../context.ts';
import { html, layout } from '../html.ts';
import { xsrfToken, xsrfValid } from '../csrf.ts';
import { can } from '../authz.ts';
import { requirePageUser } from './nav.ts';
import { HubError } from '../../hub/errors.ts';
import { isoTime } from '../models.ts';

export function registerNativeAccountPages(app: FastifyInstance, ctx: HubContext): void {
  const native = ctx.native;
  if (!native) return;

  const page = async (req: FastifyRequest, reply: FastifyReply, notice?: { ok?: string; error?: string }) => {
    const id = await requirePageUser(ctx, req, reply);
    if (!id) return reply;
    if (!can(id, 'admin:users')) throw new HubError(403, 'Only administrators can manage accounts');
    const xsrf = xsrfToken(ctx, req, reply);
    const accounts = await native.listAccounts();
    const action = `${ctx.hubPrefix}authorize`;
    const body = html`<div class="card"><h1>Accounts</h1>
${notice?.ok ? html`<p id="notice">${notice.ok}</p>` : ''}${notice?.error ? html`<div class="error" role="alert">${notice.error}</div>` : ''}
<table id="accounts"><thead><tr><th>User</th><th>Created</th><th>Status</th><th></th></tr></thead><tbody>
${accounts.map(
  (a) => html`<tr><td>${a.name}</td><td class="muted">${isoTime(a.created)}</td><td>${a.approved ? 'approved' : 'waiting for approval'}</td>
<td><form method="post" action="${action}"><input type="hidden" name="_xsrf" value="${xsrf}"><input type="hidden" name="username" value="${a.name}">
<input type="hidden" name="action" value="${a.approved ? 'revoke' : 'approve'}"><button class="btn${a.approved ? ' danger' : ' primary'}" type="submit">${a.approved ? 'Revoke' : 'Approve'}</button></form></td></tr>`,
)}
</tbody></table>
<h2 style="font-size:18px;margin-top:28px">Create an account</h2>
<form method="post" action="${action}"><input type="hidden" name="_xsrf" value="${xsrf}"><input type="hidden" name="action" value="create">
<label for="new_username">Username</label><input id="new_username" type="text" name="username" autocapitalize="off" required>
<label for="new_password">Password</label><input id="new_password" type="password" name="password" autocomplete="new-password" required>
<div class="actions"><button class="btn primary" type="submit">Create account</button></div></form></div>`;
    return reply.type('text/html; charset=utf-8').send(layout({ title: 'Accounts', hubPrefix: ctx.hubPrefix, user: id, body }));
  };

  app.get('/authorize', (req, reply) => page(req, reply));
  app.post('/authorize', async (req, reply) => {
    const id = await requirePageUser(ctx, req, reply);
    if (!id) return reply;
    if (!can(id, 'admin:users')) throw new HubError(403, 'Only administrators can manage accounts');
    if (!xsrfValid(req)) throw new HubError(403, 'Form expired; reload the page and try again');
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = typeof body.username === 'string' ? body.username : '';
    switch (body.action) {
      case 'approve':
      case 'revoke': {
        const ok = await native.approve(name, body.action === 'approve');
        return page(req, reply, ok ? { ok: `${name}: ${body.action === 'approve' ? 'approved' : 'revoked'}.` } : { error: `No account named ${name}.` });
      }
      case 'create': {
        const r = await native.adminCreate(name, typeof body.password === 'string' ? body.password : '');
        return page(req, reply, r.ok ? { ok: `Account ${name} created.` } : { error: r.message });
      }
      default:
        throw new HubError(400, 'Unknown action');
    }
  });
}
