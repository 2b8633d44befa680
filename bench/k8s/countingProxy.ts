// A counting reverse proxy in front of the test kube-apiserver (the idea of
// test/k8s/spawnerCountingProxy.ts, plus verbs, statuses and latencies): the hub under test gets a
// kubeconfig pointing here over plain HTTP on 127.0.0.1; every request is forwarded (watches stream
// through) and recorded as verb + resource, so the bench can say what the hub asked per spawn.
import http from 'node:http';
import https from 'node:https';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface ApiCall {
  /** ms since the proxy started (performance.now() based) */
  at: number;
  /** e.g. "create pods", "watch events", "delete pods", "get pods/log" */
  kind: string;
  /** 0 until the upstream answered (a watch answers at once and then streams) */
  status: number;
  /** Time to the upstream's response headers. */
  ms: number;
}

export interface CountingProxy {
  url: string;
  calls: ApiCall[];
  /** Writes a kubeconfig (token auth, plain HTTP to this proxy) for the hub; returns its path. */
  writeKubeconfig(file: string, namespace: string): string;
  stop(): Promise<void>;
}

/** "METHOD /api/v1/namespaces/ns/pods/name/log?watch=true" → "get pods/log". */
export function classify(method: string, rawUrl: string): string {
  const url = new URL(rawUrl, 'http://x');
  let parts = url.pathname.split('/').filter(Boolean);
  if (parts[0] === 'api') parts = parts.slice(2);
  else if (parts[0] === 'apis') parts = parts.slice(3);
  else return `${method.toLowerCase()} ${url.pathname}`;
  if (parts[0] === 'namespaces' && parts.length >= 3) parts = parts.slice(2);
  const [resource = '(root)', name, sub] = parts;
  const res = sub ? `${resource}/${sub}` : resource;
  switch (method) {
    case 'GET':
      if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') return `watch ${res}`;
      return `${name ? 'get' : 'list'} ${res}`;
    case 'POST':
      return `create ${res}`;
    case 'PUT':
      return `update ${res}`;
    case 'PATCH':
      return `patch ${res}`;
    case 'DELETE':
      return `${name ? 'delete' : 'deletecollection'} ${res}`;
    default:
      return `${method.toLowerCase()} ${res}`;
  }
}

export async function startCountingProxy(upstreamServer: string, caFile: string, token: string): Promise<CountingProxy> {
  const upstream = new URL(upstreamServer);
  if (upstream.hostname !== '127.0.0.1') throw new Error(`counting proxy: upstream ${upstream.hostname} is not 127.0.0.1`);
  const ca = readFileSync(caFile);
  const agent = new https.Agent({ keepAlive: true, ca, maxSockets: Infinity });
  const calls: ApiCall[] = [];
  const server = http.createServer((req, res) => {
    const t0 = performance.now();
    const call: ApiCall = { at: t0, kind: classify(req.method ?? 'GET', req.url ?? '/'), status: 0, ms: 0 };
    calls.push(call);
    const up = https.request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host }, agent },
      (upRes) => {
        call.status = upRes.statusCode ?? 0;
        call.ms = performance.now() - t0;
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        res.flushHeaders(); // a watch sends its headers before any event
        upRes.pipe(res);
      },
    );
    up.on('error', () => {
      if (call.status === 0) call.status = 502;
      res.destroy();
    });
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    calls,
    writeKubeconfig(file, namespace) {
      writeFileSync(file, JSON.stringify({
        apiVersion: 'v1', kind: 'Config',
        // plain HTTP to the proxy; client-node refuses http:// unless TLS verification is "skipped"
        clusters: [{ name: 'counting', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'admin', user: { token } }],
        contexts: [{ name: 'counting', context: { cluster: 'counting', user: 'admin', namespace } }],
        'current-context': 'counting',
      }, null, 2), { mode: 0o600 });
      return file;
    },
    async stop() {
      server.closeAllConnections();
      agent.destroy();
      await new Promise((ok) => server.close(ok));
    },
  };
}

export interface CallSummary {
  kind: string;
  count: number;
  /** status → count */
  statuses: Record<string, number>;
  meanMs: number;
}

/** Calls in [from, to) grouped by kind, most frequent first. */
export function summarize(calls: ApiCall[], from: number, to: number): CallSummary[] {
  const by = new Map<string, ApiCall[]>();
  for (const c of calls) {
    if (c.at < from || c.at >= to) continue;
    let l = by.get(c.kind);
    if (!l) by.set(c.kind, (l = []));
    l.push(c);
  }
  return [...by.entries()]
    .map(([kind, l]) => {
      const statuses: Record<string, number> = {};
      for (const c of l) statuses[String(c.status || 'none')] = (statuses[String(c.status || 'none')] ?? 0) + 1;
      const answered = l.filter((c) => c.status !== 0 && !c.kind.startsWith('watch '));
      return { kind, count: l.length, statuses, meanMs: answered.length ? answered.reduce((a, c) => a + c.ms, 0) / answered.length : Number.NaN };
    })
    .sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind));
}
