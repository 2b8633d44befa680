// Outbound HTTP to an identity provider, with the deployment's settings: TLS verification on or
// off (validateServerCert), an extra CA file, an HTTP(S) proxy, and a deadline on every call.
// One undici dispatcher carries these settings; the same fetch serves openid-client (token
// exchange, discovery, JWKS) and the providers' own API calls (ProviderHttp).
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, ProxyAgent, fetch as undiciFetch, type Dispatcher } from 'undici';
import { AuthSourceError } from '../types.ts';
import type { ProviderHttp } from './provider.ts';

export interface OutboundSettings {
  /** false: no TLS certificate verification (oauthenticator's validate_server_cert). */
  validateServerCert: boolean;
  /** PEM file with CA certificates trusted in addition to the system's. */
  caFile: string | null;
  /** http(s)://host:port of a proxy all provider calls go through. */
  httpProxy: string | null;
  /** Deadline of each call. */
  timeoutMs: number;
  /** Name of the provider in messages ("GitHub"). */
  serviceName: string;
}

export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

export interface Outbound {
  /** fetch with the settings (and the deadline unless the caller passes its own signal). */
  fetch: FetchLike;
  http: ProviderHttp;
  close(): Promise<void>;
}

function dispatcherFor(s: OutboundSettings): Dispatcher {
  let ca: string | undefined;
  if (s.caFile) {
    try {
      ca = readFileSync(s.caFile, 'utf8');
    } catch (e) {
      throw new Error(`caFile ${s.caFile} of the OAuth provider settings cannot be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }
  // Node's `ca` replaces the built-in roots: keep them, so the file only adds to them
  const tls = { rejectUnauthorized: s.validateServerCert, ...(ca ? { ca: [...rootCertificates, ca] } : {}) };
  return s.httpProxy ? new ProxyAgent({ uri: s.httpProxy, requestTls: tls, proxyTls: tls }) : new Agent({ connect: tls });
}

/** URL without query string and credentials: what a log line may show. */
export function loggableUrl(url: string | URL): string {
  try {
    const u = new URL(String(url));
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/** Why a call did not get an answer, in words for the log (no URL query, no secret). */
export function networkCause(e: unknown): string {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return 'no answer before the deadline';
  const cause = err?.cause;
  if (cause?.code) return cause.code;
  return cause?.message ?? err?.message ?? String(e);
}

export function unreachable(serviceName: string, url: string | URL, e: unknown): AuthSourceError {
  return new AuthSourceError(
    `${serviceName} could not be reached to complete your sign-in. Please try again in a moment.`,
    `identity provider unreachable: ${loggableUrl(url)}: ${networkCause(e)}`,
    502,
  );
}

async function parseBody(res: Response): Promise<unknown> {
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function createOutbound(s: OutboundSettings): Outbound {
  const dispatcher = dispatcherFor(s);
  const doFetch: FetchLike = (url, init = {}) =>
    undiciFetch(String(url), {
      ...(init as Record<string, unknown>),
      signal: init.signal ?? AbortSignal.timeout(s.timeoutMs),
      dispatcher,
    } as Parameters<typeof undiciFetch>[1]) as unknown as Promise<Response>;

  return { fetch: doFetch, http: providerHttp(doFetch, s.serviceName), close: () => dispatcher.close() };
}

/** ProviderHttp over a fetch function (JSON or form answers parsed; unreachable → AuthSourceError). */
export function providerHttp(doFetch: FetchLike, serviceName: string): ProviderHttp {
  return {
    async json(url, opts = {}) {
      const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'nbhub', ...(opts.headers ?? {}) };
      if (opts.token) headers.authorization = `${opts.authScheme ?? 'Bearer'} ${opts.token}`;
      let body: string | undefined;
      if (opts.body) {
        body = new URLSearchParams(opts.body).toString();
        headers['content-type'] = 'application/x-www-form-urlencoded';
      }
      let res: Response;
      try {
        res = await doFetch(url, { method: opts.method ?? (opts.body ? 'POST' : 'GET'), headers, body, redirect: 'follow' });
      } catch (e) {
        throw unreachable(serviceName, url, e);
      }
      let parsed: unknown;
      try {
        parsed = await parseBody(res);
      } catch (e) {
        throw unreachable(serviceName, url, e);
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
  };
}
