// A counting reverse proxy in front of the test apiserver: the spawner under test talks plain
// HTTP to it (a kubeconfig pointing here), it forwards every request (watches stream through)
// and records method + path, so tests can count what the spawner asks of the API.
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import type { TestCluster } from '../support/k8sCluster.ts';

export interface ApiRequest {
  method: string;
  /** Path without the query, e.g. /api/v1/namespaces/ns/pods */
  path: string;
  watch: boolean;
}

export interface CountingProxy {
  kubeConfig: k8s.KubeConfig;
  requests: ApiRequest[];
  /** Requests since `from` (an index into requests), as "METHOD path" strings, watches marked. */
  since(from: number): string[];
  /** Cuts every open connection (watches included), as a restarting apiserver or load balancer would. */
  dropConnections(): void;
  /** Answers the next `n` watch requests with 503 (the informer must back off and retry). */
  refuseWatches(n: number): void;
  stop(): Promise<void>;
}

export async function startCountingProxy(cluster: TestCluster): Promise<CountingProxy> {
  const upstream = new URL(cluster.server);
  const ca = readFileSync(cluster.caFile);
  const requests: ApiRequest[] = [];
  const open = new Set<http.ClientRequest>();
  let refuse = 0;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const watch = url.searchParams.get('watch') === 'true';
    requests.push({ method: req.method ?? 'GET', path: url.pathname, watch });
    if (watch && refuse > 0) {
      refuse--;
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end('unavailable\n');
      return;
    }
    const up = https.request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host }, ca },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        res.flushHeaders(); // a watch sends its headers before any event
        upRes.pipe(res);
      },
    );
    open.add(up);
    up.on('close', () => open.delete(up));
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'counting', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'admin', token: cluster.token }],
    contexts: [{ name: 'counting', cluster: 'counting', user: 'admin' }],
    currentContext: 'counting',
  });
  return {
    kubeConfig,
    requests,
    refuseWatches(n) {
      refuse = n;
    },
    dropConnections() {
      for (const r of open) r.destroy();
      server.closeAllConnections();
    },
    since: (from) => requests.slice(from).map((r) => `${r.method} ${r.path}${r.watch ? ' (watch)' : ''}`),
    async stop() {
      for (const r of open) r.destroy();
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    },
  };
}
