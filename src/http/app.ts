// The hub's HTTP application: REST API under /hub/api, the OAuth2 provider, and pages.
// Handlers parse, authorize, call one hub function and render; no orchestration here.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import querystring from 'node:querystring';
import type { HubContext } from './context.ts';
import { HubError } from '../hub/errors.ts';
import { registerRootApi } from './api/root.ts';
import { registerUsersApi } from './api/users.ts';
import { registerServersApi } from './api/servers.ts';
import { registerTokensApi } from './api/tokens.ts';
import { registerActivityApi } from './api/activity.ts';
import { registerGroupsApi } from './api/groups.ts';
import { registerServicesApi } from './api/services.ts';
import { registerProxyApi } from './api/proxy.ts';
import { registerAuthorizationsApi } from './api/authorizations.ts';
import { registerSharesApi } from './api/shares.ts';
import { registerMetricsApi, registerRequestMetrics } from './api/metrics.ts';
import { registerOAuthProvider } from './oauth.ts';
import { registerPages } from './pages/index.ts';
import { renderErrorPage } from './pages/error.ts';

export function buildHttpApp(ctx: HubContext): FastifyInstance {
  const app = Fastify({
    logger: false,
    trustProxy: true,
    bodyLimit: 10 * 1024 * 1024,
    routerOptions: { ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, maxParamLength: 1000 },
  });

  app.register(cookie);

  // Every body under /hub/api/ is JSON whatever its Content-Type, as JupyterHub reads it: none,
  // application/x-www-form-urlencoded (what `curl -d` sends) and text/plain included. The hub's
  // own HTML forms (login, sign-up, spawn form, token page) and the OAuth2 provider's token and
  // consent endpoints (RFC 6749: form-encoded) are urlencoded forms.
  const apiPrefix = `${ctx.hubPrefix}api/`;
  const oauthPrefix = `${apiPrefix}oauth2/`;
  const isApi = (req: FastifyRequest) => req.url.startsWith(apiPrefix) && !req.url.startsWith(oauthPrefix);
  app.removeContentTypeParser(['application/json', 'text/plain']);
  const parser =
    (other: (text: string) => unknown) =>
    (req: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
      try {
        done(null, isApi(req) ? parseJsonBody(String(body)) : other(String(body)));
      } catch (e) {
        done(e as Error, undefined);
      }
    };
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parser(parseJsonBody));
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, parser((t) => ({ ...querystring.parse(t) })));
  // Anything else: JSON on the API; the raw text elsewhere (handlers ignore it).
  app.addContentTypeParser('*', { parseAs: 'string' }, parser((t) => t));

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('X-JupyterHub-Version', ctx.version);
    return payload;
  });

  registerRequestMetrics(app, ctx);
  app.setErrorHandler((err: unknown, req, reply) => sendError(ctx, req, reply, err));
  app.setNotFoundHandler((req, reply) => sendError(ctx, req, reply, new HubError(404, 'Not found')));

  app.register(
    async (hub) => {
      registerRootApi(hub, ctx);
      registerUsersApi(hub, ctx);
      registerServersApi(hub, ctx);
      registerTokensApi(hub, ctx);
      registerActivityApi(hub, ctx);
      registerGroupsApi(hub, ctx);
      registerServicesApi(hub, ctx);
      registerProxyApi(hub, ctx);
      registerAuthorizationsApi(hub, ctx);
      registerSharesApi(hub, ctx);
      registerMetricsApi(hub, ctx);
      registerOAuthProvider(hub, ctx);
      registerPages(hub, ctx);
    },
    { prefix: ctx.hubPrefix.replace(/\/$/, '') },
  );

  // Anything outside /hub/ that reaches the hub (no route in the proxy) → /hub/<same path>.
  app.route({
    method: ['GET', 'HEAD'],
    url: '/*',
    handler: async (req, reply) => {
      const url = req.url;
      // nothing under /hub/ is left unanswered by the routes above: an unknown hub path is a 404
      if (!url.startsWith(ctx.baseUrl) || url.startsWith(ctx.hubPrefix)) return sendError(ctx, req, reply, new HubError(404, 'Not found'));
      let rest = url.slice(ctx.baseUrl.length);
      // /user/<name> and /services/<name> get their trailing slash first
      rest = rest.replace(/^(user|services)\/([^/?#]+)(?=$|\?)/, '$1/$2/');
      return reply.redirect(`${ctx.hubPrefix}${rest}`, 302);
    },
  });
  return app;
}

/** Empty bodies are common (spawn/stop/delete from the culler): undefined, which handlers read as {}. */
function parseJsonBody(body: string): unknown {
  const text = body.trim();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HubError(400, `Request body is not valid JSON: ${(e as Error).message}`);
  }
}

export function isApiRequest(ctx: HubContext, req: FastifyRequest): boolean {
  return req.url.startsWith(`${ctx.hubPrefix}api`);
}

export function sendError(ctx: HubContext, req: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  let status = 500;
  let message = 'Internal server error';
  if (err instanceof HubError) {
    status = err.status;
    message = err.userMessage;
    if (err.headers) reply.headers(err.headers);
    if (err.logDetail) ctx.logger.info({ status, path: req.url.split('?')[0], detail: err.logDetail }, message);
  } else if (isFastifyClientError(err)) {
    status = err.statusCode;
    message = err.message;
  } else {
    ctx.logger.error({ err, method: req.method, path: req.url.split('?')[0] }, 'unhandled error');
  }
  if (isApiRequest(ctx, req) && !req.url.startsWith(`${ctx.hubPrefix}api/oauth2/authorize`)) {
    return reply.status(status).type('application/json').send(JSON.stringify({ status, message }));
  }
  return reply.status(status).type('text/html; charset=utf-8').send(renderErrorPage(ctx, status, message));
}

function isFastifyClientError(e: unknown): e is { statusCode: number; message: string } {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { statusCode?: unknown }).statusCode === 'number' &&
    (e as { statusCode: number }).statusCode >= 400 &&
    (e as { statusCode: number }).statusCode < 500
  );
}
