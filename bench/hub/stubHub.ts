// A tiny stand-in for the hub API, just enough for jupyterhub-singleuser to start without a
// hub: GET /hub/api with the X-JupyterHub-Version header, and 200 for activity reports.
import http from 'node:http';

export interface StubHub {
  /** e.g. http://127.0.0.1:P/hub/api */
  apiUrl: string;
  /** Requests seen, by "METHOD /path" (user names replaced by <user>). */
  requests: Record<string, number>;
  close(): Promise<void>;
}

export const STUB_HUB_VERSION = '5.5.4';

export async function startStubHub(): Promise<StubHub> {
  const requests: Record<string, number> = {};
  const server = http.createServer((req, res) => {
    const p = (req.url ?? '/').split('?')[0];
    const key = `${req.method} ${p.replace(/^\/hub\/api\/users\/[^/]+/, '/hub/api/users/<user>')}`;
    requests[key] = (requests[key] ?? 0) + 1;
    req.resume();
    req.on('end', () => {
      res.setHeader('X-JupyterHub-Version', STUB_HUB_VERSION);
      if (req.method === 'GET' && (p === '/hub/api' || p === '/hub/api/')) {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ version: STUB_HUB_VERSION }));
      } else if (req.method === 'POST' && /^\/hub\/api\/users\/[^/]+\/activity$/.test(p)) {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      } else {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: 404, message: 'not in the stub hub' }));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const a = server.address();
  const port = typeof a === 'object' && a ? a.port : 0;
  return {
    apiUrl: `http://127.0.0.1:${port}/hub/api`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
