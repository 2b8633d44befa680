// Back-channel requests to a MediaWiki wiki: the OAuth 1.0a handshake steps (Special:OAuth/
// initiate, token, identify), each signed HMAC-SHA1 by the `oauth-1.0a` library, and the public
// api.php query PAWS uses to see whether a global account is locked.
// Nothing here logs: callers get AuthSourceError whose logDetail never holds a token or secret.
import { createHmac } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import { AuthSourceError } from '../types.ts';

export interface TokenPair {
  key: string;
  secret: string;
}

export interface WikiClientOptions {
  /** The wiki's index.php, e.g. https://meta.wikimedia.org/w/index.php */
  indexUrl: string;
  /** The wiki's api.php. */
  apiUrl: string;
  consumer: TokenPair;
  timeoutMs: number;
  userAgent: string;
  /** Injected for tests; default global fetch. */
  fetch?: typeof fetch;
}

/** The answer to a signed call, with the nonce it was signed with (identify's JWT must echo it). */
export interface SignedAnswer {
  status: number;
  body: string;
  nonce: string;
}

const UNREACHABLE = 'The wiki could not be reached to log you in. Please try again in a moment.';

/** api.php next to index.php (…/w/index.php → …/w/api.php). */
export function apiUrlBeside(indexUrl: string): string {
  const u = new URL(indexUrl);
  u.pathname = u.pathname.replace(/[^/]*$/, 'api.php');
  u.search = '';
  return u.toString();
}

/** `index.php?title=<title>` plus extra query parameters (the title stays in the signed URL, as MediaWiki expects). */
export function specialPageUrl(indexUrl: string, title: string, extra: Record<string, string> = {}): string {
  const u = new URL(indexUrl);
  u.search = '';
  u.searchParams.set('title', title);
  for (const [k, v] of Object.entries(extra)) u.searchParams.set(k, v);
  return u.toString();
}

export class WikiClient {
  private readonly oauth: OAuth;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly opts: WikiClientOptions) {
    this.oauth = new OAuth({
      consumer: opts.consumer,
      signature_method: 'HMAC-SHA1',
      hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
    });
    this.fetchFn = opts.fetch ?? fetch;
  }

  get indexUrl(): string {
    return this.opts.indexUrl;
  }

  /**
   * POSTs to `Special:OAuth/<step>` with an OAuth 1.0a Authorization header. `oauthParams`
   * (oauth_callback, oauth_verifier) are signed and sent in the header, as python-mwoauth does.
   */
  async signedPost(step: 'initiate' | 'token' | 'identify', token: TokenPair | null, oauthParams: Record<string, string> = {}): Promise<SignedAnswer> {
    const url = specialPageUrl(this.opts.indexUrl, `Special:OAuth/${step}`);
    const signed = this.oauth.authorize({ url, method: 'POST', data: { ...oauthParams } }, token ?? undefined);
    const header = this.oauth.toHeader({ ...signed, ...oauthParams });
    const res = await this.send(url, { method: 'POST', headers: { ...header, 'User-Agent': this.opts.userAgent } }, `Special:OAuth/${step}`);
    return { status: res.status, body: res.body, nonce: signed.oauth_nonce };
  }

  /** Whether the global account of `name` is locked (api.php meta=globaluserinfo), as PAWS checks. */
  async globalAccountLocked(name: string): Promise<{ locked: boolean; missing: boolean }> {
    const u = new URL(this.opts.apiUrl);
    for (const [k, v] of Object.entries({ action: 'query', format: 'json', formatversion: '2', meta: 'globaluserinfo', guiuser: name })) u.searchParams.set(k, v);
    const res = await this.send(u.toString(), { method: 'GET', headers: { 'User-Agent': this.opts.userAgent, Accept: 'application/json' } }, 'api.php globaluserinfo');
    if (res.status !== 200) throw new AuthSourceError(UNREACHABLE, `api.php globaluserinfo answered HTTP ${res.status}`);
    let info: unknown;
    try {
      info = (JSON.parse(res.body) as { query?: { globaluserinfo?: unknown } }).query?.globaluserinfo;
    } catch {
      throw new AuthSourceError(UNREACHABLE, 'api.php globaluserinfo answered something that is not JSON');
    }
    if (typeof info !== 'object' || info === null) {
      const err = safeApiError(res.body);
      throw new AuthSourceError(UNREACHABLE, `api.php globaluserinfo answered without query.globaluserinfo${err ? ` (error ${err})` : ''}`);
    }
    const rec = info as Record<string, unknown>;
    // formatversion=2 gives booleans; formatversion=1 gives "" for a set flag.
    const flag = (v: unknown) => v === true || v === '';
    return { locked: flag(rec.locked), missing: flag(rec.missing) };
  }

  private async send(url: string, init: RequestInit, what: string): Promise<{ status: number; body: string }> {
    try {
      const res = await this.fetchFn(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(this.opts.timeoutMs) });
      return { status: res.status, body: await res.text() };
    } catch (e) {
      const cause = e instanceof Error ? (e.name === 'TimeoutError' ? `no answer within ${this.opts.timeoutMs} ms` : errorCode(e)) : 'request failed';
      throw new AuthSourceError(UNREACHABLE, `${what} at ${new URL(url).origin}: ${cause}`);
    }
  }
}

function errorCode(e: Error): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? e.message;
}

/** The `error.code` of a MediaWiki API error answer, or null (only the code: messages may echo input). */
function safeApiError(body: string): string | null {
  try {
    const err = (JSON.parse(body) as { error?: { code?: unknown } | string }).error;
    const code = typeof err === 'string' ? err : err?.code;
    return typeof code === 'string' ? code.slice(0, 80) : null;
  } catch {
    return null;
  }
}
