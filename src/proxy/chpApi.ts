// configurable-http-proxy's REST API over a RouteStore (protocol.md §5.2, CHP lib/configproxy.js):
//   GET    /api/routes[?inactive_since=<ISO date>]  → 200 {key: data + target + last_activity}
//   GET    /api/routes/<key>                        → 200 data | 404
//   POST   /api/routes[/<key>]  {"target": …, …}    → 201 (no key means '/')
//   DELETE /api/routes[/<key>]                      → 204 | 404
// Auth is `Authorization: token <secret>` only; anything else is 403 with an empty body.
// Order of checks: unknown path 404, unknown method 405, then auth, then the body (CHP parses the
// body before checking the token; checking the token first keeps anonymous input unparsed).

import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { Logger } from 'pino';
import { toChpRouteData, toChpRouteTable } from './chpRoute.ts';
import { normalizeRouteKey } from './trie.ts';
import type { RouteStore } from './types.ts';

export interface ChpApiOptions {
  routes: RouteStore;
  logger: Logger;
  /** CONFIGPROXY_AUTH_TOKEN; null/empty leaves the API unauthenticated (logged as a warning). */
  authToken?: string | null;
  /** With host routing, POSTed routes get `host` (the key's first segment) in their data, as CHP does. */
  hostRouting?: boolean;
  /** Counts API answers by status. */
  onResponse?: (status: number) => void;
  now?: () => Date;
}

export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const MAX_BODY_BYTES = 1024 * 1024;
const ROUTES_PREFIX = '/api/routes';
const TOKEN_RE = /token\s+(\S+)/;

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function send(res: http.ServerResponse, status: number, body = '', contentType?: string): void {
  const headers: http.OutgoingHttpHeaders = { 'Content-Length': Buffer.byteLength(body) };
  if (contentType !== undefined) headers['Content-Type'] = contentType;
  res.writeHead(status, headers);
  res.end(body);
}

function sendJson(res: http.ServerResponse, value: unknown): void {
  send(res, 200, JSON.stringify(value), 'application/json');
}

class BadRequest extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // an oversized body is read to its end and discarded (only token holders get here), so the
    // client reliably reads the 413 instead of a reset
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) reject(new BadRequest(`Body larger than ${MAX_BODY_BYTES} bytes`, 413));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

export function createChpApiHandler(opts: ChpApiOptions): RequestHandler {
  const { routes, logger } = opts;
  const now = opts.now ?? (() => new Date());
  const expected = opts.authToken ? digest(opts.authToken) : null;
  if (expected === null) logger.warn('the proxy REST API is not authenticated (no CONFIGPROXY_AUTH_TOKEN)');

  function authorized(req: http.IncomingMessage): boolean {
    if (expected === null) return true;
    const match = TOKEN_RE.exec(req.headers.authorization ?? '');
    return match !== null && timingSafeEqual(digest(match[1]), expected);
  }

  async function getRoutes(req: http.IncomingMessage, res: http.ServerResponse, key: string | undefined, url: URL): Promise<void> {
    if (key !== undefined && key !== '' && key !== '/') {
      const route = await routes.get(normalizeRouteKey(key));
      if (route === null) send(res, 404);
      else sendJson(res, toChpRouteData(route));
      return;
    }
    const param = url.searchParams.get('inactiveSince') || url.searchParams.get('inactive_since');
    let since: Date | undefined;
    if (param) {
      const ms = Date.parse(param);
      if (!Number.isFinite(ms)) throw new BadRequest(`Invalid datestamp '${param}' must be ISO8601.`);
      since = new Date(ms);
    }
    sendJson(res, toChpRouteTable(await routes.list(since)));
  }

  async function postRoute(req: http.IncomingMessage, res: http.ServerResponse, key: string | undefined): Promise<void> {
    const body = await readBody(req);
    let data: unknown;
    try {
      data = JSON.parse(body) || {};
    } catch (err) {
      throw new BadRequest(`Body not valid JSON: ${(err as Error).message}`);
    }
    const record = data as Record<string, unknown>;
    if (typeof data !== 'object' || Array.isArray(data) || typeof record.target !== 'string') {
      logger.warn('POST /api/routes without a target string');
      throw new BadRequest("Must specify 'target' as string");
    }
    const path = normalizeRouteKey(key ?? '/');
    const { target, last_activity: _ignored, ...rest } = record;
    if (opts.hostRouting && path !== '/') rest.host = path.split('/')[1];
    logger.info({ route: path }, `adding route ${path} -> ${target}`);
    await routes.add(path, target as string, rest, now());
    send(res, 201);
  }

  async function deleteRoute(res: http.ServerResponse, key: string | undefined): Promise<void> {
    const path = normalizeRouteKey(key ?? '/');
    if (await routes.remove(path)) {
      logger.info({ route: path }, `removed route ${path}`);
      send(res, 204);
    } else {
      send(res, 404);
    }
  }

  async function dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://nbhub.invalid');
    const pathname = url.pathname;
    if (!pathname.startsWith(ROUTES_PREFIX) || (pathname.length > ROUTES_PREFIX.length && pathname[ROUTES_PREFIX.length] !== '/')) {
      send(res, 404, http.STATUS_CODES[404]);
      return;
    }
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'POST' && method !== 'DELETE') {
      send(res, 405, 'Method not supported');
      return;
    }
    if (!authorized(req)) {
      logger.debug('rejecting API request without a valid token');
      send(res, 403);
      return;
    }
    let key: string | undefined;
    if (pathname.length > ROUTES_PREFIX.length) {
      try {
        key = decodeURIComponent(pathname.slice(ROUTES_PREFIX.length));
      } catch {
        throw new BadRequest('Route path is not valid percent-encoding');
      }
    }
    if (method === 'GET') await getRoutes(req, res, key, url);
    else if (method === 'POST') await postRoute(req, res, key);
    else await deleteRoute(res, key);
  }

  return (req, res) => {
    res.on('finish', () => {
      opts.onResponse?.(res.statusCode);
      const line = `${res.statusCode} ${req.method} ${(req.url ?? '').split('?', 1)[0]}`;
      if (res.statusCode < 400) logger.info(line);
      else if (res.statusCode < 500) logger.warn(line);
      else logger.error(line);
    });
    dispatch(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof BadRequest) {
        send(res, err.status, err.message);
        return;
      }
      logger.error({ err }, `error in ${req.method} ${(req.url ?? '').split('?', 1)[0]}`);
      send(res, 500, http.STATUS_CODES[500]);
    });
  };
}
