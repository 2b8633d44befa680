// The OAuth 2.0 / OpenID Connect login flow every provider shares (oauthenticator 17's
// OAuthenticator): authorize redirect with state, PKCE S256 and (OIDC) nonce; callback checks,
// code exchange, id_token verification, user info, user name; then the provider's own rules.
// Also refreshUser: the stored access token re-checked at the userinfo endpoint, a
// refresh_token grant when it is refused, and "log in again" when that fails too.
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { AuthSourceError, type Authenticated, type AuthDenied, type LoginRedirect, type RedirectAuthenticator, type RefreshOutcome } from '../types.ts';
import type { OAuthProvider, ProviderHttp, TokenAndUser } from './provider.ts';
import type { OAuthSettings } from './settings.ts';
import { createOutbound, loggableUrl, type Outbound } from './http.ts';
import { oidcTokenClient, plainTokenClient, RefreshRefused, type TokenClient, type TokenResult } from './tokenClient.ts';
import { groupsAt, nameAt } from './claims.ts';

export interface OAuthEngineDeps {
  logger: Logger;
  /** Outbound HTTP; default: built from the settings (validateServerCert, caFile, httpProxy). */
  outbound?: Outbound;
}

/** What a redirect authenticator built by the engine also offers. */
export interface OAuthAuthenticator extends RedirectAuthenticator {
  /** The provider's HTTP client with the deployment's TLS/proxy settings. */
  readonly http: ProviderHttp;
  readonly provider: OAuthProvider;
}

/**
 * 32 random bytes, base64url: what openid-client's randomState/randomNonce/randomPKCECodeVerifier
 * return, from node's generator instead of WebCrypto's getRandomValues (cheaper per call).
 */
const random32 = () => randomBytes(32).toString('base64url');

/** Where the user name is read when the config names no claim. */
const STATE_USER_KEY = 'oauth_user';

export function createOAuthAuthenticator(provider: OAuthProvider, settings: OAuthSettings, deps: OAuthEngineDeps): OAuthAuthenticator {
  const service = settings.loginService || provider.loginService;
  const out = deps.outbound ?? createOutbound({ ...settings, serviceName: service });
  const log = deps.logger.child({ provider: provider.kind });
  const scopes = [...new Set([...(settings.scopes.length ? settings.scopes : provider.defaultScopes), ...(provider.requiredScopes ?? [])])];
  const isOidc = scopes.includes('openid');
  const usernameClaim = settings.usernameClaim || provider.defaultUsernameClaim;
  const userKey = provider.userAuthStateKey ?? STATE_USER_KEY;
  const groupsKey = settings.authStateGroupsKey ?? provider.defaultAuthStateGroupsKey ?? null;

  let clientPromise: Promise<TokenClient> | null = null;
  function tokenClient(): Promise<TokenClient> {
    if (!clientPromise) {
      const e = provider.endpoints;
      clientPromise = e.issuer
        ? oidcTokenClient(e.issuer, e, settings, out, service)
        : Promise.resolve().then(() => {
            if (!e.authorizeUrl || !e.tokenUrl) {
              throw new AuthSourceError(
                `Sign-in with ${service} is not set up completely on this hub. Please tell the hub's administrator.`,
                `${provider.kind}: no ${e.authorizeUrl ? 'token' : 'authorize'} URL and no issuer to discover it from`,
                500,
              );
            }
            return plainTokenClient({ issuer: null, authorizeUrl: e.authorizeUrl, tokenUrl: e.tokenUrl, userdataUrl: e.userdataUrl, endSessionUrl: null }, settings, out, service);
          });
      // a failed discovery is tried again at the next login
      clientPromise.catch(() => {
        clientPromise = null;
      });
    }
    return clientPromise;
  }

  async function fetchUserinfo(client: TokenClient, t: TokenResult): Promise<Record<string, unknown> | null> {
    if (settings.userdataFromIdToken) {
      if (!t.idTokenClaims) {
        throw new AuthSourceError(
          `${service} sent no identity token, which this hub reads your user name from. Please tell the hub's administrator.`,
          `userdataFromIdToken is set but the token response has no id_token (is "openid" among the scopes?)`,
          502,
        );
      }
      return t.idTokenClaims;
    }
    const url = client.endpoints.userdataUrl;
    if (!url) return t.idTokenClaims ?? {};
    const u = new URL(url);
    for (const [k, v] of Object.entries(settings.userdataParams)) u.searchParams.set(k, String(v));
    const byUrl = settings.userdataTokenMethod === 'url';
    if (byUrl) u.searchParams.set('access_token', t.accessToken);
    const res = await out.http.json(u.href, {
      method: settings.userdataMethod,
      ...(byUrl ? {} : { token: t.accessToken, authScheme: provider.authScheme ?? 'Bearer' }),
    });
    if (res.status >= 400) return null;
    if (!res.body || typeof res.body !== 'object' || Array.isArray(res.body)) {
      throw new AuthSourceError(
        `${service} answered the request for your user information with something the hub cannot read.`,
        `userinfo endpoint ${loggableUrl(url)} answered HTTP ${res.status} without a JSON object`,
        502,
      );
    }
    return res.body as Record<string, unknown>;
  }

  /** From tokens to an Authenticated (or the provider's refusal). */
  async function toAuthenticated(client: TokenClient, t: TokenResult, userinfo: Record<string, unknown>): Promise<Authenticated | AuthDenied> {
    const idSub = t.idTokenClaims?.sub;
    if (!settings.userdataFromIdToken && client.endpoints.issuer && idSub !== undefined && userinfo.sub !== undefined && userinfo.sub !== idSub) {
      throw new AuthSourceError(
        `${service}'s user information does not match the identity it signed, so you were not signed in.`,
        'userinfo "sub" differs from the id_token\'s "sub"',
        502,
      );
    }
    const user: TokenAndUser = {
      accessToken: t.accessToken,
      refreshToken: t.refreshToken,
      idToken: t.idToken,
      idTokenClaims: t.idTokenClaims,
      grantedScopes: t.scope !== null ? t.scope.split(/\s+/).filter(Boolean) : scopes,
      tokenResponse: t.tokenResponse,
      userinfo,
    };
    const name = nameAt(userinfo, usernameClaim);
    const decision = await provider.decide({ user, name, http: out.http });
    if (decision.kind === 'denied') return { denied: true, userMessage: decision.userMessage, reason: decision.reason };
    if (!decision.name) {
      throw new AuthSourceError(
        `${service} did not tell the hub your user name, so you cannot be signed in. Please tell the hub's administrator.`,
        `the user info has no usable "${usernameClaim}" claim (keys present: ${Object.keys(userinfo).join(', ') || 'none'}); set the provider's usernameClaim`,
        502,
      );
    }
    const authState: Record<string, unknown> = {
      access_token: t.accessToken,
      refresh_token: t.refreshToken,
      id_token: t.idToken,
      scope: user.grantedScopes,
      token_response: t.tokenResponse,
      [userKey]: userinfo,
      ...(decision.authState ?? {}),
    };
    let groups: string[] | null = decision.groups ?? null;
    if (groups === null && settings.manageGroups && groupsKey) groups = groupsAt(authState, groupsKey) ?? [];
    const byScope = settings.allowedScopes.length > 0 && settings.allowedScopes.every((sc) => user.grantedScopes.includes(sc));
    return {
      name: decision.name,
      admin: null,
      authState,
      groups,
      allowedByProvider: decision.allowedByProvider === true || byScope,
    };
  }

  return {
    kind: provider.kind,
    displayName: service,
    usesPasswordForm: false,
    logoutRedirectUrl: settings.logoutRedirectUrl,
    custom403Message: settings.custom403Message,
    http: out.http,
    provider,

    async beginLogin({ callbackUrl }): Promise<LoginRedirect> {
      const client = await tokenClient();
      const state = random32();
      const pending: Record<string, unknown> = { state };
      const params: Record<string, string> = {
        response_type: 'code',
        client_id: settings.clientId,
        redirect_uri: settings.callbackUrl ?? callbackUrl,
        state,
        ...(provider.authorizeParams?.() ?? {}),
        ...Object.fromEntries(Object.entries(settings.extraAuthorizeParams).map(([k, v]) => [k, String(v)])),
      };
      if (scopes.length) params.scope = scopes.join(' ');
      if (settings.enablePkce) {
        const verifier = random32();
        pending.codeVerifier = verifier;
        // S256 (RFC 7636): node's hash, not WebCrypto's async job (a tenth of the CPU per login)
        params.code_challenge = createHash('sha256').update(verifier).digest('base64url');
        params.code_challenge_method = 'S256';
      }
      if (isOidc && client.endpoints.issuer) {
        const nonce = random32();
        pending.nonce = nonce;
        params.nonce = nonce;
      }
      return { redirectUrl: client.authorizeUrl(params), pending };
    },

    async completeLogin({ callbackUrl, query, pending }): Promise<Authenticated | AuthDenied> {
      const error = query.get('error');
      if (error) {
        const description = (query.get('error_description') ?? '').slice(0, 300);
        throw new AuthSourceError(
          `${service} did not sign you in: ${description || error}.`,
          `the provider redirected back with error=${error.slice(0, 60)}`,
          error === 'access_denied' ? 403 : 400,
        );
      }
      const code = query.get('code');
      if (!code) throw new AuthSourceError(`The sign-in response from ${service} has no code. Please sign in again.`, 'callback without code', 400);
      const state = query.get('state');
      if (typeof pending.state !== 'string' || !state || state !== pending.state) {
        throw new AuthSourceError(
          'This sign-in response does not belong to the sign-in started in this browser (state mismatch). Please sign in again.',
          'OAuth state mismatch between the callback and the login cookie',
          400,
        );
      }
      const client = await tokenClient();
      const t = await client.exchangeCode({
        callbackUrl: settings.callbackUrl ?? callbackUrl,
        query,
        state,
        codeVerifier: typeof pending.codeVerifier === 'string' ? pending.codeVerifier : null,
        nonce: typeof pending.nonce === 'string' ? pending.nonce : null,
        idTokenExpected: isOidc && client.endpoints.issuer !== null,
      });
      const userinfo = await fetchUserinfo(client, t);
      if (userinfo === null) {
        throw new AuthSourceError(
          `${service} refused to tell the hub who you are. Please try again, or tell the hub's administrator.`,
          `userinfo endpoint ${loggableUrl(client.endpoints.userdataUrl ?? '')} refused the fresh access token`,
          502,
        );
      }
      const result = await toAuthenticated(client, t, userinfo);
      log.debug({ granted: 'denied' in result ? 'denied' : 'user' }, 'OAuth callback handled');
      return result;
    },

    async refreshUser({ authState }): Promise<RefreshOutcome> {
      if (!authState || typeof authState.access_token !== 'string') return { kind: 'fresh' };
      const client = await tokenClient();
      const stored: TokenResult = {
        tokenResponse: (authState.token_response as Record<string, unknown>) ?? {},
        accessToken: authState.access_token,
        refreshToken: typeof authState.refresh_token === 'string' ? authState.refresh_token : null,
        idToken: typeof authState.id_token === 'string' ? authState.id_token : null,
        idTokenClaims: null,
        scope: Array.isArray(authState.scope) ? authState.scope.join(' ') : null,
      };
      const canCheck = client.endpoints.userdataUrl !== null && !settings.userdataFromIdToken;
      if (canCheck) {
        const userinfo = await fetchUserinfo(client, stored);
        if (userinfo) return toOutcome(await toAuthenticated(client, stored, userinfo));
      }
      if (!stored.refreshToken) {
        return canCheck ? { kind: 'relogin', reason: 'the stored access token was refused and there is no refresh token', stopServers: false } : { kind: 'fresh' };
      }
      let fresh: TokenResult;
      try {
        fresh = await client.refresh(stored.refreshToken);
      } catch (e) {
        if (e instanceof RefreshRefused) return { kind: 'relogin', reason: e.reason, stopServers: false };
        throw e;
      }
      // a provider that does not rotate refresh tokens sends none back: keep the old one
      if (!fresh.refreshToken) fresh = { ...fresh, refreshToken: stored.refreshToken };
      const userinfo = settings.userdataFromIdToken ? (fresh.idTokenClaims ?? (authState[userKey] as Record<string, unknown>)) : await fetchUserinfo(client, fresh);
      if (!userinfo) return { kind: 'relogin', reason: 'the userinfo endpoint refused the refreshed access token', stopServers: false };
      return toOutcome(await toAuthenticated(client, fresh, userinfo));
    },

    close: () => out.close(),
  };
}

function toOutcome(r: Authenticated | AuthDenied): RefreshOutcome {
  if ('denied' in r) return { kind: 'relogin', reason: `the provider now refuses the user: ${r.reason}`, stopServers: false };
  return { kind: 'updated', authenticated: r };
}
