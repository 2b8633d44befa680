// The proxy the hub drives, in one of three shapes:
// - built in (default): same process, in-memory routes;
// - its own process (proxy.separateProcess): `nbhub proxy` started detached and re-used by the
//   next hub, driven over CHP's REST API, so a hub crash never cuts users off;
// - external (proxy.api.url): a standalone CHP-compatible proxy someone else runs.
// proxy.https (manual, letsencrypt, offload) applies to the first two.
import { createHmac } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import type https from 'node:https';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import type { ProxyClient } from '../proxy/types.ts';
import { AcmeCertificates, routeAcmeClientLogs } from '../proxy/acme.ts';
import { ChpProxyClient } from '../proxy/chpClient.ts';
import { InProcessProxyClient } from '../proxy/inProcessClient.ts';
import { ensureProxyProcess } from '../proxy/managedProcess.ts';
import { MemoryRouteStore } from '../proxy/memoryRouteStore.ts';
import { createAcmeHttpServer, createPlainServer, createTlsServer, redirectToHttps } from '../proxy/publicServer.ts';
import { createProxy } from '../proxy/server.ts';

export interface ProxySetup {
  client: ProxyClient;
  /** Public URL with a trailing slash, e.g. http://127.0.0.1:8000/ */
  publicUrl: string;
  close(): Promise<void>;
}

export interface ProxySetupOptions {
  config: Config;
  logger: Logger;
  hubUrl: string;
  hubPrefix: string;
  ip: string;
  port: number;
  now: () => Date;
  /** The proxy process keeps its state, routes, certificates and log under <dataDir>/proxy. */
  dataDir: string;
  /** The hub's cookie secret: the proxy process's API token is derived from it unless proxy.secretToken is set. */
  secret: Buffer;
}

export class ProxySetupError extends Error {
  readonly code = 'PROXY_SETUP_INVALID';
}

function urlHost(ip: string): string {
  if (ip === '' || ip === '0.0.0.0') return '127.0.0.1';
  return ip.includes(':') ? `[${ip}]` : ip;
}

function listen(server: http.Server, port: number, ip: string, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(new ProxySetupError(`cannot listen on ${ip}:${port} for the ${what}: ${err.code ?? err.message}`));
    server.once('error', onError);
    server.listen(port, ip, () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

const closeServer = (server: http.Server | null) =>
  new Promise<void>((resolve) => (server === null || !server.listening ? resolve() : server.close(() => resolve())));

type HttpsMode = 'none' | 'manual' | 'letsencrypt' | 'offload';

function httpsMode(config: Config): HttpsMode {
  const h = config.proxy.https;
  if (!h.enabled) return 'none';
  if (h.type === 'secret') {
    throw new ProxySetupError('proxy.https.type secret reads a Kubernetes TLS secret and only works in the Helm chart; use manual or letsencrypt here');
  }
  return h.type;
}

export async function buildProxy(o: ProxySetupOptions): Promise<ProxySetup> {
  const logger = o.logger.child({ component: 'proxy' });
  const apiUrl = o.config.proxy.api.url;
  if (apiUrl) {
    const client = new ChpProxyClient({ apiUrl, authToken: o.config.proxy.secretToken });
    logger.info({ api: apiUrl }, 'using a standalone proxy through its REST API');
    return { client, publicUrl: `http://${urlHost(o.ip)}:${o.port}/`, close: async () => client.close() };
  }
  const mode = httpsMode(o.config);
  return o.config.proxy.separateProcess ? separateProcess(o, mode, logger) : inProcess(o, mode, logger);
}

/** `nbhub proxy` as a detached process, found again by the next hub. */
async function separateProcess(o: ProxySetupOptions, mode: HttpsMode, logger: Logger): Promise<ProxySetup> {
  const dir = path.join(o.dataDir, 'proxy');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const token = o.config.proxy.secretToken ?? createHmac('sha256', o.secret).update('nbhub proxy API token').digest('hex');
  const https = o.config.proxy.https;
  const level = ['debug', 'info', 'warn', 'error'].includes(o.logger.level) ? o.logger.level : 'info';
  const args = [
    '--ip', o.ip, '--port', String(o.port), '--api-ip', '127.0.0.1', '--api-port', '0',
    '--error-target', `${o.hubUrl}${o.hubPrefix}error`, '--log-level', level,
  ];
  let forceRestart = false;
  if (mode === 'manual') {
    const tls = path.join(dir, 'tls');
    const keyChanged = writeIfChanged(path.join(tls, 'key.pem'), https.manual.key!);
    const certChanged = writeIfChanged(path.join(tls, 'cert.pem'), https.manual.cert!);
    forceRestart = keyChanged || certChanged;
    args.push('--ssl-key', path.join(tls, 'key.pem'), '--ssl-cert', path.join(tls, 'cert.pem'));
    if (https.httpPort !== null) args.push('--redirect-port', String(https.httpPort));
  } else if (mode === 'letsencrypt') {
    if (https.httpPort === null) throw new ProxySetupError('proxy.https.type letsencrypt needs proxy.https.httpPort for the HTTP-01 challenge');
    for (const host of https.hosts) args.push('--acme-domain', host);
    args.push('--acme-email', https.letsencrypt.contactEmail!, '--acme-directory', https.letsencrypt.acmeServer);
    args.push('--acme-dir', path.join(dir, 'acme'), '--acme-http-port', String(https.httpPort));
  } else if (mode === 'offload') {
    args.push('--trust-x-forwarded-proto');
  }
  args.push(...o.config.proxy.chp.extraCommandLineFlags);
  const managed = await ensureProxyProcess({ dir, token, args, logger, forceRestart, startTimeoutMs: mode === 'letsencrypt' ? 180_000 : 30_000 });
  const client = new ChpProxyClient({ apiUrl: managed.apiUrl, authToken: token });
  return {
    client,
    publicUrl: `${managed.state.scheme}://${urlHost(o.ip)}:${managed.state.port}/`,
    async close() {
      client.close();
      logger.info({ pid: managed.state.pid }, `the proxy keeps running (pid ${managed.state.pid}) and is re-used at the next start`);
    },
  };
}

/** True when the file did not hold `content` before (it does now, mode 0600). */
function writeIfChanged(file: string, content: string): boolean {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    if (readFileSync(file, 'utf8') === content) return false;
  } catch {
    // not there yet
  }
  writeFileSync(file, content, { mode: 0o600 });
  return true;
}

/** The proxy inside the hub process. */
async function inProcess(o: ProxySetupOptions, mode: HttpsMode, logger: Logger): Promise<ProxySetup> {
  const https = o.config.proxy.https;
  const routes = new MemoryRouteStore();
  const proxy = createProxy({ routes, logger, errorTarget: `${o.hubUrl}${o.hubPrefix}error`, now: o.now, trustForwardedProto: mode === 'offload' });
  let publicPort = o.port;
  let acme: AcmeCertificates | null = null;
  let sideServer: http.Server | null = null;
  let server: http.Server | https.Server;
  try {
    if (mode === 'letsencrypt') {
      if (https.httpPort === null) throw new ProxySetupError('proxy.https.type letsencrypt needs proxy.https.httpPort for the HTTP-01 challenge');
      routeAcmeClientLogs(logger);
      acme = new AcmeCertificates({
        domains: https.hosts,
        email: https.letsencrypt.contactEmail!,
        directoryUrl: https.letsencrypt.acmeServer,
        dir: path.join(o.dataDir, 'proxy', 'acme'),
        logger,
        onRenewed: (m) => (server as https.Server).setSecureContext({ key: m.key, cert: m.cert }),
      });
      sideServer = createAcmeHttpServer(acme, () => publicPort);
      await listen(sideServer, https.httpPort, o.ip, 'ACME HTTP-01 challenges');
      server = createTlsServer(await acme.start());
    } else if (mode === 'manual') {
      server = createTlsServer({ key: https.manual.key!, cert: https.manual.cert! });
      if (https.httpPort !== null) {
        const redirect = createPlainServer().on('request', redirectToHttps(() => publicPort));
        try {
          await listen(redirect, https.httpPort, o.ip, 'HTTP to HTTPS redirect');
          sideServer = redirect;
        } catch (err) {
          logger.warn(`${(err as Error).message}; serving HTTPS without the plain-HTTP redirect`);
        }
      }
    } else {
      server = createPlainServer();
    }
    proxy.attach(server);
    publicPort = await listen(server, o.port, o.ip, 'proxy');
  } catch (err) {
    acme?.close();
    await closeServer(sideServer);
    proxy.close();
    throw err;
  }
  const scheme = mode === 'manual' || mode === 'letsencrypt' ? 'https' : 'http';
  return {
    client: new InProcessProxyClient(routes, o.now),
    publicUrl: `${scheme}://${urlHost(o.ip)}:${publicPort}/`,
    async close() {
      acme?.close();
      proxy.destroyTunnels();
      const closed = Promise.all([closeServer(server), closeServer(sideServer)]);
      server.closeAllConnections();
      sideServer?.closeAllConnections();
      await closed;
      proxy.close();
    },
  };
}
