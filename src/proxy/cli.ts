// `nbhub proxy`: the standalone proxy with CHP's command line and REST API, so a stock
// JupyterHub (ConfigurableHTTPProxy) or an nbhub hub replica can drive it.

import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { createChpApiHandler } from './chpApi.ts';
import { parseProxyArgs, PROXY_USAGE, type ProxyCommandConfig } from './cliOptions.ts';
import { MemoryRouteStore } from './memoryRouteStore.ts';
import { createProxyMetrics, metricsHandler } from './metrics.ts';
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

function redirectToHttps(httpsPort: number): http.RequestListener {
  return (req, res) => {
    const host = req.headers.host;
    if (host === undefined) {
      res.writeHead(400, { 'Content-Type': 'text/plain' });
      res.end('This server requires a Host header');
      return;
    }
    let name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':', 1)[0];
    if (httpsPort !== 443) name += `:${httpsPort}`;
    res.writeHead(301, { Location: `https://${name}${req.url ?? '/'}` });
    res.end();
  };
}

/** Starts the public, API, metrics and redirect servers described by `config`. */
export async function startProxyCommand(config: ProxyCommandConfig, logger: Logger): Promise<RunningProxy> {
  const routes = new MemoryRouteStore();
  const metrics = config.metricsPort !== null ? createProxyMetrics(routes) : null;
  const proxy = createProxy({
    routes,
    logger,
    errorTarget: config.errorTarget,
    defaultTarget: config.defaultTarget,
    xForward: config.xForward,
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

  // requestTimeout 0: uploads through the proxy have no overall deadline (--timeout bounds idleness)
  const serverOptions = { requestTimeout: 0 };
  const publicServer = config.ssl
    ? https.createServer({
        ...serverOptions,
        key: readFileSync(config.ssl.keyFile),
        cert: readFileSync(config.ssl.certFile),
        ...(config.ssl.passphrase ? { passphrase: config.ssl.passphrase } : {}),
      })
    : http.createServer(serverOptions);
  proxy.attach(publicServer);
  const apiServer = http.createServer(
    createChpApiHandler({ routes, logger, authToken: config.authToken, hostRouting: config.hostRouting, onResponse: metrics?.apiResponse }),
  );
  const metricsServer = metrics !== null ? http.createServer(metricsHandler(metrics)) : null;
  const redirectServer =
    config.redirectPort !== null && config.port !== 80 ? http.createServer(redirectToHttps(config.redirectTo ?? config.port)) : null;

  const servers = [publicServer, apiServer, metricsServer, redirectServer];
  let pidWritten = false;
  const removePidFile = () => {
    if (!pidWritten || config.pidFile === null) return;
    pidWritten = false;
    try {
      unlinkSync(config.pidFile);
    } catch {
      // already gone
    }
  };
  try {
    const publicAddress = await listen(publicServer, config.port, config.ip, 'proxy');
    const apiAddress = await listen(apiServer, config.apiPort, config.apiIp, 'proxy API');
    const metricsAddress = metricsServer ? await listen(metricsServer, config.metricsPort ?? 0, config.metricsIp, 'metrics') : null;
    const redirectAddress = redirectServer ? await listen(redirectServer, config.redirectPort ?? 0, config.ip, 'HTTPS redirect') : null;
    if (config.pidFile !== null) {
      writeFileSync(config.pidFile, String(process.pid));
      pidWritten = true;
      process.once('exit', removePidFile);
    }
    const scheme = config.ssl ? 'https' : 'http';
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
        const timer = setTimeout(() => {
          for (const server of servers) server?.closeAllConnections();
        }, drainMs);
        await closed;
        clearTimeout(timer);
        proxy.close();
        removePidFile();
        process.off('exit', removePidFile);
        logger.info('proxy stopped');
      })());
    return { publicAddress, apiAddress, metricsAddress, redirectAddress, stop };
  } catch (err) {
    for (const server of servers) server?.closeAllConnections();
    await Promise.all(servers.map(closeServer));
    proxy.close();
    removePidFile();
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
  const logger = pino({ level: config.logLevel, base: { component: 'proxy' } });
  const running = await startProxyCommand(config, logger);
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
}
