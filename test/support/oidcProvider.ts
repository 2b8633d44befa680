// A real OpenID Connect provider (npm oidc-provider) started in-process on 127.0.0.1, for tests
// and benchmarks of the identity-provider logins. Its development login and consent pages
// accept any user name and password; `accounts` supplies each user's claims (groups, email …).
// The registered client REQUIRES PKCE (S256), so a flow without it is refused.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import Provider, { type Configuration } from 'oidc-provider';
import { exportJWK, generateKeyPair } from 'jose';

export interface TestOidcProvider {
  /** http://127.0.0.1:<port> — the issuer. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Claims per user (besides sub), editable between logins; unknown users get defaults. */
  accounts: Map<string, Record<string, unknown>>;
  /** Makes every access token issued to this user invalid (as if expired). */
  revokeAccessTokens(user: string): Promise<number>;
  /** The access tokens of this user that have not been revoked. */
  accessTokensOf(user: string): string[];
  /** Every access and refresh token value handed out so far (to check that no log shows one). */
  issuedTokens(): string[];
  /** Revokes every refresh token issued to this user. */
  revokeRefreshTokens(user: string): Promise<number>;
  /** Count of token endpoint requests by grant type, and of authorize requests with a PKCE challenge. */
  counts: { authorizationCode: number; refreshToken: number; pkceAuthorize: number; basicAuthTokenRequests: number; postAuthTokenRequests: number };
  stop(): Promise<void>;
}

export interface OidcProviderOptions {
  /** Exact redirect URIs of the hub(s) under test. */
  redirectUris: string[];
  clientId?: string;
  clientSecret?: string;
  /** client_secret_post (default) or client_secret_basic. */
  tokenEndpointAuthMethod?: 'client_secret_post' | 'client_secret_basic';
  /** Put the scope claims into the id_token too (for userdataFromIdToken). */
  claimsInIdToken?: boolean;
  /** Accept ?access_token= at the userinfo endpoint (oauthenticator's userdata_token_method url). */
  acceptQueryParamAccessTokens?: boolean;
  /** Seconds an access token lives (default 3600). */
  accessTokenTtl?: number;
  port?: number;
}

export async function startOidcProvider(o: OidcProviderOptions): Promise<TestOidcProvider> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = o.clientId ?? 'nbhub-test';
  const clientSecret = o.clientSecret ?? randomBytes(24).toString('hex');
  const accounts = new Map<string, Record<string, unknown>>();
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };

  const config: Configuration = {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: o.redirectUris,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: o.tokenEndpointAuthMethod ?? 'client_secret_post',
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    pkce: { required: () => true },
    acceptQueryParamAccessTokens: o.acceptQueryParamAccessTokens ?? false,
    conformIdTokenClaims: !o.claimsInIdToken,
    // every grant may get a refresh token (not only with offline_access)
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: false,
    ttl: { AccessToken: o.accessTokenTtl ?? 3600, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600, RefreshToken: 86400 },
    claims: {
      openid: ['sub'],
      profile: ['preferred_username', 'name', 'groups', 'org'],
      email: ['email', 'email_verified'],
    },
    features: { devInteractions: { enabled: true }, revocation: { enabled: true } },
    async findAccount(_ctx, id) {
      return {
        accountId: id,
        async claims() {
          const extra = accounts.get(id) ?? {};
          return { sub: id, preferred_username: id, name: id, email: `${id}@example.org`, email_verified: true, groups: [], ...extra };
        },
      };
    },
  };
  const provider = new Provider(issuer, config);
  const everIssued: string[] = [];
  const counts = { authorizationCode: 0, refreshToken: 0, pkceAuthorize: 0, basicAuthTokenRequests: 0, postAuthTokenRequests: 0 };
  // how the client authenticated at the token endpoint (HTTP Basic or form fields)
  provider.use(async (ctx, next) => {
    if (ctx.method === 'POST' && ctx.path === '/token') {
      if (/^basic /i.test(ctx.get('authorization'))) counts.basicAuthTokenRequests++;
      else counts.postAuthTokenRequests++;
    }
    await next();
    const idToken = (ctx.body as { id_token?: unknown } | undefined)?.id_token;
    if (ctx.path === '/token' && typeof idToken === 'string') everIssued.push(idToken);
  });
  provider.on('grant.success', (ctx) => {
    const grant = (ctx.oidc.params as Record<string, unknown> | undefined)?.grant_type;
    if (grant === 'authorization_code') counts.authorizationCode++;
    if (grant === 'refresh_token') counts.refreshToken++;
  });
  provider.on('authorization.accepted', (ctx) => {
    if ((ctx.oidc.params as Record<string, unknown> | undefined)?.code_challenge) counts.pkceAuthorize++;
  });
  // the in-memory adapter has no query by account: remember the tokens as they are saved
  const issued = { access: new Map<string, Set<string>>(), refresh: new Map<string, Set<string>>() };
  const remember = (kind: 'access' | 'refresh') => (token: { jti: string; accountId?: string }) => {
    // opaque tokens: the jti is the token's value
    everIssued.push(token.jti);
    if (!token.accountId) return;
    const set = issued[kind].get(token.accountId) ?? new Set<string>();
    set.add(token.jti);
    issued[kind].set(token.accountId, set);
  };
  provider.on('access_token.saved', remember('access'));
  provider.on('refresh_token.saved', remember('refresh'));
  // oidc-provider logs nothing by itself; its "server_error" events would be lost otherwise
  provider.on('server_error', (_ctx, err) => process.stderr.write(`oidc-provider server_error: ${String(err)}\n`));

  const callback = provider.callback();
  server.on('request', (req, res) => void callback(req, res));

  async function destroyAll(kind: 'access' | 'refresh', user: string): Promise<number> {
    let n = 0;
    for (const jti of issued[kind].get(user) ?? []) {
      const t = kind === 'access' ? await provider.AccessToken.find(jti) : await provider.RefreshToken.find(jti);
      if (t) {
        await t.destroy();
        n++;
      }
    }
    issued[kind].delete(user);
    return n;
  }

  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    counts,
    issuedTokens: () => [...everIssued],
    accessTokensOf: (u) => [...(issued.access.get(u) ?? [])],
    revokeAccessTokens: (u) => destroyAll('access', u),
    revokeRefreshTokens: (u) => destroyAll('refresh', u),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A tiny cookie jar for driving the provider's pages with fetch (keep one to keep the provider's session). */
export class ProviderCookies {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/**
 * Goes through the provider's development login (any password) and consent pages without a
 * browser, starting at `authorizeUrl`; returns the URL the provider finally redirects to
 * (the hub's callback with code and state, or with error=…). Bounded to 12 hops. With `cookies`
 * kept from an earlier login the provider's session skips its login and consent pages.
 */
export async function loginAtProvider(authorizeUrl: string, user: string, opts: { consent?: boolean; cookies?: ProviderCookies } = {}): Promise<string> {
  const jar = opts.cookies ?? new ProviderCookies();
  const origin = new URL(authorizeUrl).origin;
  let url = authorizeUrl;
  let method: 'GET' | 'POST' = 'GET';
  let body: string | undefined;
  for (let hop = 0; hop < 12; hop++) {
    const res = await fetch(url, {
      method,
      redirect: 'manual',
      headers: { cookie: jar.header(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body,
    });
    jar.take(res);
    method = 'GET';
    body = undefined;
    const location = res.headers.get('location');
    if (location) {
      const next = new URL(location, url).href;
      if (!next.startsWith(origin)) return next;
      url = next;
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`provider answered ${res.status} at ${new URL(url).pathname}: ${html.slice(0, 300)}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    if (!action || !prompt) throw new Error(`no interaction form at ${new URL(url).pathname}`);
    url = new URL(action.replace(/&amp;/g, '&'), url).href;
    method = 'POST';
    if (prompt === 'login') body = new URLSearchParams({ prompt, login: user, password: 'any-password' }).toString();
    else if (prompt === 'consent' && opts.consent !== false) body = new URLSearchParams({ prompt }).toString();
    else {
      // refuse consent: the provider's abort link ends the flow with error=access_denied
      url = new URL(url.replace(/\/confirm$|$/, ''), url).href.replace(/\/?$/, '/abort');
      method = 'GET';
    }
  }
  throw new Error('the provider login did not finish within 12 requests');
}
