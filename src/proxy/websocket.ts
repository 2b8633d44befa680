// Upgrade requests (websockets) as a raw TCP tunnel: connect to the target, replay the upgrade
// request with forwarding headers, then pipe bytes both ways. The target's own handshake answer
// (101 or an error) travels back untouched.
//
// Every way a tunnel can end destroys both sockets — the CHP failure behind exhausted ephemeral
// ports (configurable-http-proxy#557) was tunnels whose error paths left one side open:
// - either side errors or closes           → both destroyed
// - either side half-closes (FIN)          → the FIN is passed on and both are destroyed after a grace period
// - the target refuses / times out         → bare 503 status line to the client, both destroyed
// - dead peers                             → TCP keep-alive on both sockets surfaces the error

import net from 'node:net';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { upstreamPath, type ProxyContext } from './context.ts';
import { requestHeaderBlock } from './forwardHeaders.ts';
import { logProxyFailure, rejectUpgrade } from './proxyErrors.ts';
import type { ResolvedPath } from './requestPath.ts';
import type { Target } from './targets.ts';
import type { Route } from './types.ts';

const HALF_CLOSE_GRACE_MS = 5_000;
const TCP_KEEPALIVE_MS = 30_000;

function upgradeRequestHead(method: string, path: string, headerBlock: string): string {
  return `${method} ${path} HTTP/1.1\r\n${headerBlock}\r\n`;
}

export function tunnelUpgrade(
  ctx: ProxyContext,
  req: http.IncomingMessage,
  socket: Duplex,
  head: Buffer,
  resolved: ResolvedPath,
  route: Route,
  target: Target,
): void {
  const routePath = route.path;
  const requestHead = upgradeRequestHead(
    req.method ?? 'GET',
    upstreamPath(ctx, resolved, route, target),
    requestHeaderBlock(req, ctx.headers, true, target.hostHeader),
  );
  const upstream: net.Socket = target.secure
    ? tls.connect({ host: target.hostname, port: target.port, servername: net.isIP(target.hostname) ? undefined : target.hostname, ALPNProtocols: ['http/1.1'] })
    : net.connect({ host: target.hostname, port: target.port });
  let answered = false; // the target has sent bytes: the client already has a status line
  let finished = false;
  let graceTimer: NodeJS.Timeout | null = null;

  const finish = (): void => {
    if (finished) return;
    finished = true;
    if (graceTimer !== null) clearTimeout(graceTimer);
    if (ctx.tunnels.delete(socket)) ctx.metrics?.websocketClosed();
    upstream.destroy();
    socket.destroy();
  };
  const onHalfClose = (): void => {
    if (graceTimer === null && !finished) {
      graceTimer = setTimeout(finish, HALF_CLOSE_GRACE_MS);
      graceTimer.unref();
    }
  };

  upstream.on('error', (err: NodeJS.ErrnoException) => {
    if (finished) return;
    if (!answered) {
      logProxyFailure(ctx.logger, 503, req.method, req.url, err, target.url);
      ctx.metrics?.proxied(503);
      finished = true;
      if (ctx.tunnels.delete(socket)) ctx.metrics?.websocketClosed();
      upstream.destroy();
      rejectUpgrade(socket, 503);
      return;
    }
    ctx.logger.debug({ code: err.code, url: routePath }, 'websocket target error');
    finish();
  });
  socket.on('error', (err: NodeJS.ErrnoException) => {
    ctx.logger.debug({ code: err.code, url: routePath }, 'websocket client error');
    finish();
  });
  upstream.on('close', finish);
  socket.on('close', finish);
  upstream.on('end', onHalfClose);
  socket.on('end', onHalfClose);
  upstream.on('timeout', () => upstream.destroy(Object.assign(new Error('websocket target timed out'), { code: 'ETIMEDOUT' })));
  upstream.setTimeout(ctx.connectTimeoutMs);
  upstream.once(target.secure ? 'secureConnect' : 'connect', () => {
    upstream.setTimeout(ctx.wsIdleTimeoutMs);
    upstream.setKeepAlive(true, TCP_KEEPALIVE_MS);
    upstream.setNoDelay(true);
  });

  upstream.on('data', () => {
    answered = true;
    ctx.activity.record(routePath);
  });
  socket.on('data', () => ctx.activity.record(routePath));

  if (socket instanceof net.Socket) {
    socket.setTimeout(0);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, TCP_KEEPALIVE_MS);
  }
  ctx.tunnels.add(socket);
  ctx.metrics?.websocketOpened();

  // writes before 'connect' are buffered by the socket
  upstream.write(requestHead, 'latin1');
  if (head.length > 0) upstream.write(head);
  upstream.pipe(socket);
  socket.pipe(upstream);
}
