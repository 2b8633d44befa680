// Measurements wrk cannot make: websocket echo round trips and route-add latency.
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { apiCall } from './peers.ts';

export interface WsResult {
  /** Messages through the proxy per second (each echo round trip is two). */
  messagesPerS: number;
  roundTrips: number;
}

/** `connections` websockets to /user/u0/ws, each echoing 64-byte messages back to back for durationS. */
export async function websocketEcho(origin: string, connections: number, durationS: number): Promise<WsResult> {
  const wsOrigin = origin.replace(/^http/, 'ws');
  const payload = Buffer.alloc(64, 'm');
  const sockets = await Promise.all(
    Array.from(
      { length: connections },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(`${wsOrigin}/user/u0/ws`, { perMessageDeflate: false });
          const timer = setTimeout(() => reject(new Error('websocket open timed out')), 10_000);
          ws.once('open', () => {
            clearTimeout(timer);
            resolve(ws);
          });
          ws.once('error', (err) => {
            clearTimeout(timer);
            reject(err);
          });
        }),
    ),
  );
  let roundTrips = 0;
  let running = true;
  const start = performance.now();
  const finished = sockets.map(
    (ws) =>
      new Promise<void>((resolve) => {
        ws.on('message', () => {
          roundTrips++;
          if (running) ws.send(payload);
          else resolve();
        });
        ws.once('close', () => resolve());
        ws.send(payload);
      }),
  );
  await new Promise((r) => setTimeout(r, durationS * 1000));
  running = false;
  const elapsed = (performance.now() - start) / 1000;
  const counted = roundTrips;
  await Promise.race([Promise.all(finished), new Promise((r) => setTimeout(r, 2_000))]);
  for (const ws of sockets) ws.terminate();
  return { messagesPerS: (2 * counted) / elapsed, roundTrips: counted };
}

export interface RouteAddResult {
  p50Ms: number;
  p99Ms: number;
  count: number;
}

/** `count` sequential POST /api/routes/bench/r<i> on a kept-alive connection, then deletes them. */
export async function routeAddLatency(apiUrl: string, target: string, count: number): Promise<RouteAddResult> {
  // warm the connection and the code path
  for (let i = 0; i < 20; i++) await apiCall(apiUrl, 'POST', `/bench/warm${i}`, { target });
  for (let i = 0; i < 20; i++) await apiCall(apiUrl, 'DELETE', `/bench/warm${i}`);
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const status = await apiCall(apiUrl, 'POST', `/bench/r${i}`, { target, user: `r${i}`, server_name: '', jupyterhub: true });
    times.push(performance.now() - t0);
    if (status !== 201) throw new Error(`route add answered ${status}`);
  }
  for (let i = 0; i < count; i++) await apiCall(apiUrl, 'DELETE', `/bench/r${i}`);
  times.sort((a, b) => a - b);
  return { p50Ms: times[Math.floor(count * 0.5)], p99Ms: times[Math.min(count - 1, Math.floor(count * 0.99))], count };
}
