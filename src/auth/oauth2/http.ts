// Outbound HTTP to an identity provider, with the deployment's settings: TLS verification on or
// off (validateServerCert), an extra CA file, an HTTP(S) proxy, and a deadline on every call.
// One undici dispatcher carries these settings; the same fetch serves openid-client (token
// exchange, discovery, JWKS) and the providers' own API calls (ProviderHttp).
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
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
  const err = e as { name?: string; message?: string; code?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return 'no answer before the deadline';
  const cause = err?.cause;
  const code = err?.code && !err.code.startsWith('UND_ERR_') ? err.code : cause?.code;
  if (code) return code;
  return cause?.message ?? err?.message ?? String(e);
}

/** Whether an error means the provider gave no answer (connection, TLS, deadline), wherever it was wrapped. */
export function isNetworkError(e: unknown, depth = 0): boolean {
  const err = e as { name?: string; message?: string; code?: unknown; cause?: unknown };
  if (!err || typeof err !== 'object' || depth > 4) return false;
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return true;
  if (typeof err.code === 'string' && /^(E[A-Z]+$|UND_ERR_|ERR_TLS|ERR_SSL|DEPTH_ZERO|SELF_SIGNED|CERT_|UNABLE_TO_|HOSTNAME_MISMATCH)/.test(err.code)) return true;
  if (err instanceof TypeError && /fetch failed/i.test(err.message ?? '')) return true;
  return err.cause !== undefined && err.cause !== e && isNetworkError(err.cause, depth + 1);
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

const NULL_BODY = new Set([101, 204, 205, 304]);

function bodyText(body: RequestInit['body']): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof URLSearchParams) return body.toString();
  throw new TypeError('outbound OAuth requests send text or form bodies only');
}

/**
 * A Response whose body is already in memory: text()/json()/arrayBuffer() answer from the buffer
 * instead of going through a web stream (a login reads two of these). `body` is null; clone()
 * gives another one over the same bytes (oauth4webapi clones error answers to read them).
 */
class BufferedResponse extends Response {
  #buf: Buffer | null;
  #pairs: Array<[string, string]>;
  constructor(buf: Buffer | null, status: number, pairs: Array<[string, string]>) {
    super(null, { status, headers: pairs });
    this.#buf = buf;
    this.#pairs = pairs;
  }
  override text(): Promise<string> {
    return Promise.resolve(this.#buf ? this.#buf.toString('utf8') : '');
  }
  override async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
  override arrayBuffer(): Promise<ArrayBuffer> {
    const b = this.#buf ?? Buffer.alloc(0);
    return Promise.resolve(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  }
  override clone(): Response {
    return new BufferedResponse(this.#buf, this.status, this.#pairs);
  }
}

/** Request headers as a plain object, without a Headers copy when they are one already. */
function headerRecord(h: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (h === undefined || h === null) return out;
  if (h instanceof Headers) h.forEach((v, k) => (out[k] = v));
  else if (Array.isArray(h)) for (const [k, v] of h) out[k.toLowerCase()] = v;
  else for (const k of Object.keys(h)) out[k.toLowerCase()] = (h as Record<string, string>)[k];
  return out;
}

interface BufferedAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * One request through the dispatcher, the answer collected into a Buffer: undici's dispatch()
 * with a plain handler (no body stream, no AbortSignal listener) and one timer for the deadline.
 * Errors are undici's own (codes UND_ERR_…, ECONNREFUSED, TLS codes); the deadline and the
 * caller's signal reject with a TimeoutError/AbortError, as fetch does.
 */
function dispatchBuffered(
  dispatcher: Dispatcher,
  url: URL,
  opts: { method: Dispatcher.HttpMethod; headers: Record<string, string>; body: string | undefined; signal: AbortSignal | undefined; timeoutMs: number },
): Promise<BufferedAnswer> {
  return new Promise((resolve, reject) => {
    let controller: Dispatcher.DispatchController | null = null;
    let stopReason: Error | null = null;
    let settled = false;
    const chunks: Buffer[] = [];
    let status = 0;
    let headers: BufferedAnswer['headers'] = {};
    const finish = (err: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve({ status, headers, body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks) });
    };
    const stop = (reason: Error) => {
      stopReason ??= reason;
      if (controller) controller.abort(reason);
      else finish(reason);
    };
    const onAbort = () => stop(opts.signal!.reason instanceof Error ? opts.signal!.reason : new DOMException('The operation was aborted', 'AbortError'));
    const timer = opts.signal ? undefined : setTimeout(() => stop(new DOMException('The operation timed out', 'TimeoutError')), opts.timeoutMs);
    if (opts.signal) {
      if (opts.signal.aborted) return onAbort();
      opts.signal.addEventListener('abort', onAbort, { once: true });
    }
    try {
      dispatcher.dispatch(
        { origin: url.origin, path: `${url.pathname}${url.search}`, method: opts.method, headers: opts.headers, body: opts.body },
        {
          onRequestStart(c) {
            controller = c;
            if (stopReason) c.abort(stopReason);
          },
          onResponseStart(_c, statusCode, h) {
            status = statusCode;
            headers = h as BufferedAnswer['headers'];
          },
          onResponseData(_c, chunk) {
            chunks.push(chunk);
          },
          onResponseEnd() {
            finish(null);
          },
          onResponseError(_c, err) {
            finish(stopReason ?? err);
          },
        },
      );
    } catch (e) {
      finish(e as Error); // arguments undici refuses at once
    }
  });
}

export function createOutbound(s: OutboundSettings): Outbound {
  const dispatcher = dispatcherFor(s);
  // the answer wrapped in a Response: the same contract as fetch (no redirects followed) at a
  // fraction of the CPU of undici's fetch or request(), which logins pay twice each
  const doFetch: FetchLike = async (url, init = {}) => {
    const headers = headerRecord(init.headers);
    const body = bodyText(init.body);
    if (init.body instanceof URLSearchParams && !headers['content-type']) headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
    const res = await dispatchBuffered(dispatcher, url instanceof URL ? url : new URL(url), {
      method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
      headers,
      body,
      signal: init.signal ?? undefined,
      timeoutMs: s.timeoutMs,
    });
    const pairs: Array<[string, string]> = [];
    for (const k of Object.keys(res.headers)) {
      const v = res.headers[k];
      if (Array.isArray(v)) for (const x of v) pairs.push([k, x]);
      else if (v !== undefined) pairs.push([k, v]);
    }
    return new BufferedResponse(NULL_BODY.has(res.status) ? null : res.body, res.status, pairs);
  };
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
      let at = url;
      try {
        res = await doFetch(at, { method: opts.method ?? (opts.body ? 'POST' : 'GET'), headers, body });
        // an API that moved (GET only, bounded); the token goes along only within the same origin
        for (let hop = 0; hop < 3 && !opts.body && [301, 302, 303, 307, 308].includes(res.status) && res.headers.get('location'); hop++) {
          const next = new URL(res.headers.get('location')!, at);
          if (next.origin !== new URL(at).origin) delete headers.authorization;
          at = next.href;
          res = await doFetch(at, { method: 'GET', headers });
        }
      } catch (e) {
        throw unreachable(serviceName, at, e);
      }
      let parsed: unknown;
      try {
        parsed = await parseBody(res);
      } catch (e) {
        throw unreachable(serviceName, at, e);
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
  };
}
