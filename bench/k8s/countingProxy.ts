// A counting reverse proxy in front of the test kube-apiserver (the idea of
// test/k8s/spawnerCountingProxy.ts, plus verbs, statuses and latencies): the hub under test gets a
// kubeconfig pointing here over plain HTTP on 127.0.0.1; every request is forwarded (watches stream
// through) and recorded as verb + resource, so the bench can say what the hub asked per spawn.
// It runs as its own process (so the bench's own work never delays the hub's API traffic):
//
//   node --import tsx bench/k8s/countingProxy.ts --server https://127.0.0.1:P --ca F --port-file F
//        --calls-file F      (writes the calls as JSON to --calls-file on SIGTERM)
import http from 'node:http';
import https from 'node:https';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

export interface ApiCall {
  /** epoch ms (performance.timeOrigin + performance.now()) when the request arrived */
  at: number;
  /** e.g. "create pods", "watch events", "delete pods", "get pods/log" */
  kind: string;
  /** 0 until the upstream answered (a watch answers at once and then streams); -1: the client
   * closed the request before any answer (e.g. its own timeout); 502: the upstream failed */
  status: number;
  /** Time to the upstream's response headers. */
  ms: number;
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
      // client-node sends watch=true, kubernetes_asyncio (KubeSpawner) watch=True
      if (['true', '1'].includes((url.searchParams.get('watch') ?? '').toLowerCase())) return `watch ${res}`;
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

/** The kubeconfig (token auth, plain HTTP to the proxy) the hub under test gets. */
export function writeKubeconfig(file: string, proxyUrl: string, token: string, namespace: string): string {
  writeFileSync(file, JSON.stringify({
    apiVersion: 'v1', kind: 'Config',
    // plain HTTP to the proxy; client-node refuses http:// unless TLS verification is "skipped"
    clusters: [{ name: 'counting', cluster: { server: proxyUrl, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'admin', user: { token } }],
    contexts: [{ name: 'counting', context: { cluster: 'counting', user: 'admin', namespace } }],
    'current-context': 'counting',
  }, null, 2), { mode: 0o600 });
  return file;
}

async function main(): Promise<void> {
  const { values: a } = parseArgs({
    options: { server: { type: 'string' }, ca: { type: 'string' }, 'port-file': { type: 'string' }, 'calls-file': { type: 'string' } },
    strict: true,
  });
  const upstream = new URL(a.server ?? '');
  if (upstream.hostname !== '127.0.0.1') throw new Error(`counting proxy: upstream ${upstream.hostname} is not 127.0.0.1`);
  const agent = new https.Agent({ keepAlive: true, ca: readFileSync(a.ca ?? ''), maxSockets: Infinity });
  const calls: ApiCall[] = [];
  const server = http.createServer((req, res) => {
    const t0 = performance.now();
    const call: ApiCall = { at: performance.timeOrigin + t0, kind: classify(req.method ?? 'GET', req.url ?? '/'), status: 0, ms: 0 };
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
    res.on('close', () => {
      if (call.status === 0) call.status = -1;
      up.destroy();
    });
    req.pipe(up);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  writeFileSync(a['port-file'] ?? '', String((server.address() as { port: number }).port));
  const quit = () => {
    writeFileSync(a['calls-file'] ?? '', JSON.stringify(calls));
    process.exit(0);
  };
  process.on('SIGTERM', quit);
  process.on('SIGINT', quit);
}

if (process.argv[1]?.endsWith('countingProxy.ts')) {
  main().catch((e) => {
    process.stderr.write(`counting proxy: ${(e as Error).message}\n`);
    process.exit(1);
  });
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
      for (const c of l) {
        const k = c.status === -1 ? 'client gave up' : c.status === 0 ? 'open' : String(c.status);
        statuses[k] = (statuses[k] ?? 0) + 1;
      }
      const answered = l.filter((c) => c.status > 0 && !c.kind.startsWith('watch '));
      return { kind, count: l.length, statuses, meanMs: answered.length ? answered.reduce((a, c) => a + c.ms, 0) / answered.length : Number.NaN };
    })
    .sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind));
}
