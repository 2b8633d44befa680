// Prometheus metrics for the proxy (CHP --metrics-port). Label children are cached per status
// code so counting a proxied request costs an array read and an increment.

import http from 'node:http';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ProxyMetricsSink } from './context.ts';
import type { RouteStore } from './types.ts';

export interface ProxyMetrics extends ProxyMetricsSink {
  registry: Registry;
  apiResponse(status: number): void;
}

export function createProxyMetrics(routes: RouteStore, registry = new Registry()): ProxyMetrics {
  const proxied = new Counter({
    name: 'nbhub_proxy_requests_total',
    help: 'Requests answered by the proxy, by status code (including its own 404/503 answers)',
    labelNames: ['code'],
    registers: [registry],
  });
  const websockets = new Counter({
    name: 'nbhub_proxy_websockets_total',
    help: 'Websocket (upgrade) tunnels opened',
    registers: [registry],
  });
  const openWebsockets = new Gauge({
    name: 'nbhub_proxy_websockets_open',
    help: 'Websocket tunnels currently open',
    registers: [registry],
  });
  const api = new Counter({
    name: 'nbhub_proxy_api_requests_total',
    help: 'Route API requests, by status code',
    labelNames: ['code'],
    registers: [registry],
  });
  new Gauge({
    name: 'nbhub_proxy_routes',
    help: 'Routes in the routing table',
    registers: [registry],
    async collect() {
      this.set((await routes.list()).length);
    },
  });
  collectDefaultMetrics({ register: registry, prefix: 'nbhub_proxy_' });

  const proxiedByCode: Array<{ inc(): void } | undefined> = [];
  const apiByCode: Array<{ inc(): void } | undefined> = [];
  return {
    registry,
    proxied(status) {
      (proxiedByCode[status] ??= proxied.labels(String(status))).inc();
    },
    websocketOpened() {
      websockets.inc();
      openWebsockets.inc();
    },
    websocketClosed() {
      openWebsockets.dec();
    },
    apiResponse(status) {
      (apiByCode[status] ??= api.labels(String(status))).inc();
    },
  };
}

/** Serves GET /metrics; anything else is 404. */
export function metricsHandler(metrics: ProxyMetrics): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    if ((req.url ?? '').split('?', 1)[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end(http.STATUS_CODES[404]);
      return;
    }
    metrics.registry.metrics().then(
      (body) => {
        res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
        res.end(body);
      },
      () => {
        res.writeHead(500);
        res.end();
      },
    );
  };
}
