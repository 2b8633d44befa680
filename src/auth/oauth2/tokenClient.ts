// The back-channel half of OAuth 2.0: the authorize URL, the code → token exchange and the
// refresh_token grant. Two shapes of provider:
// - issuer known (OpenID Connect): openid-client does it all, discovery included; the id_token
//   is checked (iss, aud, exp, nonce) and its signature verified against the issuer's JWKS.
// - plain OAuth 2.0 (GitHub, or generic-oauth with explicit URLs and no issuer): a form POST
//   to the token URL; an id_token, if one comes back, is only decoded (as oauthenticator does:
//   it came straight from the token endpoint over the TLS connection the hub opened).
import * as oidc from 'openid-client';
import { decodeJwt } from 'jose';
import { AuthSourceError } from '../types.ts';
import { isNetworkError, unreachable, loggableUrl, type Outbound } from './http.ts';
import type { OAuthSettings } from './settings.ts';
import { idTokenSignatureChecker } from './idTokenSignature.ts';

export interface Endpoints {
  issuer: string | null;
  authorizeUrl: string;
  tokenUrl: string;
  userdataUrl: string | null;
  /** OpenID Connect RP-initiated logout, when the provider has one. */
  endSessionUrl: string | null;
}

export interface TokenResult {
  tokenResponse: Record<string, unknown>;
  accessToken: string;
  refreshToken: string | null;
  idToken: string | null;
  /** Claims of the id_token: verified on the issuer path, decoded on the plain path. */
  idTokenClaims: Record<string, unknown> | null;
  /** The `scope` the provider says it granted, if it said. */
  scope: string | null;
}

export interface CodeExchange {
  callbackUrl: string;
  /** The callback's whole query (code, state, iss, …). */
  query: URLSearchParams;
  state: string;
  codeVerifier: string | null;
  nonce: string | null;
  idTokenExpected: boolean;
}

export interface TokenClient {
  readonly endpoints: Endpoints;
  authorizeUrl(params: Record<string, string>): string;
  exchangeCode(x: CodeExchange): Promise<TokenResult>;
  /** Throws RefreshRefused when the provider refuses the refresh token. */
  refresh(refreshToken: string): Promise<TokenResult>;
}

/** The provider refused a refresh token (revoked, expired): the user must log in again. */
export class RefreshRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

interface OAuthErrorBody {
  error?: unknown;
  error_description?: unknown;
}

/** Turns a token endpoint's refusal into what the user sees and what the log says. */
export function tokenEndpointError(service: string, status: number, body: OAuthErrorBody | null, what = 'code exchange'): AuthSourceError {
  const error = typeof body?.error === 'string' ? body.error : `HTTP ${status}`;
  if (error === 'invalid_grant') {
    return new AuthSourceError(
      `The sign-in code from ${service} has expired or was already used. Please sign in again.`,
      `token endpoint refused the ${what}: invalid_grant (code expired, replayed, or issued for another redirect URL)`,
      400,
    );
  }
  if (error === 'invalid_client' || error === 'unauthorized_client' || status === 401) {
    return new AuthSourceError(
      `${service} did not accept this hub's OAuth client credentials, so you cannot be signed in. Please tell the hub's administrator.`,
      `token endpoint refused the client: ${error} (check the OAuth client id and client secret, and basicAuth)`,
      502,
    );
  }
  return new AuthSourceError(
    `${service} refused to complete your sign-in (${error}). Please try again, or tell the hub's administrator if it keeps happening.`,
    `token endpoint refused the ${what}: ${error} (HTTP ${status})`,
    502,
  );
}

function resultFrom(body: Record<string, unknown>, claims: Record<string, unknown> | null): TokenResult {
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  return {
    tokenResponse: body,
    accessToken: String(body.access_token),
    refreshToken: str(body.refresh_token),
    idToken: str(body.id_token),
    idTokenClaims: claims,
    scope: typeof body.scope === 'string' ? body.scope : null,
  };
}

// ---- plain OAuth 2.0 -------------------------------------------------------------------

export function plainTokenClient(endpoints: Endpoints, s: OAuthSettings, out: Outbound, service: string): TokenClient {
  async function post(fields: Record<string, string>, what: string): Promise<TokenResult> {
    const headers: Record<string, string> = {};
    const body: Record<string, string> = { ...fields };
    if (s.basicAuth) {
      const pair = `${encodeURIComponent(s.clientId)}:${encodeURIComponent(s.clientSecret)}`;
      headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
    } else {
      body.client_id = s.clientId;
      body.client_secret = s.clientSecret;
    }
    const res = await out.http.json(endpoints.tokenUrl, { method: 'POST', body, headers });
    const json = (res.body && typeof res.body === 'object' ? res.body : null) as Record<string, unknown> | null;
    if (res.status >= 400 || !json || typeof json.error === 'string') {
      if (what === 'refresh') throw new RefreshRefused(`token endpoint refused the refresh token: ${String(json?.error ?? `HTTP ${res.status}`)}`);
      throw tokenEndpointError(service, res.status, json, what);
    }
    if (typeof json.access_token !== 'string' || json.access_token === '') {
      throw new AuthSourceError(
        `${service} answered the sign-in without an access token. Please tell the hub's administrator.`,
        `token endpoint ${loggableUrl(endpoints.tokenUrl)} answered without access_token (HTTP ${res.status})`,
        502,
      );
    }
    let claims: Record<string, unknown> | null = null;
    if (typeof json.id_token === 'string' && json.id_token) {
      try {
        claims = decodeJwt(json.id_token) as Record<string, unknown>;
      } catch {
        throw new AuthSourceError(`${service} sent an unreadable identity token.`, 'token endpoint answered with an id_token that is not a JWT', 502);
      }
    }
    return resultFrom(json, claims);
  }
  return {
    endpoints,
    authorizeUrl(params) {
      const u = new URL(endpoints.authorizeUrl);
      for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
      return u.href;
    },
    exchangeCode(x) {
      const fields: Record<string, string> = {
        grant_type: 'authorization_code',
        code: x.query.get('code') ?? '',
        redirect_uri: x.callbackUrl,
        ...s.tokenParams,
      };
      if (x.codeVerifier) fields.code_verifier = x.codeVerifier;
      return post(fields, 'code exchange');
    },
    refresh(refreshToken) {
      return post({ grant_type: 'refresh_token', refresh_token: refreshToken }, 'refresh');
    },
  };
}

// ---- OpenID Connect (issuer known) ----------------------------------------------------

interface OidcErrorLike {
  code?: string;
  error?: string;
  status?: number;
  message?: string;
  cause?: unknown;
  name?: string;
}


function oidcError(service: string, e: unknown, url: string, what: string): AuthSourceError {
  if (e instanceof AuthSourceError) return e;
  if (isNetworkError(e)) return unreachable(service, url, e);
  const err = e as OidcErrorLike;
  if (err?.code === 'OAUTH_RESPONSE_BODY_ERROR' || err?.code === 'OAUTH_WWW_AUTHENTICATE_CHALLENGE') {
    const status = err.status ?? (err as { response?: Response }).response?.status ?? 400;
    const body = err.error ? { error: err.error } : ((err.cause ?? null) as OAuthErrorBody | null);
    const challengeError = Array.isArray(err.cause) ? (err.cause[0] as { parameters?: { error?: string } })?.parameters?.error : undefined;
    return tokenEndpointError(service, status, challengeError ? { error: challengeError } : body, what);
  }
  // id_token checks (signature, issuer, audience, nonce, expiry) and malformed answers
  return new AuthSourceError(
    `${service}'s answer to the sign-in could not be verified, so you were not signed in. Please try again.`,
    `${what} answer rejected: ${err?.code ?? err?.name ?? 'error'}: ${String(err?.message ?? e).slice(0, 200)}`,
    502,
  );
}

/** Discovers the issuer (explicit URLs win over discovered ones) and sets up openid-client. */
export async function oidcTokenClient(
  issuer: string,
  overrides: { authorizeUrl: string | null; tokenUrl: string | null; userdataUrl: string | null },
  s: OAuthSettings,
  out: Outbound,
  service: string,
): Promise<TokenClient> {
  const auth = s.basicAuth ? oidc.ClientSecretBasic(s.clientSecret) : oidc.ClientSecretPost(s.clientSecret);
  const insecure = (u: string | null) => u !== null && u.startsWith('http:');
  const fetchFn = ((url: string, options: RequestInit) => out.fetch(url, options)) as oidc.CustomFetch;
  const options: oidc.DiscoveryRequestOptions = { [oidc.customFetch]: fetchFn, timeout: Math.ceil(s.timeoutMs / 1000) };
  if (insecure(issuer)) options.execute = [oidc.allowInsecureRequests];
  let discovered: oidc.Configuration;
  try {
    discovered = await oidc.discovery(new URL(issuer), s.clientId, { client_secret: s.clientSecret }, auth, options);
  } catch (e) {
    if (isNetworkError(e)) throw unreachable(service, `${issuer}/.well-known/openid-configuration`, e);
    throw new AuthSourceError(
      `The hub could not read ${service}'s OpenID Connect settings. Please tell the hub's administrator.`,
      `discovery at ${loggableUrl(issuer)} failed: ${(e as OidcErrorLike)?.code ?? ''} ${String((e as Error)?.message ?? e).slice(0, 200)}`,
      502,
    );
  }
  const found = discovered.serverMetadata();
  const meta: oidc.ServerMetadata = {
    ...found,
    authorization_endpoint: overrides.authorizeUrl ?? found.authorization_endpoint,
    token_endpoint: overrides.tokenUrl ?? found.token_endpoint,
    userinfo_endpoint: overrides.userdataUrl ?? found.userinfo_endpoint,
  } as unknown as oidc.ServerMetadata;
  const config = new oidc.Configuration(meta, s.clientId, { client_secret: s.clientSecret }, auth);
  config[oidc.customFetch] = fetchFn;
  config.timeout = options.timeout;
  if ([issuer, meta.token_endpoint ?? null, meta.jwks_uri ?? null, meta.userinfo_endpoint ?? null].some(insecure)) oidc.allowInsecureRequests(config);
  // verify the id_token's signature against the issuer's keys, not only its claims (node's
  // crypto instead of openid-client's enableNonRepudiationChecks: same check, less CPU)
  const signatures = meta.jwks_uri ? idTokenSignatureChecker(meta.jwks_uri, out.http) : null;
  if (!meta.authorization_endpoint || !meta.token_endpoint) {
    throw new AuthSourceError(
      `${service}'s OpenID Connect settings lack an endpoint the hub needs. Please tell the hub's administrator.`,
      `discovery at ${loggableUrl(issuer)} gave no ${meta.authorization_endpoint ? 'token_endpoint' : 'authorization_endpoint'}`,
      502,
    );
  }
  const endpoints: Endpoints = {
    issuer,
    authorizeUrl: meta.authorization_endpoint,
    tokenUrl: meta.token_endpoint,
    userdataUrl: meta.userinfo_endpoint ?? null,
    endSessionUrl: meta.end_session_endpoint ?? null,
  };
  const toResult = async (t: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers) => {
    if (signatures && typeof t.id_token === 'string') await signatures.check(t.id_token);
    const body = { ...t } as Record<string, unknown>;
    const claims = t.claims();
    return resultFrom(body, claims ? ({ ...claims } as Record<string, unknown>) : null);
  };
  return {
    endpoints,
    authorizeUrl(params) {
      return oidc.buildAuthorizationUrl(config, params).href;
    },
    async exchangeCode(x) {
      const current = new URL(x.callbackUrl);
      current.search = x.query.toString();
      try {
        const t = await oidc.authorizationCodeGrant(
          config,
          current,
          {
            expectedState: x.state,
            ...(x.codeVerifier ? { pkceCodeVerifier: x.codeVerifier } : {}),
            ...(x.nonce ? { expectedNonce: x.nonce } : {}),
            idTokenExpected: x.idTokenExpected,
          },
          { redirect_uri: x.callbackUrl, ...s.tokenParams },
        );
        return await toResult(t);
      } catch (e) {
        throw oidcError(service, e, endpoints.tokenUrl, 'code exchange');
      }
    },
    async refresh(refreshToken) {
      try {
        return await toResult(await oidc.refreshTokenGrant(config, refreshToken));
      } catch (e) {
        const err = e as OidcErrorLike;
        if (!isNetworkError(e) && (err?.code === 'OAUTH_RESPONSE_BODY_ERROR' || err?.code === 'OAUTH_WWW_AUTHENTICATE_CHALLENGE')) {
          throw new RefreshRefused(`token endpoint refused the refresh token: ${err.error ?? `HTTP ${err.status ?? '?'}`}`);
        }
        throw oidcError(service, e, endpoints.tokenUrl, 'refresh');
      }
    },
  };
}
