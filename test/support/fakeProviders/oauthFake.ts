// The OAuth 2.0 half every provider fake shares, served over real HTTP on 127.0.0.1: an
// authorize endpoint that signs in the configured test user at once and redirects back with a
// code (keeping state, checking the redirect URI and remembering the PKCE challenge and nonce),
// a token endpoint (client secret by form or HTTP Basic, single-use codes, PKCE S256 checked),
// and, for OpenID Connect providers, a discovery document, a JWKS and id_tokens signed with a
// key generated per fake (jose). Each provider's file adds only the API routes its flow calls.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';

export interface FakeRequest {
  method: string;
  url: URL;
  /** The bearer (or GitHub-style `token …`) access token, if one was sent. */
  token: string | null;
  headers: IncomingMessage['headers'];
  form: URLSearchParams;
}
export interface FakeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
export type Handler = (req: FakeRequest, match: RegExpExecArray) => FakeResponse | Promise<FakeResponse>;

export interface OAuthFakeOptions {
  clientId: string;
  clientSecret: string;
  /** Path of the authorize and token endpoints. */
  authorizePath: string;
  tokenPath: string;
  /**
   * OpenID Connect: the issuer's path under the fake's URL ('' for the root). The fake then serves
   * <issuer>/.well-known/openid-configuration and signs id_tokens; `jwksPath` is where its key is.
   */
  oidc?: { issuerPath: string; jwksPath: string; userinfoPath: string | null };
  /** Claims of the id_token for a user (beyond iss, aud, sub, nonce, iat, exp). */
  idTokenClaims?: (user: string) => Record<string, unknown>;
  /** Extra fields of the token response (Globus's other_tokens, …). */
  tokenExtras?: (user: string, scope: string) => Record<string, unknown>;
  /** Scope the token response reports as granted; default: what was asked. */
  grantedScope?: (asked: string) => string;
}

interface PendingCode {
  user: string;
  redirectUri: string;
  challenge: string | null;
  nonce: string | null;
  scope: string;
}

/** What a test reads back: the authorize requests the fake saw (their query, minus nothing secret). */
export interface SeenAuthorize {
  params: URLSearchParams;
}

export class OAuthFake {
  url = '';
  /** The user the next authorize request signs in (a key of the provider's user table). */
  currentUser = '';
  readonly authorizeRequests: SeenAuthorize[] = [];
  /** access token → user. */
  readonly tokens = new Map<string, string>();
  private readonly codes = new Map<string, PendingCode>();
  private readonly routes: { method: string; pattern: RegExp; handler: Handler }[] = [];
  private server: Server | null = null;
  private key: { privateKey: CryptoKey; jwk: JWK } | null = null;

  constructor(readonly opts: OAuthFakeOptions) {}

  get issuer(): string {
    return this.url + (this.opts.oidc?.issuerPath ?? '');
  }

  /** Adds an API route; `pattern` is matched against the path (anchored). */
  route(method: string, pattern: RegExp, handler: Handler): void {
    this.routes.push({ method, pattern, handler });
  }

  async start(): Promise<void> {
    if (this.opts.oidc) {
      const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
      this.key = { privateKey, jwk: { ...(await exportJWK(publicKey)), kid: 'fake-1', alg: 'RS256', use: 'sig' } };
    }
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** The user behind an access token (for the provider's API routes); null: not a token of ours. */
  userOf(req: FakeRequest): string | null {
    return req.token ? (this.tokens.get(req.token) ?? null) : null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', this.url);
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks).toString();
      const auth = req.headers.authorization ?? '';
      const m = /^(?:bearer|token)\s+(.+)$/i.exec(auth);
      const fr: FakeRequest = {
        method: req.method ?? 'GET',
        url,
        token: m ? m[1] : url.searchParams.get('access_token'),
        headers: req.headers,
        form: new URLSearchParams(req.headers['content-type']?.includes('json') ? '' : raw),
      };
      const out = await this.dispatch(fr);
      const headers: Record<string, string> = { ...(out.headers ?? {}) };
      let body = '';
      if (out.body !== undefined) {
        headers['content-type'] ??= 'application/json';
        body = typeof out.body === 'string' ? out.body : JSON.stringify(out.body);
      }
      res.writeHead(out.status, headers).end(body);
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`fake provider error: ${(e as Error).message}`);
    }
  }

  private async dispatch(req: FakeRequest): Promise<FakeResponse> {
    const path = req.url.pathname;
    const oidc = this.opts.oidc;
    if (req.method === 'GET' && path === this.opts.authorizePath) return this.authorize(req);
    if (req.method === 'POST' && path === this.opts.tokenPath) return this.token(req);
    if (oidc && req.method === 'GET' && path === `${oidc.issuerPath}/.well-known/openid-configuration`) return { status: 200, body: this.discovery() };
    if (oidc && req.method === 'GET' && path === oidc.jwksPath) return { status: 200, body: { keys: [this.key!.jwk] } };
    for (const r of this.routes) {
      if (r.method !== req.method) continue;
      const match = new RegExp(`^${r.pattern.source}$`).exec(path);
      if (match) return r.handler(req, match);
    }
    return { status: 404, body: { message: 'Not Found' } };
  }

  private discovery(): Record<string, unknown> {
    const o = this.opts.oidc!;
    return {
      issuer: this.issuer,
      authorization_endpoint: this.url + this.opts.authorizePath,
      token_endpoint: this.url + this.opts.tokenPath,
      ...(o.userinfoPath ? { userinfo_endpoint: this.url + o.userinfoPath } : {}),
      jwks_uri: this.url + o.jwksPath,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    };
  }

  private authorize(req: FakeRequest): FakeResponse {
    const q = req.url.searchParams;
    this.authorizeRequests.push({ params: new URLSearchParams(q) });
    const redirectUri = q.get('redirect_uri');
    if (q.get('client_id') !== this.opts.clientId || !redirectUri) return { status: 400, body: { error: 'invalid_request' } };
    const challenge = q.get('code_challenge');
    if (challenge && q.get('code_challenge_method') !== 'S256') return { status: 400, body: { error: 'invalid_request', error_description: 'S256 only' } };
    const code = randomBytes(16).toString('hex');
    this.codes.set(code, { user: this.currentUser, redirectUri, challenge, nonce: q.get('nonce'), scope: q.get('scope') ?? '' });
    const back = new URL(redirectUri);
    back.searchParams.set('code', code);
    if (q.has('state')) back.searchParams.set('state', q.get('state')!);
    return { status: 302, headers: { location: back.toString() } };
  }

  private async token(req: FakeRequest): Promise<FakeResponse> {
    const f = req.form;
    let [id, secret] = [f.get('client_id'), f.get('client_secret')];
    const basic = /^basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
    if (basic) {
      const [u, p] = Buffer.from(basic[1], 'base64').toString().split(':');
      [id, secret] = [decodeURIComponent(u), decodeURIComponent(p ?? '')];
    }
    if (id !== this.opts.clientId || secret !== this.opts.clientSecret) return { status: 401, body: { error: 'invalid_client' } };
    if (f.get('grant_type') !== 'authorization_code') return { status: 400, body: { error: 'unsupported_grant_type' } };
    const pending = this.codes.get(f.get('code') ?? '');
    this.codes.delete(f.get('code') ?? '');
    if (!pending || pending.redirectUri !== f.get('redirect_uri')) return { status: 400, body: { error: 'invalid_grant' } };
    if (pending.challenge) {
      const verifier = f.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== pending.challenge) return { status: 400, body: { error: 'invalid_grant', error_description: 'PKCE' } };
    }
    const accessToken = `at-${randomBytes(12).toString('hex')}`;
    this.tokens.set(accessToken, pending.user);
    const body: Record<string, unknown> = {
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: 3600,
      scope: this.opts.grantedScope ? this.opts.grantedScope(pending.scope) : pending.scope,
      ...(this.opts.tokenExtras?.(pending.user, pending.scope) ?? {}),
    };
    if (this.opts.oidc) body.id_token = await this.idToken(pending);
    return { status: 200, body };
  }

  private async idToken(p: PendingCode): Promise<string> {
    const claims: Record<string, unknown> = { ...(this.opts.idTokenClaims?.(p.user) ?? {}), ...(p.nonce ? { nonce: p.nonce } : {}) };
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: this.key!.jwk.kid })
      .setIssuer(this.issuer)
      .setAudience(this.opts.clientId)
      .setSubject(String(claims.sub ?? p.user))
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(this.key!.privateKey);
  }
}

/** A JSON answer. */
export const ok = (body: unknown, headers?: Record<string, string>): FakeResponse => ({ status: 200, body, headers });
export const notFound = (): FakeResponse => ({ status: 404, body: { message: 'Not Found' } });
export const unauthorized = (): FakeResponse => ({ status: 401, body: { message: 'Bad credentials' } });
