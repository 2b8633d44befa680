// What the HTTP layer needs from the hub. Built once by src/hub/app.ts.
import type { Logger } from 'pino';
import type { Store } from '../store/types.ts';
import type { Authenticator, LoginPolicy } from '../auth/types.ts';
import type { ServerManager } from '../hub/servers.ts';
import type { ProxyClient } from '../proxy/types.ts';
import type { IdentityCache } from './identity.ts';
import type { ProfileFormModel } from '../spawner/kubernetes/profiles.ts';
import type { AuthStates } from '../hub/authStates.ts';
import type { AuthRefresher } from '../hub/authRefresh.ts';
import type { HubMetrics } from '../hub/metrics.ts';
import type { ShareStore } from '../store/shares.ts';

export interface ServiceInfo {
  name: string;
  admin: boolean;
  url: string | null;
  display: boolean;
  info: Record<string, unknown>;
  /** <baseUrl>services/<name>/ when the service has a url. */
  prefix?: string | null;
  /** Command of a hub-managed service, else null. */
  command?: string[] | null;
  /** PID of a managed service's process, 0 when not running. */
  pid?: () => number;
}

export interface NativeSignup {
  openSignup: boolean;
  signUp(name: string, password: string, bootstrapToken?: string): Promise<{ ok: true; approved: boolean } | { ok: false; message: string }>;
  listAccounts(): Promise<{ name: string; approved: boolean; created: Date }[]>;
  approve(name: string, approved: boolean): Promise<boolean>;
  /** An admin creates an approved account with a password. */
  adminCreate(name: string, password: string): Promise<{ ok: true } | { ok: false; message: string }>;
}

export interface HubContext {
  store: Store;
  servers: ServerManager;
  proxy: ProxyClient;
  authenticator: Authenticator;
  loginPolicy: LoginPolicy;
  /** Users' auth state, decrypted on read and sealed on write (no-op when auth.state is off). */
  authStates: AuthStates;
  /** Re-checks users with the authenticator when their auth is stale, and before spawns. */
  authRefresh: AuthRefresher;
  adminUsers: ReadonlySet<string>;
  /** /hub/login goes straight to the identity provider (auth.autoLogin; redirect authenticators only). */
  autoLogin?: boolean;
  /** Admins may open other users' servers (auth.admin.access). */
  adminAccess: boolean;
  native: NativeSignup | null;
  services: ReadonlyMap<string, ServiceInfo>;
  identities: IdentityCache;
  logger: Logger;
  now: () => Date;
  /** PEP 440 version sent as X-JupyterHub-Version. */
  version: string;
  /** App base URL, '/' by default. */
  baseUrl: string;
  /** baseUrl + 'hub/' */
  hubPrefix: string;
  cookieSecret: Buffer;
  cookieMaxAgeMs: number;
  redirectToServer: boolean;
  allowNamedServers: boolean;
  namedServerLimitPerUser: number | null;
  shutdownOnLogout: boolean;
  /** OAuth clients that skip the consent page (services with oauthNoConfirm). */
  oauthNoConfirm: ReadonlySet<string>;
  /** Seconds the spawn API waits before answering 202 (JupyterHub: slow_spawn_timeout). */
  slowSpawnTimeoutMs: number;
  slowStopTimeoutMs: number;
  /** The spawn options form (singleuser.profileList), or null when there is nothing to choose. */
  spawnForm: ProfileFormModel | null;
  /** Shares and share codes (sharing); absent: the sharing endpoints answer 404. */
  shares?: ShareStore;
  /** Prometheus metrics (/hub/metrics); null: not served. */
  metrics?: HubMetrics | null;
  /** /hub/metrics needs read:metrics (hub.authenticatePrometheus, default true). */
  authenticatePrometheus?: boolean;
  /** Brings the proxy's routes in line with the hub's now (POST /hub/api/proxy). */
  syncRoutes?: () => Promise<void>;
  /** POST /hub/api/shutdown: stop the hub (and the users' servers when `servers`). */
  requestShutdown?: (o: { servers: boolean; proxy: boolean }) => void;
  /** Bootstrap tokens for admins of the native authenticator (one-time sign-up). */
  bootstrap: { check(name: string, token: string): Promise<boolean>; consume(name: string): Promise<void> } | null;
}
