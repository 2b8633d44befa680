// The benchmark's target server: a tiny Node HTTP server (12-byte answers, and a 10 MB download
// at /big) with a websocket echo on any path. Run as its own process:
//   node --import tsx bench/proxy/backend.ts PORT
// It prints "listening PORT" once it accepts connections.
import http from 'node:http';
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2] ?? 0);
const SMALL = Buffer.from('hello world\n');
const BIG = Buffer.alloc(10 * 1024 * 1024, 'x');

const server = http.createServer((req, res) => {
  const url = req.url ?? '/';
  if (url.endsWith('/big')) {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': BIG.length });
    res.end(BIG);
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': SMALL.length });
  res.end(SMALL);
});
server.keepAliveTimeout = 60_000;
const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
