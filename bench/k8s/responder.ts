// Stands in for 500 jupyterhub-singleuser servers: listens on port 8888 of EVERY address of the
// KWOK pod CIDR (loopback only: 127.0.0.0/8, at most 4,096 addresses) before any pod exists, so a
// pod is "answering" the moment KWOK gives it an IP. Any request gets 200 with a small JSON body,
// which is what the hub's readiness check wants (src/hub/readiness.ts: GET <target><prefix>api,
// any status below 500) and what a proxied GET /user/<name>/api would get from a real server.
// A control listener on 127.0.0.1 answers GET /stats with the request counts.
//
//   node --import tsx bench/k8s/responder.ts --cidr 127.X.Y.0/22 --port 8888 --control-port P
import http from 'node:http';
import { parseArgs } from 'node:util';

/** Every address of a 127.x CIDR (prefix /20 to /32); throws on anything that is not loopback. */
export function loopbackAddresses(cidr: string): string[] {
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) throw new Error(`--cidr ${cidr}: want a loopback CIDR 127.X.Y.Z/N`);
  const bits = Number(m[4]);
  if (bits < 20 || bits > 32) throw new Error(`--cidr ${cidr}: prefix must be /20 to /32`);
  const base = ((127 << 24) >>> 0) + (Number(m[1]) << 16) + (Number(m[2]) << 8) + Number(m[3]);
  const size = 2 ** (32 - bits);
  const first = base - (base % size);
  const out: string[] = [];
  for (let a = first; a < first + size; a++) out.push([a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.'));
  if (!out.every((a) => a.startsWith('127.'))) throw new Error(`--cidr ${cidr} leaves 127.0.0.0/8`);
  return out;
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: { cidr: { type: 'string' }, port: { type: 'string', default: '8888' }, 'control-port': { type: 'string' } },
    strict: true,
  });
  const addrs = loopbackAddresses(args.cidr ?? '');
  const port = Number(args.port);
  const stats = { requests: 0, addressesHit: new Set<string>(), started: Date.now() };
  const body = JSON.stringify({ version: '2.15.0', bench: 'nbhub bench/k8s responder' });
  const handler: http.RequestListener = (req, res) => {
    stats.requests++;
    stats.addressesHit.add(req.socket.localAddress ?? '?');
    req.resume();
    // jupyterhub-singleuser sends its JupyterHub version (JupyterHub warns about servers that do not)
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'X-JupyterHub-Version': '5.5.4' });
    res.end(body);
  };
  const servers: http.Server[] = [];
  const failed: string[] = [];
  for (const addr of addrs) {
    const s = http.createServer({ keepAliveTimeout: 5_000 }, handler);
    await new Promise<void>((ok) => {
      s.once('error', (e) => {
        failed.push(`${addr}: ${(e as Error).message}`);
        ok();
      });
      s.listen(port, addr, () => ok());
    });
    servers.push(s);
  }
  const control = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ listening: addrs.length - failed.length, failed: failed.slice(0, 5), requests: stats.requests, addressesHit: stats.addressesHit.size }));
  });
  await new Promise<void>((ok) => control.listen(Number(args['control-port']), '127.0.0.1', ok));
  process.stdout.write(`responder: ${addrs.length - failed.length}/${addrs.length} addresses of ${args.cidr} on port ${port}${failed.length ? `; failed: ${failed.slice(0, 3).join('; ')}` : ''}\n`);
  const quit = () => {
    process.stdout.write(`responder: ${stats.requests} requests to ${stats.addressesHit.size} addresses\n`);
    process.exit(0);
  };
  process.on('SIGTERM', quit);
  process.on('SIGINT', quit);
}

if (process.argv[1]?.endsWith('responder.ts')) {
  main().catch((e) => {
    process.stderr.write(`responder: ${(e as Error).message}\n`);
    process.exit(1);
  });
}
