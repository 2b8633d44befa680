// Composition root: store, secrets, authenticator, spawner, proxy, HTTP app, restore and
// background loops. `startHub` is what `nbhub start` and the end-to-end tests run.
import http from 'node:http';
import { mkdir, chmod } from 'node:fs/promises';
import { randomBytes, createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import type { Store } from '../store/types.ts';
import type { Authenticator } from '../auth/types.ts';
import { openStore } from '../store/index.ts';
import { buildHttpApp } from '../http/app.ts';
import type { HubContext, ServiceInfo } from '../http/context.ts';
import { IdentityCache } from '../http/identity.ts';
import { ReplicaPresence, heartbeatMsFromEnv, replicaIdFromEnv } from './replica.ts';
import { ServerManager } from './servers.ts';
import { buildAuth } from './authSetup.ts';
import { buildAuthStates } from './authStates.ts';
import { AuthRefresher } from './authRefresh.ts';
import { authStateEnv } from './authStateEnv.ts';
import { buildSpawner, resolveCmd } from './spawnerSetup.ts';
import { buildProxy, type ProxySetup } from './proxySetup.ts';
import { syncServiceTokens } from './services.ts';
import { planServices, serviceEnv, serviceRoutes, storeServicePlans } from './serviceSetup.ts';
import { ManagedServices } from './managedServices.ts';
import { checkUpgradeAllowed, dbUrlWithPassword } from './dbSettings.ts';
import { ShareStore } from '../store/shares.ts';
import { defineCustomScopes } from '../domain/scopes.ts';
import { HubMetrics, instrumentProxy, instrumentReconciler, instrumentServers } from './metrics.ts';
import { RouteReconciler } from './reconcile.ts';
import { Culler } from './culler.ts';
import { HUB_VERSION } from './version.ts';
import { loadRoles } from '../domain/roles.ts';
import { profileFormModel } from '../spawner/kubernetes/profiles.ts';

export interface StartHubOptions {
  config: Config;
  dataDir: string;
  /** Public proxy address. */
  ip: string;
  port: number;
  logger: Logger;
  now?: () => Date;
  /**
   * An Authenticator object used instead of the one auth.type names (nbhub embedded from
   * TypeScript); the login policy still comes from `auth:`.
   */
  authenticator?: Authenticator;
}

export interface RunningHub {
  /** Public URL people open, e.g. http://127.0.0.1:8000/ */
  url: string;
  /** The hub's own address (behind the proxy). */
  hubUrl: string;
  store: Store;
  servers: ServerManager;
  /** null when cull.enabled is false. */
  culler: Culler | null;
  /** Resolves when the hub stopped itself after POST /hub/api/shutdown. */
  stopped: Promise<void>;
  close(): Promise<void>;
}

/** The hub's internal port is chosen once and kept, so re-adopted servers can still reach it. */
async function hubPort(store: Store, configured: number): Promise<number> {
  if (configured) return configured;
  const saved = await store.getSetting('hub_port');
  return saved ? Number(saved) : 0;
}

async function cookieSecret(store: Store, configured: string | null): Promise<Buffer> {
  if (configured) {
    return /^[0-9a-f]{64}$/i.test(configured) ? Buffer.from(configured, 'hex') : createHash('sha256').update(configured).digest();
  }
  const v = await store.setSettingIfAbsent('cookie_secret', randomBytes(32).toString('hex'));
  return Buffer.from(v, 'hex');
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : port);
    });
  });
}

export async function startHub(o: StartHubOptions): Promise<RunningHub> {
  const { config, logger } = o;
  const now = o.now ?? (() => new Date());
  const startupBegan = Date.now();
  await mkdir(o.dataDir, { recursive: true });
  await chmod(o.dataDir, 0o711);
  const store = await openStore({ type: config.hub.db.type, url: dbUrlWithPassword(config.hub.db.url, config.hub.db.password), dataDir: o.dataDir, logger });
  await checkUpgradeAllowed(store.db, config.hub.db.upgrade).catch(async (e: unknown) => {
    await store.close();
    throw e;
  });
  await store.migrate();
  // before anything listens: auth state enabled without a usable key is a start error
  const authStates = await Promise.resolve()
    .then(() => buildAuthStates(config, store, logger.child({ component: 'auth-state' })))
    .catch(async (e: unknown) => {
      await store.close();
      throw e;
    });
  const baseUrl = config.hub.baseUrl.endsWith('/') ? config.hub.baseUrl : `${config.hub.baseUrl}/`;
  const hubPrefix = `${baseUrl}hub/`;
  const secret = await cookieSecret(store, config.hub.cookieSecret);

  const servicePlans = planServices(config, baseUrl);
  const managedServices = new ManagedServices(logger.child({ component: 'services' }));
  const services = new Map<string, ServiceInfo>();
  for (const p of servicePlans) {
    services.set(p.name, { name: p.name, admin: p.admin, url: p.url, display: p.display, info: p.info, prefix: p.prefix, command: p.command, pid: () => managedServices.pid(p.name) });
  }
  defineCustomScopes(config.hub.customScopes);
  const roles = loadRoles(config.hub.loadRoles, 'hub.loadRoles', { adminAccess: config.auth.admin.access });
  // sharing: scopes shared with a user (directly or through a group) join their own
  const shareStore = new ShareStore(store.db);
  const identities = new IdentityCache(store, services, roles, now, (user, groups) => shareStore.scopesSharedWith(user, groups));
  const auth = await buildAuth(config, store, logger);
  if (o.authenticator) auth.authenticator = o.authenticator;

  // Hub HTTP server first, so the proxy's '/' route has somewhere to point.
  const hubServer = http.createServer();
  let port = await hubPort(store, config.hub.port);
  try {
    port = await listen(hubServer, port, config.hub.ip);
  } catch (e) {
    if (!config.hub.port && (e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      logger.warn({ port }, 'the hub port used before is taken; picking a new one (running servers will reconnect after a restart)');
      port = await listen(hubServer, 0, config.hub.ip);
    } else throw e;
  }
  await store.setSetting('hub_port', String(port));
  const hubHost = config.hub.ip === '0.0.0.0' ? '127.0.0.1' : config.hub.ip;
  // how the proxy and user servers reach the hub: hub.connectUrl (e.g. http://hub:8081 in a cluster) or the bind address
  const hubUrl = (config.hub.connectUrl ?? `http://${hubHost}:${port}`).replace(/\/+$/, '');

  const proxy: ProxySetup = await buildProxy({ config, logger, hubUrl, hubPrefix, ip: o.ip, port: o.port, now, dataDir: o.dataDir, secret });
  const spawner = buildSpawner(config, o.dataDir, logger);
  // this replica's heartbeat; after each beat, the work of replicas that stopped is taken over
  const presence = new ReplicaPresence({
    store,
    id: replicaIdFromEnv(),
    intervalMs: heartbeatMsFromEnv(),
    now,
    logger,
    afterBeat: async () => {
      servers.setPeersAlive((await presence.liveReplicas()).some((r) => r.id !== presence.id));
      void servers.recoverExpired().catch((err) => logger.warn({ err }, 'taking over the work of stopped replicas failed'));
    },
  });
  // every replica's proxy routes every ready server: reconcile when another replica's changes
  let reconcileSoon = (): void => undefined;
  const servers = new ServerManager({
    replica: presence,
    onRemoteServersChanged: () => reconcileSoon(),
    store,
    spawner,
    proxy: proxy.client,
    logger,
    now,
    onCredentialsRevoked: () => identities.invalidate(),
    authStateEnv: Object.keys(config.singleuser.authStateEnv).length
      ? async (user) => authStateEnv(config.singleuser.authStateEnv, await authStates.read(user), logger, user)
      : undefined,
    // {userid}: the identity source's stable id (MediaWiki's sub) when it has one, else the hub's user id
    userId: async (user) => {
      const u = await store.getUser(user);
      if (!u) return undefined;
      return auth.authenticator.stableUserId?.(await authStates.read(u)) ?? String(u.id);
    },
    settings: {
      baseUrl,
      hubApiUrl: `${hubUrl}${hubPrefix}api`,
      cmd: resolveCmd(config),
      args: config.singleuser.args,
      defaultUrl: config.singleuser.defaultUrl,
      notebookDir: config.singleuser.notebookDir,
      extraEnv: stringEnv(config.singleuser.extraEnv),
      startTimeoutMs: config.singleuser.startTimeout * 1000,
      httpTimeoutMs: config.singleuser.httpTimeout * 1000,
      stopGraceMs: config.spawner.stopGraceSeconds * 1000,
      concurrentSpawnLimit: config.hub.concurrentSpawnLimit,
      activeServerLimit: config.hub.activeServerLimit,
      debug: config.debug.enabled,
    },
  });

  const authRefresh = new AuthRefresher({
    store,
    authenticator: auth.authenticator,
    policy: auth.policy,
    authStates,
    maxAgeMs: config.auth.refresh.maxAgeSeconds * 1000,
    preSpawn: config.auth.refresh.preSpawn ?? config.auth.state.enabled,
    logger,
    now,
    onChanged: () => identities.invalidate(),
    stopServers: async (user) => {
      await Promise.all((await store.listServersOfUser(user)).map((s) => servers.stop(user, s.name)));
    },
  });

  // Prometheus metrics (/hub/metrics), observed from outside the server manager and proxy client
  const metrics = new HubMetrics({ store, proxy: proxy.client, servers });
  instrumentServers(servers, metrics);
  instrumentProxy(proxy.client, metrics);
  // set once the route reconciler and the hub's close() exist (below)
  let syncRoutes: () => Promise<void> = async () => {};
  let shutdown: (o: { servers: boolean; proxy: boolean }) => Promise<void> = async () => {};
  const ctx: HubContext = {
    store,
    servers,
    proxy: proxy.client,
    authenticator: auth.authenticator,
    loginPolicy: auth.policy,
    authStates,
    authRefresh,
    adminUsers: auth.adminUsers,
    adminAccess: config.auth.admin.access,
    autoLogin: config.auth.autoLogin,
    native: auth.native,
    services,
    identities,
    logger,
    now,
    version: config.hub.version ?? HUB_VERSION,
    baseUrl,
    hubPrefix,
    cookieSecret: secret,
    cookieMaxAgeMs: config.hub.cookieMaxAgeDays * 86_400_000,
    redirectToServer: config.hub.redirectToServer,
    allowNamedServers: config.hub.allowNamedServers,
    namedServerLimitPerUser: config.hub.namedServerLimitPerUser,
    shutdownOnLogout: config.hub.shutdownOnLogout,
    oauthNoConfirm: new Set(servicePlans.filter((p) => p.oauth && config.hub.services[p.name].oauthNoConfirm).map((p) => p.oauth!.clientId)),
    slowSpawnTimeoutMs: 10_000,
    slowStopTimeoutMs: 10_000,
    bootstrap: auth.bootstrap,
    syncRoutes: () => syncRoutes(),
    shares: shareStore,
    metrics,
    authenticatePrometheus: config.hub.authenticatePrometheus !== false,
    requestShutdown: (o) => void shutdown(o),
    spawnForm: config.singleuser.profileList.length ? profileFormModel(config) : null,
  };
  const app = buildHttpApp(ctx);
  await app.ready();
  hubServer.on('request', (req, res) => app.routing(req, res));

  await syncServiceTokens(store, config, now);
  await storeServicePlans(store, servicePlans, now());
  await auth.afterStart();
  await proxy.client.addRoute('/', hubUrl, { hub: true, jupyterhub: true });
  const endInitSpawners = metrics.initSpawners.startTimer();
  await servers.restore();
  endInitSpawners();
  await presence.start();
  const reconciler = new RouteReconciler({ store, servers, proxy: proxy.client, hubUrl, baseUrl, logger, now, extraRoutes: serviceRoutes(baseUrl, servicePlans) });
  instrumentReconciler(reconciler, metrics);
  reconciler.start(30_000);
  syncRoutes = () => reconciler.runOnce();
  reconcileSoon = () => void reconciler.runOnce();
  // a proxy that outlived the previous hub (proxy.separateProcess) may hold routes nobody wants any more
  await reconciler.runOnce();
  // hub-managed services (hub.services.<name>.command), with their API token and hub URLs
  const hubApiUrl = `${hubUrl}${hubPrefix}api`;
  managedServices.start(servicePlans, (p) => serviceEnv(p, { hubEnv: process.env, hubApiUrl, baseUrl }), o.dataDir);
  const cull = config.cull;
  const culler = cull.enabled
    ? new Culler({
        store,
        servers,
        refreshActivity: () => reconciler.runOnce(),
        policy: {
          timeoutSeconds: cull.timeout,
          maxAgeSeconds: cull.maxAge,
          users: cull.users,
          adminUsers: cull.adminUsers,
          removeNamedServers: cull.removeNamedServers,
        },
        concurrency: cull.concurrency,
        logger: logger.child({ component: 'culler' }),
        now,
      })
    : null;
  // singleton work: one replica at a time holds its lease (kept while it runs, taken over after)
  const leaseSlackMs = 3 * heartbeatMsFromEnv();
  culler?.start(cull.every * 1000, () => presence.holdLease('culler', cull.every * 1000 + leaseSlackMs));
  const sweepExpired = async () => {
    if (await presence.holdLease('expiry-sweep', 3_600_000 + leaseSlackMs)) await store.deleteExpired(now());
  };
  const expiry = setInterval(() => sweepExpired().catch((err) => logger.warn({ err }, 'expiry sweep failed')), 3_600_000);
  expiry.unref();

  const url = `${proxy.publicUrl}${baseUrl.slice(1)}`;
  metrics.hubStartup.observe((Date.now() - startupBegan) / 1000);
  metrics.startActiveUsers(now);
  logger.info({ url, hub: hubUrl, spawner: spawner.kind, auth: auth.authenticator.kind }, 'nbhub is running');
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  const running: RunningHub = {
    url,
    hubUrl,
    store,
    servers,
    culler,
    stopped,
    async close() {
      await managedServices.stop();
      metrics.stop();
      await presence.stop();
      culler?.stop();
      reconciler.stop();
      clearInterval(expiry);
      await servers.close();
      await proxy.close();
      await new Promise<void>((r) => hubServer.close(() => r()));
      hubServer.closeAllConnections();
      await app.close();
      await spawner.close();
      await store.close();
    },
  };
  // POST /hub/api/shutdown: stop the users' servers when asked, then the hub (which stops an in-process proxy)
  shutdown = async (o) => {
    logger.info({ servers: o.servers, proxy: o.proxy }, 'shutdown requested through the API');
    try {
      if (o.servers) {
        const active = await store.listActiveServers();
        await Promise.all(active.map((s) => servers.stop(s.userName, s.name).catch((err) => logger.warn({ err, user: s.userName, server: s.name }, 'could not stop a server at shutdown'))));
      }
      await running.close();
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
    }
    resolveStopped();
  };
  return running;
}

function stringEnv(env: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
  return out;
}
