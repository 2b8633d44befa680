// A MediaWiki OAuth 1.0a fake over real HTTP on 127.0.0.1, speaking the documented protocol of
// Extension:OAuth (index.php?title=Special:OAuth/initiate|authenticate|token|identify) and the
// api.php globaluserinfo query. Wikimedia's own wikis cannot be reached from tests, so this
// stands in for them; it is strict where a real wiki is:
// - every signed request's HMAC-SHA1 signature is recomputed here from RFC 5849 with node's
//   crypto (independently of the client's library), along with the consumer key, timestamp
//   window and nonce reuse; failures are answered as MediaWiki does and counted;
// - the identify JWT is HS256 with the consumer secret, aud = consumer key, iss = this origin,
//   nonce = the identify request's nonce — unless a test asks for a tampered one.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';

export type IdentifyTamper = 'wrong-secret' | 'wrong-audience' | 'stale-iat' | 'wrong-nonce' | 'wrong-issuer' | null;

export interface FakeMediawikiOptions {
  consumerKey: string;
  consumerSecret: string;
  /** The callback URL registered with the consumer (the wiki sends the browser there: oauth_callback=oob). */
  callbackUrl: string;
  /** Wiki accounts: user name → central id (the JWT's sub). Others are created on first approval. */
  users?: Record<string, number>;
}

interface RequestToken {
  secret: string;
  verifier: string | null;
  user: string | null;
}

interface AccessToken {
  secret: string;
  user: string;
  revoked: boolean;
}

/** RFC 3986 percent-encoding as OAuth 1.0a (RFC 5849 §3.6) requires it. */
export function oauthPercentEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Parses `OAuth k="v", …` (values percent-encoded). */
function parseAuthorization(header: string | undefined): Map<string, string> | null {
  if (!header || !/^OAuth\s/i.test(header)) return null;
  const out = new Map<string, string>();
  for (const m of header.slice(6).matchAll(/([A-Za-z0-9_%.~-]+)="([^"]*)"/g)) out.set(decodeURIComponent(m[1]!), decodeURIComponent(m[2]!));
  return out;
}

export class FakeMediawiki {
  private server: Server | null = null;
  private port = 0;
  private readonly requestTokens = new Map<string, RequestToken>();
  private readonly accessTokens = new Map<string, AccessToken>();
  private readonly seenNonces = new Set<string>();
  private readonly users = new Map<string, number>();
  private readonly locked = new Set<string>();
  private nextId = 1000;
  /** How the next identify answers are spoiled (null: honest). */
  tamper: IdentifyTamper = null;
  /** Requests whose OAuth signature (or key, timestamp, nonce, token) did not verify, with why. */
  readonly rejected: string[] = [];
  /** Signed requests that verified, by step. */
  readonly verified: string[] = [];
  /** Unsigned globaluserinfo queries, by user name asked. */
  readonly lockChecks: string[] = [];

  constructor(private readonly opts: FakeMediawikiOptions) {
    for (const [name, id] of Object.entries(opts.users ?? {})) this.users.set(name, id);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch((e: unknown) => {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`fake wiki error: ${e instanceof Error ? e.message : String(e)}`);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get indexUrl(): string {
    return `${this.origin}/w/index.php`;
  }

  get apiUrl(): string {
    return `${this.origin}/w/api.php`;
  }

  /** Locks (or unlocks) a global account, as a steward would. */
  lock(name: string, locked = true): void {
    if (locked) this.locked.add(name);
    else this.locked.delete(name);
  }

  /** Revokes every grant the user gave this consumer (Special:OAuthManageMyGrants). */
  revokeGrants(name: string): void {
    for (const t of this.accessTokens.values()) if (t.user === name) t.revoked = true;
  }

  centralId(name: string): number {
    let id = this.users.get(name);
    if (id === undefined) {
      id = this.nextId++;
      this.users.set(name, id);
    }
    return id;
  }

  /** What a browser does at Special:OAuth/authenticate: log in as `user` and allow; returns where the wiki redirects. */
  async approveAs(authorizeUrl: string, user: string): Promise<string> {
    const page = await fetch(authorizeUrl);
    if (page.status !== 200) throw new Error(`authorize page answered ${page.status}`);
    const token = new URL(authorizeUrl).searchParams.get('oauth_token') ?? '';
    const res = await fetch(`${this.indexUrl}?title=Special:OAuth/authenticate`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ oauth_token: token, wpName: user, wpAllow: '1' }).toString(),
    });
    const location = res.headers.get('location');
    if (res.status !== 302 || !location) throw new Error(`approval answered ${res.status}: ${await res.text()}`);
    return location;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    const body = await readBody(req);
    const form = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(body) : new URLSearchParams();
    if (url.pathname === '/w/api.php') return this.api(url, res);
    if (url.pathname !== '/w/index.php') return send(res, 404, 'text/plain', 'no such page');
    const title = url.searchParams.get('title') ?? form.get('title') ?? '';
    switch (title) {
      case 'Special:OAuth/initiate':
        return this.initiate(req, url, form, res);
      case 'Special:OAuth/authenticate':
      case 'Special:OAuth/authorize':
        return req.method === 'POST' ? this.approve(form, res) : this.authorizePage(url, res);
      case 'Special:OAuth/token':
        return this.token(req, url, form, res);
      case 'Special:OAuth/identify':
        return this.identify(req, url, form, res);
      default:
        return send(res, 404, 'text/plain', `no such page ${title}`);
    }
  }

  /** Checks the OAuth 1.0a signature of a request; returns its oauth_* params, or null (and answers the error). */
  private verify(step: string, req: IncomingMessage, url: URL, form: URLSearchParams, tokenSecret: (token: string | undefined) => string | null): Map<string, string> | null {
    const fail = (why: string) => {
      this.rejected.push(`${step}: ${why}`);
      return null;
    };
    const oauth = parseAuthorization(req.headers.authorization);
    if (!oauth) return fail('no OAuth Authorization header');
    if (oauth.get('oauth_consumer_key') !== this.opts.consumerKey) return fail('unknown consumer key');
    if (oauth.get('oauth_signature_method') !== 'HMAC-SHA1') return fail(`signature method ${oauth.get('oauth_signature_method')}`);
    const version = oauth.get('oauth_version');
    if (version !== undefined && version !== '1.0') return fail(`oauth_version ${version}`);
    const ts = Number(oauth.get('oauth_timestamp'));
    if (!Number.isInteger(ts) || Math.abs(Date.now() / 1000 - ts) > 300) return fail('timestamp missing or outside 5 minutes');
    const nonce = oauth.get('oauth_nonce');
    if (!nonce) return fail('no nonce');
    const secret = tokenSecret(oauth.get('oauth_token'));
    if (secret === null) return fail('unknown or used token');

    // RFC 5849 §3.4.1: method & base URI & normalized parameters (header oauth_* but the
    // signature and realm, query, form body), each percent-encoded, sorted by name then value.
    const params: [string, string][] = [];
    for (const [k, v] of oauth) if (k !== 'oauth_signature' && k !== 'realm') params.push([k, v]);
    for (const [k, v] of url.searchParams) params.push([k, v]);
    for (const [k, v] of form) params.push([k, v]);
    const encoded = params.map(([k, v]) => [oauthPercentEncode(k), oauthPercentEncode(v)] as const);
    encoded.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    const paramString = encoded.map(([k, v]) => `${k}=${v}`).join('&');
    const baseUri = `${url.protocol}//${url.host.toLowerCase()}${url.pathname}`;
    const baseString = [(req.method ?? 'GET').toUpperCase(), oauthPercentEncode(baseUri), oauthPercentEncode(paramString)].join('&');
    const key = `${oauthPercentEncode(this.opts.consumerSecret)}&${oauthPercentEncode(secret)}`;
    const expected = createHmac('sha1', key).update(baseString).digest();
    const given = Buffer.from(oauth.get('oauth_signature') ?? '', 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return fail('signature does not verify');
    if (this.seenNonces.has(`${ts}:${nonce}`)) return fail('nonce reused');
    this.seenNonces.add(`${ts}:${nonce}`);
    this.verified.push(step);
    return oauth;
  }

  private initiate(req: IncomingMessage, url: URL, form: URLSearchParams, res: ServerResponse): void {
    const oauth = this.verify('initiate', req, url, form, (t) => (t === undefined ? '' : null));
    if (!oauth) return sendJson(res, 401, { error: 'mwoauth-oauth-exception', message: 'The authorization headers in your request are not valid' });
    if (oauth.get('oauth_callback') !== 'oob') return sendJson(res, 400, { error: 'mwoauth-callback-not-oob', message: 'oauth_callback must be set, and must be set to "oob"' });
    const key = randomBytes(16).toString('hex');
    const secret = randomBytes(20).toString('hex');
    this.requestTokens.set(key, { secret, verifier: null, user: null });
    send(res, 200, 'text/plain', new URLSearchParams({ oauth_token: key, oauth_token_secret: secret, oauth_callback_confirmed: 'true' }).toString());
  }

  private authorizePage(url: URL, res: ServerResponse): void {
    const token = url.searchParams.get('oauth_token') ?? '';
    if (!this.requestTokens.has(token) || url.searchParams.get('oauth_consumer_key') !== this.opts.consumerKey) {
      return send(res, 400, 'text/html', '<p>Error: the request token or consumer is not known.</p>');
    }
    send(
      res,
      200,
      'text/html; charset=utf-8',
      `<!doctype html><title>Allow nbhub to access your account</title>
<form method="post" action="/w/index.php?title=Special:OAuth/authenticate">
<input type="hidden" name="oauth_token" value="${token}">
<label>Username <input id="wpName1" name="wpName"></label>
<button id="mw-mwoauth-accept" name="wpAllow" value="1" type="submit">Allow</button>
</form>`,
    );
  }

  private approve(form: URLSearchParams, res: ServerResponse): void {
    const token = form.get('oauth_token') ?? '';
    const user = (form.get('wpName') ?? '').trim().replaceAll('_', ' ');
    const rt = this.requestTokens.get(token);
    if (!rt || rt.verifier !== null || !user) return send(res, 400, 'text/html', '<p>Error: bad approval.</p>');
    rt.user = user;
    rt.verifier = randomBytes(16).toString('hex');
    this.centralId(user);
    const cb = new URL(this.opts.callbackUrl);
    cb.searchParams.set('oauth_verifier', rt.verifier);
    cb.searchParams.set('oauth_token', token);
    res.writeHead(302, { Location: cb.toString() });
    res.end();
  }

  private token(req: IncomingMessage, url: URL, form: URLSearchParams, res: ServerResponse): void {
    let rt: RequestToken | undefined;
    let rtKey = '';
    const oauth = this.verify('token', req, url, form, (t) => {
      rt = t === undefined ? undefined : this.requestTokens.get(t);
      rtKey = t ?? '';
      return rt && rt.verifier !== null ? rt.secret : null;
    });
    if (!oauth || !rt) return sendJson(res, 401, { error: 'mwoauth-invalid-authorization', message: 'The authorization headers in your request are not valid' });
    if (oauth.get('oauth_verifier') !== rt.verifier) return sendJson(res, 401, { error: 'mwoauth-oauth-exception', message: 'Provided verifier does not match' });
    this.requestTokens.delete(rtKey);
    const key = randomBytes(16).toString('hex');
    const secret = randomBytes(20).toString('hex');
    this.accessTokens.set(key, { secret, user: rt.user!, revoked: false });
    send(res, 200, 'text/plain', new URLSearchParams({ oauth_token: key, oauth_token_secret: secret }).toString());
  }

  private async identify(req: IncomingMessage, url: URL, form: URLSearchParams, res: ServerResponse): Promise<void> {
    let at: AccessToken | undefined;
    const oauth = this.verify('identify', req, url, form, (t) => {
      at = t === undefined ? undefined : this.accessTokens.get(t);
      return at ? at.secret : null;
    });
    // Special:OAuth/identify answers HTTP 200 with a JSON error.
    if (!oauth || !at || at.revoked) {
      return sendJson(res, 200, { error: 'mwoauth-invalid-authorization-invalid-user', message: 'The authorization headers in your request are not valid' });
    }
    const now = Math.floor(Date.now() / 1000);
    const iat = this.tamper === 'stale-iat' ? now - 3600 : now;
    const jwt = await new SignJWT({
      username: at.user,
      editcount: 42,
      confirmed_email: true,
      blocked: false,
      registered: '20200101000000',
      groups: ['*', 'user', 'autoconfirmed'],
      rights: ['read', 'edit'],
      grants: ['basic', 'editpage'],
      nonce: this.tamper === 'wrong-nonce' ? randomBytes(8).toString('hex') : oauth.get('oauth_nonce'),
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(this.tamper === 'wrong-issuer' ? 'http://wiki.invalid' : this.origin)
      .setSubject(String(this.centralId(at.user)))
      .setAudience(this.tamper === 'wrong-audience' ? 'another-consumer' : this.opts.consumerKey)
      .setIssuedAt(iat)
      .setExpirationTime(now + 100) // a stale iat alone must be caught, not an expired token
      .sign(new TextEncoder().encode(this.tamper === 'wrong-secret' ? 'not-the-consumer-secret' : this.opts.consumerSecret));
    send(res, 200, 'application/jwt', jwt);
  }

  private api(url: URL, res: ServerResponse): void {
    const p = url.searchParams;
    if (p.get('action') !== 'query' || p.get('meta') !== 'globaluserinfo' || p.get('format') !== 'json') {
      return sendJson(res, 200, { error: { code: 'badparams', info: 'this fake only answers meta=globaluserinfo in JSON' } });
    }
    const name = (p.get('guiuser') ?? '').replaceAll('_', ' ');
    this.lockChecks.push(name);
    const id = this.users.get(name);
    const v2 = p.get('formatversion') === '2';
    if (id === undefined) return sendJson(res, 200, { batchcomplete: v2 ? true : '', query: { globaluserinfo: { missing: v2 ? true : '' } } });
    const info: Record<string, unknown> = { home: 'fakewiki', id, registration: '2020-01-01T00:00:00Z', name };
    if (this.locked.has(name)) info.locked = v2 ? true : '';
    sendJson(res, 200, { batchcomplete: v2 ? true : '', query: { globaluserinfo: info } });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 1_000_000) req.destroy(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json', JSON.stringify(body));
}
