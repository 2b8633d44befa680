// offset/limit handling and the opt-in pagination envelope (protocol.md §6.2).
import type { FastifyRequest } from 'fastify';
import { HubError } from '../hub/errors.ts';

export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 200;
export const PAGINATION_MEDIA = 'application/jupyterhub-pagination+json';

export interface PageRequest {
  offset: number;
  limit: number;
  envelope: boolean;
}

function intParam(q: Record<string, unknown>, name: string): number | undefined {
  const v = q[name];
  if (v === undefined || v === '') return undefined;
  const s = String(Array.isArray(v) ? v[0] : v);
  if (!/^[+-]?\d+$/.test(s.trim())) throw new HubError(400, `${name} must be an integer, not ${JSON.stringify(s)}`);
  const n = Math.abs(parseInt(s, 10));
  // beyond 2^53 the store refuses the value (a 500): say here that it is out of range
  if (!Number.isSafeInteger(n)) throw new HubError(400, `${name} is out of range: ${JSON.stringify(s)}`);
  return n;
}

export function pageRequest(req: FastifyRequest): PageRequest {
  const q = (req.query ?? {}) as Record<string, unknown>;
  const accept = String(req.headers.accept ?? '');
  const envelope = accept.split(',').some((p) => p.split(';')[0].trim() === PAGINATION_MEDIA);
  const offset = intParam(q, 'offset') ?? 0;
  let limit = intParam(q, 'limit') ?? (envelope ? PAGE_DEFAULT : PAGE_MAX);
  limit = Math.min(PAGE_MAX, Math.max(1, limit));
  return { offset, limit, envelope };
}

/** The envelope; `next.url` is built from the request's own scheme, Host and path. */
export function envelope(req: FastifyRequest, p: PageRequest, items: unknown, count: number, total: number) {
  const nextOffset = p.offset + p.limit;
  let next: { offset: number; limit: number; url: string } | null = null;
  if (nextOffset < total && count > 0) {
    const url = new URL(req.url, requestOrigin(req));
    url.searchParams.set('offset', String(nextOffset));
    url.searchParams.set('limit', String(p.limit));
    next = { offset: nextOffset, limit: p.limit, url: url.toString() };
  }
  return { items, _pagination: { offset: p.offset, limit: p.limit, total, next } };
}

function firstValue(h: string | string[] | undefined): string | undefined {
  const v = Array.isArray(h) ? h[0] : h;
  return v?.split(',')[0].trim() || undefined;
}

/** A bare host[:port] that parses as an origin (no path, credentials or spaces), else false. */
function usableHost(scheme: string, host: string): boolean {
  try {
    const u = new URL(`${scheme}://${host}`);
    return u.pathname === '/' && !u.username && !u.password && !u.search && !u.hash && !/[/\\@?#\s]/.test(host);
  } catch {
    return false;
  }
}

/** Scheme and host the client used: forwarded values first (the first of a list), then Host. */
function requestOrigin(req: FastifyRequest): string {
  const proto = firstValue(req.headers['x-forwarded-proto']) ?? req.protocol;
  const scheme = proto.toLowerCase() === 'https' ? 'https' : 'http';
  for (const host of [firstValue(req.headers['x-forwarded-host']), firstValue(req.headers.host)]) {
    if (host && usableHost(scheme, host)) return `${scheme}://${host}`;
  }
  return `${scheme}://localhost`;
}
