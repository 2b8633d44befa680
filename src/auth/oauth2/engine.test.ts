// The OAuth engine against a real OpenID Connect provider (oidc-provider on 127.0.0.1, whose
// client requires PKCE): the whole flow, the id_token verified, groups, user info from the
// id_token, the plain OAuth 2.0 path with HTTP Basic, refresh, and each way a login fails.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import pino from 'pino';
import { startOidcProvider, loginAtProvider, type TestOidcProvider } from '../../../test/support/oidcProvider.ts';
import { createOAuthAuthenticator, type OAuthAuthenticator } from './engine.ts';
import { genericProvider } from './generic.ts';
import { oauthSettings, type OAuthSettings } from './settings.ts';
import { createOutbound, providerHttp } from './http.ts';
import { AuthSourceError, type Authenticated, type AuthDenied } from '../types.ts';

const CALLBACK = 'http://127.0.0.1:9/hub/oauth_callback';
const logger = pino({ level: 'silent' });
let idp: TestOidcProvider;
const made: OAuthAuthenticator[] = [];

before(async () => {
  idp = await startOidcProvider({ redirectUris: [CALLBACK], acceptQueryParamAccessTokens: true });
  idp.accounts.set('alice', { groups: ['physics', 'staff'] });
});

after(async () => {
  for (const a of made) await a.close?.();
  await idp?.stop();
});

function oidcAuth(over: Partial<OAuthSettings> = {}, issuer = idp.issuer): OAuthAuthenticator {
  const a = createOAuthAuthenticator(
    genericProvider('oidc', { issuer, authorizeUrl: null, tokenUrl: null, userdataUrl: null }),
    oauthSettings({ clientId: idp.clientId, clientSecret: idp.clientSecret, timeoutMs: 5000, ...over }),
    { logger },
  );
  made.push(a);
  return a;
}

/** beginLogin → the provider's login and consent pages → the callback's query. */
async function signIn(a: OAuthAuthenticator, user: string) {
  const { redirectUrl, pending } = await a.beginLogin({ callbackUrl: CALLBACK });
  const back = new URL(await loginAtProvider(redirectUrl, user));
  assert.equal(`${back.origin}${back.pathname}`, CALLBACK);
  return { query: back.searchParams, pending, redirectUrl };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

function asUser(r: Authenticated | AuthDenied): Authenticated {
  assert.ok(!('denied' in r), `denied: ${JSON.stringify(r)}`);
  return r;
}

async function rejects(p: Promise<unknown>, status: number, detail: RegExp): Promise<AuthSourceError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof AuthSourceError, `not an AuthSourceError: ${String(e)}`);
    assert.equal(e.status, status, e.logDetail);
    assert.match(e.logDetail, detail);
    for (const secret of [idp.clientSecret]) {
      assert.ok(!e.logDetail.includes(secret) && !e.userMessage.includes(secret));
    }
    return e;
  }
  assert.fail('expected an AuthSourceError');
}

test('OpenID Connect login: PKCE, nonce, verified id_token, user info, groups, auth state', async () => {
  const a = oidcAuth({ manageGroups: true });
  const pkceBefore = idp.counts.pkceAuthorize;
  const { query, pending, redirectUrl } = await signIn(a, 'alice');
  const sent = new URL(redirectUrl).searchParams;
  assert.equal(sent.get('code_challenge_method'), 'S256');
  assert.ok(sent.get('nonce'));
  assert.equal(sent.get('scope'), 'openid profile email');
  assert.equal(idp.counts.pkceAuthorize, pkceBefore + 1);
  const r = asUser(await a.completeLogin({ callbackUrl: CALLBACK, query, pending }));
  assert.equal(r.name, 'alice');
  assert.deepEqual(r.groups, ['physics', 'staff']);
  const s = r.authState!;
  assert.equal(typeof s.access_token, 'string');
  assert.equal(typeof s.refresh_token, 'string');
  assert.equal(typeof s.id_token, 'string');
  assert.deepEqual(s.scope, ['openid', 'profile', 'email']);
  assert.equal((s.oauth_user as Record<string, unknown>).email, 'alice@example.org');
  assert.equal((s.token_response as Record<string, unknown>).token_type, 'bearer');
  // nothing secret went into what the browser keeps
  assert.equal(JSON.stringify(pending).includes(idp.clientSecret), false);
});

test('without PKCE the provider refuses the flow, and the hub says so', async () => {
  const a = oidcAuth({ enablePkce: false });
  const { query, pending, redirectUrl } = await signIn(a, 'alice').catch(async () => {
    throw new Error('unreachable');
  });
  assert.equal(new URL(redirectUrl).searchParams.get('code_challenge'), null);
  assert.equal(query.get('error'), 'invalid_request');
  const e = await rejects(a.completeLogin({ callbackUrl: CALLBACK, query, pending }), 400, /error=invalid_request/);
  assert.match(e.userMessage, /PKCE/);
});

test('state mismatch, replayed code: 400 with a clear cause', async () => {
  const a = oidcAuth();
  const first = await signIn(a, 'bob');
  await rejects(a.completeLogin({ callbackUrl: CALLBACK, query: first.query, pending: { ...first.pending, state: 'other' } }), 400, /state mismatch/);
  asUser(await a.completeLogin({ callbackUrl: CALLBACK, query: first.query, pending: first.pending }));
  const e = await rejects(a.completeLogin({ callbackUrl: CALLBACK, query: first.query, pending: first.pending }), 400, /invalid_grant/);
  assert.match(e.userMessage, /expired or was already used/);
});

test('a wrong client secret: 502 naming the client credentials', async () => {
  const a = oidcAuth({ clientSecret: 'not-the-secret' });
  const { query, pending } = await signIn(a, 'bob');
  const e = await rejects(a.completeLogin({ callbackUrl: CALLBACK, query, pending }), 502, /invalid_client/);
  assert.match(e.userMessage, /client credentials/);
  assert.ok(!e.logDetail.includes('not-the-secret'));
});

test('user info without the username claim: 502 naming the claim', async () => {
  const a = oidcAuth({ usernameClaim: 'nickname' });
  const { query, pending } = await signIn(a, 'carol');
  const e = await rejects(a.completeLogin({ callbackUrl: CALLBACK, query, pending }), 502, /"nickname"/);
  assert.match(e.userMessage, /user name/);
});

test('a username claim as a dotted path, and groups from a configured path', async () => {
  idp.accounts.set('dora', { org: { login: 'Dora.X', teams: ['a', 'b'] } });
  const a = oidcAuth({ usernameClaim: 'org.login', manageGroups: true, authStateGroupsKey: 'oauth_user.org.teams' });
  const { query, pending } = await signIn(a, 'dora');
  const r = asUser(await a.completeLogin({ callbackUrl: CALLBACK, query, pending }));
  assert.equal(r.name, 'Dora.X');
  assert.deepEqual(r.groups, ['a', 'b']);
});

test('user info from the id_token (userdataFromIdToken)', async () => {
  const withClaims = await startOidcProvider({ redirectUris: [CALLBACK], claimsInIdToken: true });
  try {
    const a = createOAuthAuthenticator(
      genericProvider('oidc', { issuer: withClaims.issuer, authorizeUrl: null, tokenUrl: null, userdataUrl: null }),
      oauthSettings({ clientId: withClaims.clientId, clientSecret: withClaims.clientSecret, userdataFromIdToken: true, usernameClaim: 'email' }),
      { logger },
    );
    made.push(a);
    const { query, pending } = await signIn(a, 'fred');
    const r = asUser(await a.completeLogin({ callbackUrl: CALLBACK, query, pending }));
    assert.equal(r.name, 'fred@example.org');
    assert.equal((r.authState!.oauth_user as Record<string, unknown>).iss, withClaims.issuer);
  } finally {
    await withClaims.stop();
  }
});

test('plain OAuth 2.0 (explicit URLs, no issuer, id_token only decoded) with HTTP Basic client authentication', async () => {
  const basic = await startOidcProvider({ redirectUris: [CALLBACK], tokenEndpointAuthMethod: 'client_secret_basic' });
  try {
    const provider = genericProvider('generic-oauth', {
      issuer: null,
      authorizeUrl: `${basic.issuer}/auth`,
      tokenUrl: `${basic.issuer}/token`,
      userdataUrl: `${basic.issuer}/me`,
    });
    const settings = { clientId: basic.clientId, clientSecret: basic.clientSecret, scopes: ['openid', 'profile'], usernameClaim: 'sub' };
    const a = createOAuthAuthenticator(provider, oauthSettings({ ...settings, basicAuth: true }), { logger });
    made.push(a);
    const { query, pending, redirectUrl } = await signIn(a, 'gina');
    assert.equal(new URL(redirectUrl).searchParams.get('nonce'), null);
    assert.equal(new URL(redirectUrl).searchParams.get('code_challenge_method'), 'S256');
    const r = asUser(await a.completeLogin({ callbackUrl: CALLBACK, query, pending }));
    assert.equal(r.name, 'gina');
    assert.equal(typeof r.authState!.id_token, 'string');
    assert.deepEqual([basic.counts.basicAuthTokenRequests, basic.counts.postAuthTokenRequests], [1, 0]);
    // and a wrong secret in the header is refused like one in the form
    const wrong = createOAuthAuthenticator(provider, oauthSettings({ ...settings, basicAuth: true, clientSecret: 'nope' }), { logger });
    made.push(wrong);
    const w = await signIn(wrong, 'gina');
    await rejects(wrong.completeLogin({ callbackUrl: CALLBACK, query: w.query, pending: w.pending }), 502, /invalid_client/);
  } finally {
    await basic.stop();
  }
});

test('allowedScopes: a user granted all of them is allowed by the provider', async () => {
  const a = oidcAuth({ allowedScopes: ['openid', 'email'] });
  const { query, pending } = await signIn(a, 'hana');
  assert.equal(asUser(await a.completeLogin({ callbackUrl: CALLBACK, query, pending })).allowedByProvider, true);
  const b = oidcAuth({ scopes: ['openid', 'profile'], allowedScopes: ['openid', 'email'] });
  const second = await signIn(b, 'hana');
  assert.equal(asUser(await b.completeLogin({ callbackUrl: CALLBACK, query: second.query, pending: second.pending })).allowedByProvider, false);
});

test('the provider unreachable: 502 naming the cause, at login and at the callback', async () => {
  const port = await closedPort();
  const dead = oidcAuth({}, `http://127.0.0.1:${port}`);
  const e = await rejects(dead.beginLogin({ callbackUrl: CALLBACK }), 502, /unreachable.*ECONNREFUSED/);
  assert.match(e.userMessage, /could not be reached/);
});

test('refresh: a refused access token is replaced through the refresh token; a revoked refresh token means log in again', async () => {
  const a = oidcAuth();
  const { query, pending } = await signIn(a, 'erin');
  const first = asUser(await a.completeLogin({ callbackUrl: CALLBACK, query, pending }));
  // still valid: the user info answers, nothing to refresh
  const same = await a.refreshUser!({ name: 'erin', authState: first.authState });
  assert.equal(same.kind, 'updated');
  const refreshesBefore = idp.counts.refreshToken;
  assert.ok((await idp.revokeAccessTokens('erin')) >= 1);
  const renewed = await a.refreshUser!({ name: 'erin', authState: first.authState });
  assert.equal(renewed.kind, 'updated');
  assert.equal(idp.counts.refreshToken, refreshesBefore + 1);
  const state = renewed.kind === 'updated' ? renewed.authenticated.authState! : {};
  assert.notEqual(state.access_token, first.authState!.access_token);
  // the provider does not rotate refresh tokens: the old one is kept
  assert.equal(state.refresh_token, first.authState!.refresh_token);
  await idp.revokeAccessTokens('erin');
  await idp.revokeRefreshTokens('erin');
  const out = await a.refreshUser!({ name: 'erin', authState: state });
  assert.equal(out.kind, 'relogin');
});

/** The real outbound client, recording each call (method, URL, headers, body) on the way. */
function recordingOutbound(s: OAuthSettings) {
  const real = createOutbound({ ...s, serviceName: 'test' });
  const calls: { method: string; url: string; headers: Record<string, string>; body: string }[] = [];
  const fetchFn = async (url: string | URL, init: RequestInit = {}) => {
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    calls.push({ method: init.method ?? 'GET', url: String(url), headers, body: typeof init.body === 'string' ? init.body : String(init.body ?? '') });
    return real.fetch(url, init);
  };
  return { calls, outbound: { fetch: fetchFn, http: providerHttp(fetchFn, 'test'), close: () => real.close() } };
}

async function recordedLogin(user: string, over: Partial<OAuthSettings>) {
  const settings = oauthSettings({ clientId: idp.clientId, clientSecret: idp.clientSecret, ...over });
  const { calls, outbound } = recordingOutbound(settings);
  const a = createOAuthAuthenticator(genericProvider('oidc', { issuer: idp.issuer, authorizeUrl: null, tokenUrl: null, userdataUrl: null }), settings, { logger, outbound });
  made.push(a);
  const { query, pending, redirectUrl } = await signIn(a, user);
  const r = asUser(await a.completeLogin({ callbackUrl: CALLBACK, query, pending }));
  assert.equal(r.name, user);
  const userinfo = calls.find((c) => c.url.includes('/me'));
  assert.ok(userinfo, 'the userinfo endpoint was called');
  return { calls, redirectUrl, r, userinfo, token: calls.find((c) => c.url.endsWith('/token')) };
}

test('extraAuthorizeParams, tokenParams, userdataParams and userdataMethod POST reach the provider', async () => {
  const { redirectUrl, token, userinfo } = await recordedLogin('ivan', {
    extraAuthorizeParams: { prompt: 'consent', ui_locales: 'de' },
    tokenParams: { audience_hint: 'nbhub' },
    userdataParams: { schema: 'openid' },
    userdataMethod: 'POST',
  });
  const sent = new URL(redirectUrl).searchParams;
  assert.equal(sent.get('prompt'), 'consent');
  assert.equal(sent.get('ui_locales'), 'de');
  assert.ok(token);
  const form = new URLSearchParams(token.body);
  assert.equal(form.get('audience_hint'), 'nbhub');
  assert.equal(form.get('client_secret'), idp.clientSecret, 'client_secret_post by default');
  assert.equal(userinfo.method, 'POST');
  assert.equal(new URL(userinfo.url).searchParams.get('schema'), 'openid');
  assert.match(userinfo.headers.authorization ?? '', /^Bearer /);
});

test('userdataTokenMethod url: the access token goes in the user info URL, not a header', async () => {
  const { r, userinfo } = await recordedLogin('jon', { userdataTokenMethod: 'url' });
  assert.equal(new URL(userinfo.url).searchParams.get('access_token'), r.authState!.access_token);
  assert.equal(userinfo.headers.authorization, undefined);
});
