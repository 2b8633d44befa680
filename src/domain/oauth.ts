// The rules of the hub's OAuth 2 provider (protocol.md §2.2–2.3) as pure functions: authorize
// parameter checks, granted scopes, authorization codes (300 s, single use — the store's
// takeOAuthCode removes them), token request checks with RFC 6749 errors, the token response.
//
// Token endpoint order for the caller: parseTokenRequest → (load client) authenticateClient →
// (takeOAuthCode(hashSecret(code))) checkAuthorizationCode → create token → tokenResponseBody.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RoleTable } from './roles.ts';
import {
  RAW_IDENTIFY_SCOPES,
  ScopeError,
  expandScopes,
  has,
  isScopeName,
  parseScope,
  resolveRequestedScopes,
  type ExpandContext,
  type GroupsOf,
  type ScopeOwner,
  type ScopeSet,
} from './scopes.ts';

export const CODE_LIFETIME_SECONDS = 300;

/** What the provider needs of a registered client (src/store OAuthClientRecord fits). */
export interface OAuthClientView {
  id: string;
  /** sha256 hex of the client secret; '' = no secret (cannot use the code flow). */
  secretHash: string;
  redirectUri: string;
  allowedScopes: readonly string[];
  /** e.g. `access:servers!server=alice/` or `access:services!service=grader`. */
  accessScope: string;
}

/** An issued authorization code as stored (src/store OAuthCodeRecord fits). */
export interface AuthorizationCode {
  codeHash: string;
  clientId: string;
  userName: string;
  scopes: string[];
  redirectUri: string;
  sessionId: string | null;
  expiresAt: Date;
}

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'access_denied';

/** RFC 6749 §5.2 error; the body is `{error, error_description}`, sent with `status`. */
export interface OAuthError {
  error: OAuthErrorCode;
  error_description: string;
  status: 400 | 401 | 403;
}

function oauthError(error: OAuthErrorCode, description: string, status: 400 | 401 | 403 = 400): OAuthError {
  return { error, error_description: description, status };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented secret with a stored sha256 hex hash. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const presented = createHash('sha256').update(secret, 'utf8').digest();
  const stored = /^[0-9a-f]{64}$/i.test(storedHash) ? Buffer.from(storedHash, 'hex') : Buffer.alloc(32);
  return timingSafeEqual(presented, stored) && stored.length === 32 && storedHash.length === 64;
}

function single(q: Readonly<Record<string, unknown>>, key: string): string | undefined | null {
  const v = q[key];
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : null; // null: repeated or not a string
}

// ---------------------------------------------------------------- authorize

export interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  /** Echoed untouched; not length-limited (3.x/4.x servers send a few hundred characters). */
  state: string | null;
  /** Space-separated `scope` parameter, split; null when absent or empty. */
  requestedScopes: string[] | null;
}

export type AuthorizeCheck =
  | { ok: true; request: AuthorizeRequest }
  /** Unknown client or bad redirect_uri: a 400 page at the hub, never a redirect. */
  | { ok: false; mode: 'page'; status: 400; message: string }
  /** Other problems: redirect back to the client with `error` (see errorRedirectUrl). */
  | { ok: false; mode: 'redirect'; redirectUri: string; state: string | null; error: OAuthError };

/** Checks the authorize query against the registered client (null = unknown client_id). */
export function validateAuthorizeParams(query: Readonly<Record<string, unknown>>, client: OAuthClientView | null): AuthorizeCheck {
  const clientId = single(query, 'client_id');
  if (!clientId) return { ok: false, mode: 'page', status: 400, message: 'Missing or invalid client_id' };
  if (!client || client.id !== clientId || !client.secretHash) {
    return { ok: false, mode: 'page', status: 400, message: `Unknown OAuth client ${JSON.stringify(clientId)}` };
  }
  const given = single(query, 'redirect_uri');
  if (given === null || (given !== undefined && given !== client.redirectUri)) {
    return { ok: false, mode: 'page', status: 400, message: `redirect_uri does not match the one registered for ${clientId}` };
  }
  const redirectUri = client.redirectUri;
  const stateRaw = single(query, 'state');
  const state = typeof stateRaw === 'string' ? stateRaw : null;
  const fail = (error: OAuthError): AuthorizeCheck => ({ ok: false, mode: 'redirect', redirectUri, state, error });
  if (stateRaw === null) return fail(oauthError('invalid_request', 'state must be given at most once'));
  const responseType = single(query, 'response_type');
  if (responseType === undefined || responseType === null) return fail(oauthError('invalid_request', 'Missing response_type'));
  if (responseType !== 'code') return fail(oauthError('unsupported_response_type', `response_type ${responseType} is not supported; use code`));
  const scope = single(query, 'scope');
  if (scope === null) return fail(oauthError('invalid_request', 'scope must be given at most once'));
  const requested = (scope ?? '').split(/\s+/).filter(Boolean);
  return { ok: true, request: { clientId, redirectUri, state, requestedScopes: requested.length ? requested : null } };
}

/** `access:servers!server=bob/` → bare `!server` means bob's server '' for this client. */
function clientContext(client: OAuthClientView): ExpandContext {
  try {
    const f = parseScope(client.accessScope).filter;
    if (f?.kind === 'server' && f.value) {
      const slash = f.value.indexOf('/');
      return { serverUser: f.value.slice(0, slash), serverName: f.value.slice(slash + 1) };
    }
    if (f?.kind === 'service' && f.value) return { serviceName: f.value };
  } catch {
    // an invalid access scope grants nothing; canAccessClient refuses it
  }
  return {};
}

/**
 * The access check at authorize: does the user hold the client's access scope (for a server
 * client: `access:servers` covering `<user>/<server>` via !server, !user, !group or unfiltered)?
 * `groupsOf` looks up the groups of the server's user (for `!group=` grants).
 */
export function canAccessClient(userScopes: ScopeSet, client: OAuthClientView, groupsOf?: GroupsOf): boolean {
  let parsed;
  try {
    parsed = parseScope(client.accessScope);
  } catch {
    return false;
  }
  if (!isScopeName(parsed.name)) return false;
  const f = parsed.filter;
  if (!f) return has(userScopes, parsed.name);
  if (f.value === null) return false;
  return has(userScopes, parsed.name, { [f.kind]: f.value }, groupsOf);
}

export interface GrantInput {
  /** From validateAuthorizeParams (null = nothing requested). */
  requested: string[] | null;
  client: OAuthClientView;
  user: ScopeOwner;
  /** The user's own expanded scopes (roles), not a token's. */
  userScopes: ScopeSet;
  /** For role names in `scope` (accepted for backward compatibility). */
  roles: RoleTable;
  groupsOf?: GroupsOf;
}

export type GrantResult = { ok: true; scopes: string[]; notGranted: string[] } | { ok: false; error: OAuthError };

/**
 * Scopes to bind to the code (raw, sorted): the request (role names → their scopes,
 * `identify` ignored) or, if empty, the client's allowed scopes; always the identify scopes and
 * the client's access scope. Requests beyond what the client may get → invalid_scope; then
 * narrowed to what the user holds (the narrowed-away part is reported in `notGranted`).
 */
export function grantScopes(input: GrantInput): GrantResult {
  const { client, user, userScopes, roles } = input;
  const ctx = clientContext(client);
  const required = [...RAW_IDENTIFY_SCOPES, client.accessScope];
  const wanted: string[] = [];
  for (const s of input.requested ?? []) {
    if (s === 'identify') continue;
    const role = roles.get(s);
    try {
      parseScope(s);
      wanted.push(s);
    } catch (e) {
      if (!(e instanceof ScopeError)) throw e;
      if (!role) return { ok: false, error: oauthError('invalid_scope', `No such scope or role: ${s}`) };
      wanted.push(...role.scopes);
    }
  }
  let clientAllowed: ScopeSet;
  try {
    clientAllowed = expandScopes([...client.allowedScopes, ...required], user, ctx);
  } catch (e) {
    if (e instanceof ScopeError) return { ok: false, error: oauthError('invalid_scope', `Client ${client.id} has an invalid allowed scope: ${e.scope}`) };
    throw e;
  }
  if (wanted.some((s) => s === 'inherit' || s === 'all')) {
    return { ok: false, error: oauthError('invalid_scope', 'inherit cannot be requested through OAuth') };
  }
  const candidates = wanted.length ? wanted : [...client.allowedScopes];
  const vsClient = resolveRequestedScopes(candidates, clientAllowed, user, ctx, input.groupsOf);
  if (vsClient.disallowed.length) {
    return { ok: false, error: oauthError('invalid_scope', `Scopes not allowed for client ${client.id}: ${vsClient.disallowed.join(', ')}`) };
  }
  const vsUser = resolveRequestedScopes([...new Set([...candidates, ...required])], userScopes, user, ctx, input.groupsOf);
  return { ok: true, scopes: vsUser.allowed, notGranted: vsUser.disallowed };
}

/**
 * Consent page skipped: the client is one of the user's own servers, or listed in
 * `noConfirmClients` (JupyterHub `oauth_no_confirm_list`).
 */
export function consentNeeded(client: OAuthClientView, userName: string, noConfirmClients: ReadonlySet<string>): boolean {
  if (noConfirmClients.has(client.id)) return false;
  const ctx = clientContext(client);
  return !(ctx.serverUser !== undefined && ctx.serverUser === userName);
}

export interface NewCodeInput {
  clientId: string;
  userName: string;
  scopes: readonly string[];
  redirectUri: string;
  sessionId: string | null;
  now: Date;
  /** Cryptographically random, URL-safe. */
  randomToken: () => string;
}

/** A fresh code: the plain value for the redirect, and the hashed record to store. */
export function newAuthorizationCode(input: NewCodeInput): { code: string; record: AuthorizationCode } {
  const code = input.randomToken();
  return {
    code,
    record: {
      codeHash: hashSecret(code),
      clientId: input.clientId,
      userName: input.userName,
      scopes: [...input.scopes].sort(),
      redirectUri: input.redirectUri,
      sessionId: input.sessionId,
      expiresAt: new Date(input.now.getTime() + CODE_LIFETIME_SECONDS * 1000),
    },
  };
}

function withQuery(uri: string, params: Record<string, string | null>): string {
  const hashAt = uri.indexOf('#');
  const base = hashAt < 0 ? uri : uri.slice(0, hashAt);
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null) qs.append(k, v);
  const s = qs.toString();
  return s ? `${base}${base.includes('?') ? '&' : '?'}${s}` : base;
}

/** `redirect_uri?code=…&state=…` (state omitted when absent). */
export function codeRedirectUrl(redirectUri: string, code: string, state: string | null): string {
  return withQuery(redirectUri, { code, state });
}

/** `redirect_uri?error=…&error_description=…&state=…`. */
export function errorRedirectUrl(redirectUri: string, error: OAuthError, state: string | null): string {
  return withQuery(redirectUri, { error: error.error, error_description: error.error_description, state });
}

// ---------------------------------------------------------------- token

export interface TokenRequest {
  grantType: 'authorization_code';
  clientId: string;
  clientSecret: string;
  code: string;
  redirectUri: string;
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | null {
  const m = header ? /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!m) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  try {
    return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
  } catch {
    return null;
  }
}

/**
 * Parses the form body of `POST /hub/api/oauth2/token`. Client credentials come from the form;
 * HTTP Basic is accepted as a fallback, an `Authorization: token …` header is ignored.
 */
export function parseTokenRequest(form: Readonly<Record<string, unknown>>, authorization?: string): { ok: true; request: TokenRequest } | { ok: false; error: OAuthError } {
  const fields: Record<string, string | undefined> = {};
  for (const k of ['grant_type', 'client_id', 'client_secret', 'code', 'redirect_uri']) {
    const v = single(form, k);
    if (v === null) return { ok: false, error: oauthError('invalid_request', `${k} must be given once`) };
    fields[k] = v;
  }
  if (!fields.grant_type) return { ok: false, error: oauthError('invalid_request', 'Missing grant_type') };
  if (fields.grant_type !== 'authorization_code') {
    return { ok: false, error: oauthError('unsupported_grant_type', `grant_type ${fields.grant_type} is not supported`) };
  }
  let clientId = fields.client_id;
  let clientSecret = fields.client_secret;
  if (!clientId || !clientSecret) {
    const basic = basicCredentials(authorization);
    if (basic && (!clientId || clientId === basic.id)) {
      clientId = basic.id;
      clientSecret = basic.secret;
    }
  }
  if (!clientId || !clientSecret) return { ok: false, error: oauthError('invalid_client', 'Missing client credentials', 401) };
  if (!fields.code) return { ok: false, error: oauthError('invalid_request', 'Missing code') };
  if (!fields.redirect_uri) return { ok: false, error: oauthError('invalid_request', 'Missing redirect_uri') };
  return { ok: true, request: { grantType: 'authorization_code', clientId, clientSecret, code: fields.code, redirectUri: fields.redirect_uri } };
}

/** Client authentication (constant time; unknown clients take the same path). null = ok. */
export function authenticateClient(client: OAuthClientView | null, request: TokenRequest): OAuthError | null {
  const ok = secretMatches(request.clientSecret, client?.secretHash ?? '');
  if (!client || client.id !== request.clientId || !client.secretHash || !ok) {
    return oauthError('invalid_client', 'Client authentication failed', 401);
  }
  return null;
}

/** Checks the code taken from the store (null = unknown or already used). null = ok. */
export function checkAuthorizationCode(code: AuthorizationCode | null, request: TokenRequest, client: OAuthClientView, now: Date): OAuthError | null {
  if (!code) return oauthError('invalid_grant', 'Invalid or already used code');
  if (code.clientId !== client.id || code.clientId !== request.clientId) return oauthError('invalid_grant', 'Code was issued to another client');
  if (code.expiresAt.getTime() <= now.getTime()) return oauthError('invalid_grant', 'Code expired');
  if (request.redirectUri !== client.redirectUri || request.redirectUri !== code.redirectUri) {
    return oauthError('invalid_grant', 'redirect_uri does not match');
  }
  return null;
}

export interface TokenResponseBody {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/** Headers for the token response (RFC 6749 §5.1). */
export const TOKEN_RESPONSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });

/** The 200 body: `scope` is the granted raw scopes, sorted, space-separated. */
export function tokenResponseBody(accessToken: string, expiresInSeconds: number, scopes: readonly string[]): TokenResponseBody {
  return { access_token: accessToken, token_type: 'Bearer', expires_in: Math.floor(expiresInSeconds), scope: [...scopes].sort().join(' ') };
}

/** The JSON body of an error reply (send with error.status). */
export function oauthErrorBody(error: OAuthError): { error: OAuthErrorCode; error_description: string } {
  return { error: error.error, error_description: error.error_description };
}
