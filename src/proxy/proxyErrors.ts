// Error answers from the proxy itself (no route, target down) and how they are logged.
// With an error target, CHP fetches GET <error-target>/<code>?url=<original url> and relays that
// body and content type under its own status; the hub renders its error page there.

import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';

/** Socket errors that mean "the target is not there or went away": one log line, no stack. */
const KNOWN_SOCKET_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

/** Query strings carry tokens: never log them. */
export function loggableUrl(url: string | undefined): string {
  if (url === undefined) return '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export function isKnownSocketError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && KNOWN_SOCKET_ERRORS.has(code);
}

/** Logs a proxy failure: known socket errors as one line, anything else with its stack. */
export function logProxyFailure(
  logger: Logger,
  status: number,
  method: string | undefined,
  url: string | undefined,
  err?: unknown,
  target?: string,
): void {
  const path = loggableUrl(url);
  const level = status >= 500 ? 'error' : 'warn';
  if (err === undefined) {
    logger[level]({ status, method, url: path }, `${status} ${method} ${path}`);
  } else if (isKnownSocketError(err)) {
    const e = err as NodeJS.ErrnoException;
    logger[level]({ status, method, url: path, target, code: e.code }, `${status} ${method} ${path}: ${e.message}`);
  } else {
    logger[level]({ status, method, url: path, target, err }, `${status} ${method} ${path}: unexpected error`);
  }
}

function plainError(res: http.ServerResponse, status: number): void {
  if (res.writableEnded || res.destroyed) return;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = http.STATUS_CODES[status] ?? 'Error';
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export interface ErrorPages {
  /** Base URL with a trailing '/', or null for plain-text answers. */
  errorTarget: string | null;
  timeoutMs: number;
  logger: Logger;
}

/**
 * A target failed before answering (`err` null: it closed the connection): 502 for an answer
 * that was not HTTP, 503 otherwise, logged, counted and answered with the error page.
 */
export function answerUpstreamFailure(
  pages: ErrorPages,
  metrics: { proxied(status: number): void } | null,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  err: NodeJS.ErrnoException | null,
  targetUrl: string,
): void {
  const status = err?.code === 'UPSTREAM_BAD_RESPONSE' ? 502 : 503;
  const failure = err ?? Object.assign(new Error('target closed the connection before answering'), { code: 'ECONNRESET' });
  logProxyFailure(pages.logger, status, req.method, req.url, failure, targetUrl);
  metrics?.proxied(status);
  sendErrorPage(pages, req, res, status);
}

/** Answers `res` with `status`, through the error target when one is configured. */
export function sendErrorPage(pages: ErrorPages, req: http.IncomingMessage, res: http.ServerResponse, status: number): void {
  if (res.headersSent || res.writableEnded || res.destroyed) {
    plainError(res, status);
    return;
  }
  if (pages.errorTarget === null) {
    plainError(res, status);
    return;
  }
  const url = `${pages.errorTarget}${status}?${new URLSearchParams({ url: req.url ?? '/' })}`;
  const client = url.startsWith('https:') ? https : http;
  let settled = false;
  const fallback = (err: unknown) => {
    if (settled) return;
    settled = true;
    pages.logger.error({ status, code: (err as NodeJS.ErrnoException)?.code }, `failed to get the error page for ${status}: ${(err as Error)?.message}`);
    plainError(res, status);
  };
  const errorReq = client.get(url, { timeout: pages.timeoutMs }, (upstream) => {
    if (settled) {
      upstream.resume();
      return;
    }
    settled = true;
    if (res.writableEnded || res.destroyed) {
      upstream.resume();
      return;
    }
    const headers: Record<string, string> = {};
    const type = upstream.headers['content-type'];
    const encoding = upstream.headers['content-encoding'];
    if (type !== undefined) headers['Content-Type'] = type;
    if (encoding !== undefined) headers['Content-Encoding'] = encoding;
    res.writeHead(status, headers);
    upstream.on('error', () => res.destroy());
    upstream.pipe(res);
  });
  errorReq.on('timeout', () => errorReq.destroy(Object.assign(new Error('error page request timed out'), { code: 'ETIMEDOUT' })));
  errorReq.on('error', fallback);
  res.on('close', () => {
    if (!res.writableFinished) errorReq.destroy();
  });
}

/** A failed upgrade gets a bare status line, then the socket is closed. */
export function rejectUpgrade(socket: Duplex, status: number): void {
  if (socket.destroyed) return;
  if (socket.writable) {
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }
  // the client side is allowed to stay half-open: close fully once the answer is flushed, and
  // soon in any case so a peer that never reads cannot hold the socket
  socket.once('finish', () => socket.destroy());
  setTimeout(() => socket.destroy(), 1000).unref();
}
