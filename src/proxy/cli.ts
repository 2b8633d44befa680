// `nbhub proxy`: the standalone proxy with CHP's command line and REST API, so a stock
// JupyterHub (ConfigurableHTTPProxy) or an nbhub hub can drive it. nbhub additions: routes kept
// in a file across restarts, a state file a hub uses to find and re-use it, certificates over
// ACME, and trusting a TLS-offloading load balancer's X-Forwarded-Proto.

import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import type https from 'node:https';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { AcmeCertificates, routeAcmeClientLogs } from './acme.ts';
import { createChpApiHandler } from './chpApi.ts';
import { parseProxyArgs, PROXY_USAGE, type ProxyCommandConfig } from './cliOptions.ts';
import { openProxyLogFile } from './logFile.ts';
import { MemoryRouteStore } from './memoryRouteStore.ts';
import { createProxyMetrics, metricsHandler } from './metrics.ts';
import { PersistentRouteStore } from './persistentRouteStore.ts';
import { removeProxyState, tokenSha256, writeProxyState } from './proxyState.ts';
import { createAcmeHttpServer, createPlainServer, createTlsServer, redirectToHttps } from './publicServer.ts';
import { createProxy } from './server.ts';

export interface RunningProxy {
  publicAddress: AddressInfo;
  apiAddress: AddressInfo;
  metricsAddress: AddressInfo | null;
  redirectAddress: AddressInfo | null;
  /** Stops accepting, lets in-flight HTTP requests finish (up to drainMs), closes the rest. */
  stop(drainMs?: number): Promise<void>;
}

export class ProxyListenError extends Error {
  readonly code = 'PROXY_LISTEN_FAILED';
}

function listen(server: http.Server, port: number, host: string | undefined, what: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) =>
      reject(new ProxyListenError(`cannot listen on ${host ?? '*'}:${port} for the ${what}: ${err.code ?? err.message}`));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

function closeServer(server: http.Server | null): Promise<void> {
  return new Promise((resolve) => (server === null || !server.listening ? resolve() : server.close(() => resolve())));
}

/** Starts the public, API, metrics and redirect servers described by `config`. */
export async function startProxyCommand(config: ProxyCommandConfig, logger: Logger, argv: string[] = []): Promise<RunningProxy> {
  const persistent = config.routesFile !== null ? new PersistentRouteStore({ file: config.routesFile, logger }) : null;
  if (persistent !== null) {
    const count = await persistent.load();
    logger.info(`loaded ${count} route${count === 1 ? '' : 's'} from ${config.routesFile}`);
  }
  const routes = persistent ?? new MemoryRouteStore();
  const metrics = config.metricsPort !== null ? createProxyMetrics(routes) : null;
  const proxy = createProxy({
    routes,
    logger,
    errorTarget: config.errorTarget,
    defaultTarget: config.defaultTarget,
    xForward: config.xForward,
    trustForwardedProto: config.trustForwardedProto,
    includePrefix: config.includePrefix,
    prependPath: config.prependPath,
    timeoutMs: config.timeoutMs,
    proxyTimeoutMs: config.proxyTimeoutMs,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    customHeaders: config.customHeaders,
    hostRouting: config.hostRouting,
    metrics,
  });
  await proxy.ready;

  let publicPort = config.port;
  let acme: AcmeCertificates | null = null;
  let acmeServer: http.Server | null = null;
  const servers: Array<http.Server | null> = [];
  let pidWritten = false;
  let stateWritten = false;
  const removeFiles = () => {
    if (pidWritten && config.pidFile !== null) {
      pidWritten = false;
      try {
        unlinkSync(config.pidFile);
      } catch {
        // already gone
      }
    }
    if (stateWritten && config.stateFile !== null) {
      stateWritten = false;
      removeProxyState(config.stateFile, process.pid);
    }
  };
  const release = () => {
    acme?.close();
    proxy.close();
    persistent?.close();
    removeFiles();
  };

  try {
    let publicServer: http.Server | https.Server;
    if (config.acme !== null) {
      routeAcmeClientLogs(logger);
      acme = new AcmeCertificates({
        ...config.acme,
        logger,
        onRenewed: (material) => {
          (publicServer as https.Server).setSecureContext({ key: material.key, cert: material.cert });
          logger.info({ notAfter: material.notAfter.toISOString() }, 'serving the renewed certificate');
        },
      });
      // challenges must be answerable before the certificate is ordered
      acmeServer = createAcmeHttpServer(acme, () => config.redirectTo ?? publicPort);
      servers.push(acmeServer);
      await listen(acmeServer, config.acme.httpPort, config.ip, 'ACME HTTP-01 challenges');
      const material = await acme.start();
      publicServer = createTlsServer(material);
    } else if (config.ssl !== null) {
      publicServer = createTlsServer({
        key: readFileSync(config.ssl.keyFile),
        cert: readFileSync(config.ssl.certFile),
        passphrase: config.ssl.passphrase,
      });
    } else {
      publicServer = createPlainServer();
    }
    proxy.attach(publicServer);
    const apiServer = createPlainServer();
    apiServer.on(
      'request',
      createChpApiHandler({ routes, logger, authToken: config.authToken, hostRouting: config.hostRouting, onResponse: metrics?.apiResponse }),
    );
    const metricsServer = metrics !== null ? createPlainServer().on('request', metricsHandler(metrics)) : null;
    const redirectServer =
      config.redirectPort !== null && config.port !== 80 ? createPlainServer().on('request', redirectToHttps(() => config.redirectTo ?? publicPort)) : null;
    servers.push(publicServer, apiServer, metricsServer, redirectServer);

    const publicAddress = await listen(publicServer, config.port, config.ip, 'proxy');
    publicPort = publicAddress.port;
    const apiAddress = await listen(apiServer, config.apiPort, config.apiIp, 'proxy API');
    const metricsAddress = metricsServer ? await listen(metricsServer, config.metricsPort ?? 0, config.metricsIp, 'metrics') : null;
    const redirectAddress = redirectServer ? await listen(redirectServer, config.redirectPort ?? 0, config.ip, 'HTTPS redirect') : null;
    if (config.pidFile !== null) {
      writeFileSync(config.pidFile, String(process.pid));
      pidWritten = true;
    }
    const scheme = config.ssl || acme ? 'https' : 'http';
    if (config.stateFile !== null) {
      writeProxyState(config.stateFile, {
        pid: process.pid,
        scheme,
        ip: config.ip ?? null,
        port: publicAddress.port,
        apiIp: config.apiIp,
        apiPort: apiAddress.port,
        tokenSha256: config.authToken ? tokenSha256(config.authToken) : null,
        argv,
        startedAt: new Date().toISOString(),
      });
      stateWritten = true;
    }
    process.once('exit', removeFiles);
    logger.info(`proxying ${scheme}://${config.ip ?? '*'}:${publicAddress.port} to ${config.defaultTarget ?? '(no default)'}`);
    logger.info(`proxy API at http://${config.apiIp}:${apiAddress.port}/api/routes`);
    if (metricsAddress) logger.info(`metrics at http://${config.metricsIp ?? '*'}:${metricsAddress.port}/metrics`);
    if (redirectAddress) logger.info(`redirecting http port ${redirectAddress.port} to https port ${config.redirectTo ?? config.port}`);

    let stopping: Promise<void> | null = null;
    const stop = (drainMs = 10_000): Promise<void> =>
      (stopping ??= (async () => {
        logger.info('proxy stopping');
        const closed = Promise.all(servers.map(closeServer));
        proxy.destroyTunnels();
        publicServer.closeIdleConnections();
        apiServer.closeIdleConnections();
        acmeServer?.closeIdleConnections();
        const timer = setTimeout(() => {
          for (const server of servers) server?.closeAllConnections();
        }, drainMs);
        await closed;
        clearTimeout(timer);
        release();
        process.off('exit', removeFiles);
        logger.info('proxy stopped');
      })());
    return { publicAddress, apiAddress, metricsAddress, redirectAddress, stop };
  } catch (err) {
    for (const server of servers) server?.closeAllConnections();
    await Promise.all(servers.map(closeServer));
    release();
    throw err;
  }
}

/**
 * `nbhub proxy [options]`: runs until SIGTERM or SIGINT, then shuts down gracefully and resolves.
 * Bad options reject with a ProxyCliError (code PROXY_CLI_BAD_OPTION).
 */
export async function runProxyCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const config = parseProxyArgs(argv, env);
  if (config === 'help') {
    process.stdout.write(PROXY_USAGE);
    return;
  }
  const logFile = config.logFile !== null ? openProxyLogFile(config.logFile, config.logMaxBytes) : null;
  const options = { level: config.logLevel, base: { component: 'proxy' } };
  const logger = logFile !== null ? pino(options, logFile.destination) : pino(options);
  let running: RunningProxy;
  try {
    running = await startProxyCommand(config, logger, argv);
  } catch (err) {
    await logFile?.close();
    throw err;
  }
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info(`${signal} received`);
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      running.stop().then(resolve, (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        resolve();
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await logFile?.close();
}
