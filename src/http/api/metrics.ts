// GET /hub/metrics and /hub/api/metrics (Prometheus text format), protected by read:metrics
// unless hub.authenticatePrometheus is false; and the request-duration histogram, labelled with
// JupyterHub's handler class names so the community dashboards' queries match.
import type { FastifyInstance } from 'fastify';
import type { HubContext } from '../context.ts';
import { requireScope } from '../guard.ts';

const API = 'jupyterhub.apihandlers';
const PAGES = 'jupyterhub.handlers';
/** Route (below the hub prefix) → JupyterHub 5.5's handler class. */
const HANDLERS: Record<string, string> = {
  '/api': `${API}.hub.RootAPIHandler`,
  '/api/': `${API}.hub.RootAPIHandler`,
  '/api/info': `${API}.hub.InfoAPIHandler`,
  '/api/shutdown': `${API}.hub.ShutdownAPIHandler`,
  '/api/user': `${API}.users.SelfAPIHandler`,
  '/api/users': `${API}.users.UserListAPIHandler`,
  '/api/users/:name': `${API}.users.UserAPIHandler`,
  '/api/users/:name/activity': `${API}.users.ActivityAPIHandler`,
  '/api/users/:name/server': `${API}.users.UserServerAPIHandler`,
  '/api/users/:name/servers/:server_name': `${API}.users.UserServerAPIHandler`,
  '/api/users/:name/server/progress': `${API}.users.SpawnProgressAPIHandler`,
  '/api/users/:name/servers/:server_name/progress': `${API}.users.SpawnProgressAPIHandler`,
  '/api/users/:name/tokens': `${API}.users.UserTokenListAPIHandler`,
  '/api/users/:name/tokens/:token_id': `${API}.users.UserTokenAPIHandler`,
  '/api/groups': `${API}.groups.GroupListAPIHandler`,
  '/api/groups/:name': `${API}.groups.GroupAPIHandler`,
  '/api/groups/:name/users': `${API}.groups.GroupUsersAPIHandler`,
  '/api/groups/:name/properties': `${API}.groups.GroupPropertiesAPIHandler`,
  '/api/services': `${API}.services.ServiceListAPIHandler`,
  '/api/services/:name': `${API}.services.ServiceAPIHandler`,
  '/api/proxy': `${API}.proxy.ProxyAPIHandler`,
  '/api/oauth2/authorize': `${API}.auth.OAuthAuthorizeHandler`,
  '/api/oauth2/token': `${API}.auth.OAuthTokenHandler`,
  '/api/metrics': `${PAGES}.metrics.MetricsHandler`,
  '/metrics': `${PAGES}.metrics.MetricsHandler`,
  '/api/health': `${PAGES}.pages.HealthCheckHandler`,
  '/health': `${PAGES}.pages.HealthCheckHandler`,
  '/': `${PAGES}.pages.RootHandler`,
  '/home': `${PAGES}.pages.HomeHandler`,
  '/login': `${PAGES}.login.LoginHandler`,
  '/logout': `${PAGES}.login.LogoutHandler`,
  '/spawn': `${PAGES}.pages.SpawnHandler`,
  '/spawn/:user': `${PAGES}.pages.SpawnHandler`,
  '/spawn/:user/:server': `${PAGES}.pages.SpawnHandler`,
  '/spawn-pending/:user': `${PAGES}.pages.SpawnPendingHandler`,
  '/spawn-pending/:user/:server': `${PAGES}.pages.SpawnPendingHandler`,
  '/user-redirect/*': `${PAGES}.base.UserUrlHandler`,
  '/error/:code': `${PAGES}.pages.ProxyErrorHandler`,
  '/token': `${PAGES}.pages.TokenPageHandler`,
  '/admin': `${PAGES}.pages.AdminHandler`,
  '/signup': 'nativeauthenticator.handlers.SignUpHandler',
  '/authorize': 'nativeauthenticator.handlers.AuthorizationHandler',
  '/oauth_login': 'oauthenticator.oauth2.OAuthLoginHandler',
  '/oauth_callback': 'oauthenticator.oauth2.OAuthCallbackHandler',
};

export function handlerName(hubPrefixNoSlash: string, routeUrl: string | undefined): string {
  if (!routeUrl) return 'jupyterhub.handlers.base.Template404';
  const rel = routeUrl.startsWith(hubPrefixNoSlash) ? routeUrl.slice(hubPrefixNoSlash.length) || '/' : routeUrl;
  return HANDLERS[rel] ?? (rel.startsWith('/user/') ? `${PAGES}.base.UserUrlHandler` : `nbhub${rel}`);
}

/** Registers the request-duration hook on the root app (so 404s and redirects count too). */
export function registerRequestMetrics(app: FastifyInstance, ctx: HubContext): void {
  const m = ctx.metrics;
  if (!m) return;
  const prefix = ctx.hubPrefix.replace(/\/$/, '');
  app.addHook('onResponse', async (req, reply) => {
    const code = String(reply.statusCode);
    m.requestDuration.labels(req.method, handlerName(prefix, req.routeOptions.url), code).observe(reply.elapsedTime / 1000);
    m.apiRequests.labels(code).inc();
  });
}

export function registerMetricsApi(app: FastifyInstance, ctx: HubContext): void {
  const m = ctx.metrics;
  if (!m) return;
  const handler = async (req: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => {
    if (ctx.authenticatePrometheus) await requireScope(ctx, req, ['read:metrics']);
    const body = await m.registry.metrics();
    return reply.status(200).type(m.registry.contentType).send(body);
  };
  app.get('/metrics', handler);
  app.get('/api/metrics', handler);
}
