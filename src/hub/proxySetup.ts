// The proxy the hub drives: built in (same process, in-memory routes) by default, or a
// standalone CHP-compatible proxy (`nbhub proxy`, or CHP itself) at proxy.api.url.
import http from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import type { ProxyClient } from '../proxy/types.ts';
import { MemoryRouteStore } from '../proxy/memoryRouteStore.ts';
import { createProxy } from '../proxy/server.ts';
import { InProcessProxyClient } from '../proxy/inProcessClient.ts';
import { ChpProxyClient } from '../proxy/chpClient.ts';

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
}

function urlHost(ip: string): string {
  if (ip === '' || ip === '0.0.0.0') return '127.0.0.1';
  return ip.includes(':') ? `[${ip}]` : ip;
}

export async function buildProxy(o: ProxySetupOptions): Promise<ProxySetup> {
  const logger = o.logger.child({ component: 'proxy' });
  const apiUrl = o.config.proxy.api.url;
  if (apiUrl) {
    const client = new ChpProxyClient({ apiUrl, authToken: o.config.proxy.secretToken });
    logger.info({ api: apiUrl }, 'using a standalone proxy through its REST API');
    return { client, publicUrl: `http://${urlHost(o.ip)}:${o.port}/`, close: async () => undefined };
  }
  const routes = new MemoryRouteStore();
  const proxy = createProxy({ routes, logger, errorTarget: `${o.hubUrl}${o.hubPrefix}error`, now: o.now });
  const server = http.createServer();
  proxy.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.ip, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  return {
    client: new InProcessProxyClient(routes, o.now),
    publicUrl: `http://${urlHost(o.ip)}:${port}/`,
    async close() {
      proxy.destroyTunnels();
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      proxy.close();
    },
  };
}
