// What the hub makes of hub.services.<name> at start (JupyterHub's Service): the proxy route
// /services/<name>/ for a service with a url, an OAuth client (the service's API token is the
// client secret) so a service can log users in like a user server does, and for a managed
// service (`command`) an API token generated when none is configured and its environment.
import type { Config } from '../config/index.ts';
import type { Store } from '../store/types.ts';
import type { WantedRoute } from '../domain/routeDiff.ts';
import { newTokenString, hashToken } from './tokens.ts';
import { ENV_KEEP } from '../spawner/childEnv.ts';

export const MANAGED_TOKEN_NOTE = 'hub-generated (managed service)';

export interface ServicePlan {
  name: string;
  admin: boolean;
  url: string | null;
  display: boolean;
  info: Record<string, unknown>;
  /** <baseUrl>services/<name>/ */
  prefix: string;
  /** null when the service is not an OAuth client (no url / redirect URI, or no token to be its secret). */
  oauth: { clientId: string; redirectUri: string; accessScope: string } | null;
  command: string[] | null;
  environment: Record<string, string>;
  cwd: string | null;
  /** The token the service uses (configured or generated for a managed service); never logged. */
  apiToken: string | null;
}

export function servicePrefix(baseUrl: string, name: string): string {
  return `${baseUrl}services/${encodeURIComponent(name)}/`;
}

/** Plans of all configured services (pure: the generated tokens are made here). */
export function planServices(config: Config, baseUrl: string): ServicePlan[] {
  return Object.entries(config.hub.services).map(([name, s]) => {
    const prefix = servicePrefix(baseUrl, name);
    const apiToken = s.apiToken ?? (s.command ? newTokenString() : null);
    const redirectUri = s.oauthRedirectUri ?? (s.url ? `${prefix}oauth_callback` : null);
    const oauth =
      apiToken && redirectUri
        ? { clientId: s.oauthClientId ?? `service-${name}`, redirectUri, accessScope: `access:services!service=${name}` }
        : null;
    return {
      name,
      admin: s.admin,
      url: s.url,
      display: s.display,
      info: s.info,
      prefix,
      oauth,
      command: s.command,
      environment: s.environment,
      cwd: s.cwd,
      apiToken,
    };
  });
}

/** Proxy routes of services with a url, marked as the hub's (JupyterHub: {service: name}). */
export function serviceRoutes(baseUrl: string, plans: readonly ServicePlan[]): WantedRoute[] {
  return plans
    .filter((p) => p.url)
    .map((p) => ({ path: p.prefix.slice(0, -1), target: p.url!.replace(/\/+$/, ''), data: { service: p.name, jupyterhub: true } }));
}

/**
 * Stores what the plans need: generated tokens of managed services (replacing the previous
 * start's), and the services' OAuth clients (secret = the service's token).
 */
export async function storeServicePlans(store: Store, plans: readonly ServicePlan[], now: Date): Promise<void> {
  for (const p of plans) {
    for (const t of await store.listTokens({ kind: 'service', name: p.name })) {
      if (t.note === MANAGED_TOKEN_NOTE) await store.deleteToken(t.id);
    }
    if (p.command && p.apiToken && !(await store.findTokenByHash(hashToken(p.apiToken)))) {
      await store.createToken(
        {
          owner: { kind: 'service', name: p.name },
          hash: hashToken(p.apiToken),
          scopes: ['inherit'],
          note: MANAGED_TOKEN_NOTE,
          expiresAt: null,
          sessionId: null,
          oauthClientId: null,
        },
        now,
      );
    }
    if (p.oauth && p.apiToken) {
      await store.upsertOAuthClient(
        {
          id: p.oauth.clientId,
          secretHash: hashToken(p.apiToken),
          redirectUri: p.oauth.redirectUri,
          description: p.name,
          allowedScopes: [],
          accessScope: p.oauth.accessScope,
        },
        now,
      );
    }
  }
}

/** The environment of a managed service (JupyterHub's Service.start), over a short allow-list of the hub's. */
export function serviceEnv(p: ServicePlan, o: { hubEnv: NodeJS.ProcessEnv; hubApiUrl: string; baseUrl: string }): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ENV_KEEP) {
    const v = o.hubEnv[k];
    if (v !== undefined) env[k] = v;
  }
  Object.assign(env, p.environment);
  env.JUPYTERHUB_SERVICE_NAME = p.name;
  env.JUPYTERHUB_API_URL = o.hubApiUrl;
  env.JUPYTERHUB_BASE_URL = o.baseUrl;
  env.JUPYTERHUB_HOST = '';
  if (p.apiToken) env.JUPYTERHUB_API_TOKEN = p.apiToken;
  if (p.url) {
    env.JUPYTERHUB_SERVICE_URL = p.url;
    env.JUPYTERHUB_SERVICE_PREFIX = p.prefix;
  }
  if (p.oauth) {
    env.JUPYTERHUB_CLIENT_ID = p.oauth.clientId;
    env.JUPYTERHUB_OAUTH_CALLBACK_URL = p.oauth.redirectUri;
    env.JUPYTERHUB_OAUTH_SCOPES = JSON.stringify([p.oauth.accessScope]);
    env.JUPYTERHUB_OAUTH_ACCESS_SCOPES = JSON.stringify([p.oauth.accessScope]);
    env.JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES = JSON.stringify([]);
  }
  return env;
}
