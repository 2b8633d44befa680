// The environment a single-user server gets from the hub (protocol.md §1.2).
// JUPYTERHUB_SERVICE_URL is added by the spawner once it knows its bind address.
import { escapePathSegment } from '../domain/names.ts';

export interface ServerEnvInput {
  userName: string;
  serverName: string;
  /** The server's API token; also its OAuth client secret. */
  apiToken: string;
  clientId: string;
  /** App base URL, e.g. '/'. */
  baseUrl: string;
  /** e.g. /user/alice/ */
  servicePrefix: string;
  /** Hub API as reachable from the server, e.g. http://127.0.0.1:8081/hub/api (no trailing slash). */
  hubApiUrl: string;
  defaultUrl: string | null;
  notebookDir: string | null;
  /** singleuser.extraEnv (string values only; valueFrom entries are k8s-only). */
  extraEnv: Record<string, string>;
  /** singleuser.authStateEnv resolved for this user (hub/authStateEnv.ts), applied last. */
  authStateEnv?: Record<string, string>;
  /** Informational resource numbers (MEM_LIMIT etc.), when configured. */
  resources?: { memLimit?: number | null; memGuarantee?: number | null; cpuLimit?: number | null; cpuGuarantee?: number | null };
  debug?: boolean;
}

export function buildServerEnv(i: ServerEnvInput): Record<string, string> {
  const accessScopes = JSON.stringify([
    `access:servers!server=${i.userName}/${i.serverName}`,
    `access:servers!user=${i.userName}`,
  ]);
  const env: Record<string, string> = {
    JUPYTERHUB_API_TOKEN: i.apiToken,
    JPY_API_TOKEN: i.apiToken,
    JUPYTERHUB_CLIENT_ID: i.clientId,
    JUPYTERHUB_API_URL: i.hubApiUrl,
    JUPYTERHUB_ACTIVITY_URL: `${i.hubApiUrl}/users/${escapePathSegment(i.userName)}/activity`,
    JUPYTERHUB_BASE_URL: i.baseUrl,
    JUPYTERHUB_SERVICE_PREFIX: i.servicePrefix,
    JUPYTERHUB_OAUTH_CALLBACK_URL: `${i.servicePrefix}oauth_callback`,
    JUPYTERHUB_OAUTH_ACCESS_SCOPES: accessScopes,
    JUPYTERHUB_OAUTH_SCOPES: accessScopes,
    JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES: '[]',
    JUPYTERHUB_USER: i.userName,
    JUPYTERHUB_SERVER_NAME: i.serverName,
    JUPYTERHUB_HOST: '',
    JUPYTERHUB_COOKIE_HOST_PREFIX_ENABLED: '0',
    JUPYTERHUB_PUBLIC_URL: '',
    JUPYTERHUB_PUBLIC_HUB_URL: '',
  };
  if (i.defaultUrl) env.JUPYTERHUB_DEFAULT_URL = i.defaultUrl;
  if (i.notebookDir) env.JUPYTERHUB_ROOT_DIR = i.notebookDir;
  if (i.debug) env.JUPYTERHUB_DEBUG = '1';
  const r = i.resources;
  if (r?.memLimit != null) env.MEM_LIMIT = String(r.memLimit);
  if (r?.memGuarantee != null) env.MEM_GUARANTEE = String(r.memGuarantee);
  if (r?.cpuLimit != null) env.CPU_LIMIT = String(r.cpuLimit);
  if (r?.cpuGuarantee != null) env.CPU_GUARANTEE = String(r.cpuGuarantee);
  return { ...env, ...i.extraEnv, ...i.authStateEnv };
}
