// One proxied HTTP exchange: stream the request to the target over the target's keep-alive pool,
// stream the answer back, and make sure every way it can end releases both sides.
//
// - client goes away before the end          → upstream request destroyed (its socket is not reused)
// - target refuses/resets before answering   → 503 (through the error target if configured)
// - target resets in the middle of the body  → client connection destroyed (truncation is visible)
// - stale keep-alive socket on a body-less request → retried on a fresh socket, at most twice

import http from 'node:http';
import https from 'node:https';
import { upstreamPath, type ProxyContext } from './context.ts';
import { responseHeaders, requestHeaders } from './forwardHeaders.ts';
import { logProxyFailure, sendErrorPage } from './proxyErrors.ts';
import type { ResolvedPath } from './requestPath.ts';
import type { Target } from './targets.ts';
import type { Route } from './types.ts';

const MAX_RETRIES = 2;

/** Does the request carry a body (Content-Length > 0 or any Transfer-Encoding)? */
function hasBody(raw: string[]): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    const len = raw[i].length;
    if (len === 14 || len === 17) {
      const lower = raw[i].toLowerCase();
      if (lower === 'transfer-encoding') return true;
      if (lower === 'content-length' && raw[i + 1] !== '0') return true;
    }
  }
  return false;
}

function isRetryable(err: NodeJS.ErrnoException): boolean {
  return err.code === 'ECONNRESET' || err.code === 'EPIPE';
}

function timeoutError(ms: number): NodeJS.ErrnoException {
  return Object.assign(new Error(`no answer from the target within ${ms} ms`), { code: 'ETIMEDOUT' });
}

export function forwardHttp(
  ctx: ProxyContext,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  resolved: ResolvedPath,
  route: Route,
  target: Target,
): void {
  const routePath = route.path;
  const headers = requestHeaders(req, ctx.headers, false, target.hostHeader);
  const withBody = hasBody(req.rawHeaders);
  const options: http.RequestOptions = {
    host: target.hostname,
    port: target.port,
    method: req.method,
    path: upstreamPath(ctx, resolved, route, target),
    headers: headers as unknown as http.OutgoingHttpHeaders,
    agent: target.agent,
    setHost: false,
  };
  let proxyReq: http.ClientRequest;
  let clientGone = false;
  let responded = false;
  let retries = 0;

  const onResponse = (proxyRes: http.IncomingMessage): void => {
    responded = true;
    const status = proxyRes.statusCode ?? 502;
    try {
      res.writeHead(status, proxyRes.statusMessage, responseHeaders(proxyRes.rawHeaders));
    } catch (err) {
      proxyRes.destroy();
      logProxyFailure(ctx.logger, 502, req.method, req.url, err, target.url);
      ctx.metrics?.proxied(502);
      sendErrorPage(ctx.errorPages, req, res, 502);
      return;
    }
    ctx.metrics?.proxied(status);
    // a streamed answer (event stream, long download) keeps its route active while it flows;
    // error and redirect bodies do not count
    if (status < 300) proxyRes.on('data', () => ctx.activity.record(routePath));
    proxyRes.on('error', () => res.destroy());
    proxyRes.pipe(res);
  };

  const onError = (err: NodeJS.ErrnoException): void => {
    if (clientGone) return;
    if (responded) {
      // the answer is already flowing (or done); its own 'error' tears the client side down
      if (withBody) req.unpipe(proxyReq);
      return;
    }
    if (!withBody && retries < MAX_RETRIES && proxyReq.reusedSocket && isRetryable(err)) {
      retries++;
      dispatch();
      return;
    }
    logProxyFailure(ctx.logger, 503, req.method, req.url, err, target.url);
    ctx.metrics?.proxied(503);
    if (withBody) req.unpipe(proxyReq);
    sendErrorPage(ctx.errorPages, req, res, 503);
  };

  const dispatch = (): void => {
    proxyReq = target.secure ? https.request(options, onResponse) : http.request(options, onResponse);
    proxyReq.on('error', onError);
    if (ctx.proxyTimeoutMs > 0) {
      const request = proxyReq;
      request.setTimeout(ctx.proxyTimeoutMs, () => request.destroy(timeoutError(ctx.proxyTimeoutMs)));
    }
    if (withBody) req.pipe(proxyReq);
    else proxyReq.end();
  };

  res.on('close', () => {
    if (res.writableFinished) {
      if (res.statusCode < 300) ctx.activity.record(routePath);
    } else {
      clientGone = true;
      proxyReq.destroy();
    }
  });
  if (withBody) {
    req.on('data', () => ctx.activity.record(routePath));
    req.on('error', () => proxyReq.destroy());
  }
  if (ctx.timeoutMs > 0 && req.socket.timeout !== ctx.timeoutMs) req.socket.setTimeout(ctx.timeoutMs);
  dispatch();
}
