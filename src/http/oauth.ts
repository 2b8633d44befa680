// The hub's OAuth2 provider for single-user servers and services (protocol.md §2.2, §2.3):
// GET/POST /hub/api/oauth2/authorize (a browser page, cookie-authenticated) and
// POST /hub/api/oauth2/token (server to server, client credentials in the form body).
// The rules are in src/domain/oauth.ts; this file wires them to HTTP and the store.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HubContext } from './context.ts';
import { pageIdentity, json } from './guard.ts';
import { loginRedirect } from './pages/nav.ts';
import { ensureSessionId } from './session.ts';
import { xsrfToken, xsrfValid } from './csrf.ts';
import { html, layout } from './html.ts';
import { HubError } from '../hub/errors.ts';
import { hashToken, newTokenString } from '../hub/tokens.ts';
import {
  validateAuthorizeParams,
  canAccessClient,
  grantScopes,
  consentNeeded,
  newAuthorizationCode,
  codeRedirectUrl,
  errorRedirectUrl,
  parseTokenRequest,
  authenticateClient,
  checkAuthorizationCode,
  tokenResponseBody,
  oauthErrorBody,
  hashSecret,
  TOKEN_RESPONSE_HEADERS,
} from '../domain/oauth.ts';

export function registerOAuthProvider(app: FastifyInstance, ctx: HubContext): void {
  const authorize = async (req: FastifyRequest, reply: FastifyReply) => {
    const id = await pageIdentity(ctx, req);
    if (!id || id.kind !== 'user') return loginRedirect(ctx, req, reply);
    const query = (req.query ?? {}) as Record<string, unknown>;
    const client = typeof query.client_id === 'string' ? await ctx.store.getOAuthClient(query.client_id) : null;
    const check = validateAuthorizeParams(query, client);
    if (!check.ok) {
      if (check.mode === 'page') throw new HubError(check.status, check.message);
      return reply.redirect(errorRedirectUrl(check.redirectUri, check.error, check.state), 302);
    }
    // `!group=` grants (e.g. access:servers!group=class) cover the servers of the group's members
    const serverUser = /^access:servers!server=([^/]+)\//.exec(client!.accessScope)?.[1];
    const ownerGroups = serverUser ? await ctx.store.groupsOfUser(serverUser) : [];
    if (!canAccessClient(id.scopes, client!, (u) => (u === serverUser ? ownerGroups : []))) {
      throw new HubError(403, `You do not have permission to access ${client!.description || client!.id}`);
    }
    const grant = grantScopes({
      requested: check.request.requestedScopes,
      client: client!,
      user: { kind: 'user', name: id.name, groups: id.groups },
      userScopes: id.scopes,
      roles: ctx.identities.roles,
      groupsOf: (u) => (u === serverUser ? ownerGroups : u === id.name ? id.groups : []),
    });
    if (!grant.ok) return reply.redirect(errorRedirectUrl(check.request.redirectUri, grant.error, check.request.state), 302);
    if (consentNeeded(client!, id.name, ctx.oauthNoConfirm)) {
      if (req.method !== 'POST') {
        const xsrf = xsrfToken(ctx, req, reply);
        return reply.type('text/html; charset=utf-8').send(consentPage(ctx, id, client!.description || client!.id, grant.scopes, req.url, xsrf));
      }
      if (!xsrfValid(req)) throw new HubError(403, 'Form expired; reload the page and try again');
    }
    const sessionId = ensureSessionId(ctx, req, reply);
    const { code, record } = newAuthorizationCode({
      clientId: client!.id,
      userName: id.name,
      scopes: grant.scopes,
      redirectUri: check.request.redirectUri,
      sessionId,
      now: ctx.now(),
      randomToken: () => randomBytes(32).toString('base64url'),
    });
    await ctx.store.createOAuthCode(record);
    return reply.redirect(codeRedirectUrl(check.request.redirectUri, code, check.request.state), 302);
  };
  app.get('/api/oauth2/authorize', authorize);
  app.post('/api/oauth2/authorize', authorize);

  app.post('/api/oauth2/token', async (req, reply) => {
    const form = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    const parsed = parseTokenRequest(form, req.headers.authorization);
    const fail = (e: { status: number; error: string; error_description: string }) =>
      json(reply.headers(TOKEN_RESPONSE_HEADERS), e.status, oauthErrorBody(e as Parameters<typeof oauthErrorBody>[0]));
    if (!parsed.ok) return fail(parsed.error);
    const request = parsed.request;
    const client = await ctx.store.getOAuthClient(request.clientId);
    const clientError = authenticateClient(client, request);
    if (clientError) return fail(clientError);
    const code = await ctx.store.takeOAuthCode(hashSecret(request.code));
    const codeError = checkAuthorizationCode(code, request, client!, ctx.now());
    if (codeError) return fail(codeError);
    const token = newTokenString();
    const expiresIn = Math.floor(ctx.cookieMaxAgeMs / 1000);
    await ctx.store.createToken(
      {
        owner: { kind: 'user', name: code!.userName },
        hash: hashToken(token),
        scopes: code!.scopes,
        note: `OAuth token for ${client!.description || client!.id}`,
        expiresAt: new Date(ctx.now().getTime() + expiresIn * 1000),
        sessionId: code!.sessionId,
        oauthClientId: client!.id,
      },
      ctx.now(),
    );
    reply.headers(TOKEN_RESPONSE_HEADERS);
    return json(reply, 200, tokenResponseBody(token, expiresIn, code!.scopes));
  });
}

function consentPage(ctx: HubContext, id: { name: string; admin: boolean }, clientName: string, scopes: string[], action: string, xsrf: string): string {
  const body = html`<div class="card"><h1>Authorize access</h1>
<p><strong>${clientName}</strong> would like to act on your behalf with these permissions:</p>
<ul>${scopes.map((s) => html`<li><code>${s}</code></li>`)}</ul>
<form method="post" action="${action}"><input type="hidden" name="_xsrf" value="${xsrf}">
<div class="actions"><button class="btn primary" type="submit">Authorize</button><a class="btn" href="${ctx.hubPrefix}home">Cancel</a></div></form></div>`;
  return layout({ title: 'Authorize', hubPrefix: ctx.hubPrefix, user: id, body });
}
