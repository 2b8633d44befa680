import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CODE_LIFETIME_SECONDS,
  TOKEN_RESPONSE_HEADERS,
  authenticateClient,
  canAccessClient,
  checkAuthorizationCode,
  codeRedirectUrl,
  consentNeeded,
  errorRedirectUrl,
  grantScopes,
  hashSecret,
  newAuthorizationCode,
  oauthErrorBody,
  parseTokenRequest,
  secretMatches,
  tokenResponseBody,
  validateAuthorizeParams,
  type OAuthClientView,
  type TokenRequest,
} from './oauth.ts';
import { DEFAULT_ROLE_TABLE, loadRoles, ownerScopes, tokenScopes, type RoleHolder } from './roles.ts';
import { describeForApi } from './scopes.ts';

const SECRET = 'server-api-token-abc';
const client: OAuthClientView = {
  id: 'jupyterhub-user-alice',
  secretHash: hashSecret(SECRET),
  redirectUri: '/user/alice/oauth_callback',
  allowedScopes: [],
  accessScope: 'access:servers!server=alice/',
};
const alice: RoleHolder = { kind: 'user', name: 'alice', admin: false, groups: [] };
const bob: RoleHolder = { kind: 'user', name: 'bob', admin: false, groups: [] };
const root: RoleHolder = { kind: 'user', name: 'root', admin: true, groups: [] };
const now = new Date('2026-01-01T00:00:00Z');

describe('validateAuthorizeParams', () => {
  const q = { client_id: client.id, redirect_uri: client.redirectUri, response_type: 'code', state: 'S' };
  it('accepts the single-user server request (no scope)', () => {
    const r = validateAuthorizeParams(q, client);
    assert.deepEqual(r, { ok: true, request: { clientId: client.id, redirectUri: client.redirectUri, state: 'S', requestedScopes: null } });
  });
  it('splits scope on whitespace', () => {
    const r = validateAuthorizeParams({ ...q, scope: ' identify  read:users:name!user ' }, client);
    assert.ok(r.ok && r.request.requestedScopes?.join(',') === 'identify,read:users:name!user');
  });
  it('keeps long opaque states untouched', () => {
    const state = 'eyJ1dWlkIjog' + 'x'.repeat(600) + '==';
    const r = validateAuthorizeParams({ ...q, state }, client);
    assert.ok(r.ok && r.request.state === state);
  });
  it('unknown client or redirect mismatch: a page error, never a redirect', () => {
    for (const [query, c] of [
      [{ ...q, client_id: 'nope' }, null],
      [{ ...q, client_id: undefined }, client],
      [{ ...q, redirect_uri: '/user/alice/oauth_callback/' }, client],
      [{ ...q, redirect_uri: 'https://evil.com/cb' }, client],
      [{ ...q, redirect_uri: ['/user/alice/oauth_callback', 'x'] }, client],
      [q, { ...client, secretHash: '' }],
    ] as const) {
      const r = validateAuthorizeParams(query, c);
      assert.ok(!r.ok && r.mode === 'page' && r.status === 400, JSON.stringify(query));
    }
  });
  it('missing redirect_uri uses the registered one', () => {
    const r = validateAuthorizeParams({ ...q, redirect_uri: undefined }, client);
    assert.ok(r.ok && r.request.redirectUri === client.redirectUri);
  });
  it('bad response_type redirects with an error', () => {
    const r = validateAuthorizeParams({ ...q, response_type: 'token' }, client);
    assert.ok(!r.ok && r.mode === 'redirect' && r.error.error === 'unsupported_response_type' && r.state === 'S');
    const m = validateAuthorizeParams({ ...q, response_type: undefined }, client);
    assert.ok(!m.ok && m.mode === 'redirect' && m.error.error === 'invalid_request');
  });
});

describe('grantScopes', () => {
  const userScopes = ownerScopes(alice, DEFAULT_ROLE_TABLE);
  const base = { client, user: alice, userScopes, roles: DEFAULT_ROLE_TABLE };
  it('no scope requested: identify + access scope (protocol.md §2.3 example)', () => {
    const r = grantScopes({ ...base, requested: null });
    assert.ok(r.ok);
    if (r.ok) {
      assert.deepEqual(r.scopes, ['access:servers!server=alice/', 'read:users:groups!user', 'read:users:name!user']);
      assert.equal(tokenResponseBody('t', 1209600, r.scopes).scope, 'access:servers!server=alice/ read:users:groups!user read:users:name!user');
      // and the resulting token's /hub/api/user scopes (§2.4)
      const eff = tokenScopes(r.scopes, alice, userScopes, { oauthAccessScope: client.accessScope });
      assert.deepEqual(describeForApi(eff), ['access:servers!server=alice/', 'read:users:groups!user=alice', 'read:users:name!user=alice']);
    }
  });
  it('"identify" is ignored', () => {
    const r = grantScopes({ ...base, requested: ['identify'] });
    assert.ok(r.ok && r.scopes.length === 3);
  });
  it('scopes beyond the client → invalid_scope; unknown names → invalid_scope', () => {
    const r = grantScopes({ ...base, requested: ['admin:users'] });
    assert.ok(!r.ok && r.error.error === 'invalid_scope' && /admin:users/.test(r.error.error_description));
    const u = grantScopes({ ...base, requested: ['read:nothing'] });
    assert.ok(!u.ok && u.error.error === 'invalid_scope');
  });
  it('allowed scopes of the client are narrowed to what the user holds', () => {
    const c = { ...client, allowedScopes: ['read:users', 'read:hub'] };
    const r = grantScopes({ ...base, client: c, requested: null });
    assert.ok(r.ok);
    if (r.ok) {
      assert.ok(!r.scopes.includes('read:hub'));
      assert.ok(!r.scopes.includes('read:users'));
      assert.ok(r.scopes.includes('read:users!user=alice'));
      assert.deepEqual(r.notGranted, ['read:hub', 'read:users']);
    }
  });
  it('role names are accepted for backward compatibility', () => {
    const roles = loadRoles({ viewer: { scopes: ['read:users:name!user'] } });
    const c = { ...client, allowedScopes: ['read:users:name'] };
    const r = grantScopes({ ...base, client: c, roles, requested: ['viewer'] });
    assert.ok(r.ok && r.scopes.includes('read:users:name!user'));
  });
  it('an admin opening bob’s server keeps the access scope for bob’s server', () => {
    const bobClient = { ...client, id: 'jupyterhub-user-bob', redirectUri: '/user/bob/oauth_callback', accessScope: 'access:servers!server=bob/' };
    const r = grantScopes({ client: bobClient, user: root, userScopes: ownerScopes(root, DEFAULT_ROLE_TABLE), roles: DEFAULT_ROLE_TABLE, requested: null });
    assert.ok(r.ok && r.scopes.includes('access:servers!server=bob/'));
  });
});

describe('access and consent', () => {
  it('owner and admins may use a server client; others may not', () => {
    assert.ok(canAccessClient(ownerScopes(alice, DEFAULT_ROLE_TABLE), client));
    assert.ok(canAccessClient(ownerScopes(root, DEFAULT_ROLE_TABLE), client));
    assert.ok(!canAccessClient(ownerScopes(bob, DEFAULT_ROLE_TABLE), client));
  });
  it('group-based access needs the server user’s groups', () => {
    const roles = loadRoles({ 'ta-role': { scopes: ['access:servers!group=class'], users: ['bob'] } });
    const s = ownerScopes(bob, roles);
    assert.ok(canAccessClient(s, client, (u) => (u === 'alice' ? ['class'] : [])));
    assert.ok(!canAccessClient(s, client, (u) => (u === 'bob' ? ['class'] : [])), 'the caller’s own groups do not count');
    assert.ok(!canAccessClient(s, client));
  });
  it('consent: skipped for own servers and the no-confirm list', () => {
    assert.equal(consentNeeded(client, 'alice', new Set()), false);
    assert.equal(consentNeeded(client, 'root', new Set()), true);
    assert.equal(consentNeeded(client, 'root', new Set([client.id])), false);
    assert.equal(consentNeeded({ ...client, accessScope: 'access:services!service=grader' }, 'alice', new Set()), true);
  });
});

describe('authorization codes', () => {
  it('are random, hashed, bound and expire after 300 s', () => {
    const { code, record } = newAuthorizationCode({
      clientId: client.id, userName: 'alice', scopes: ['b', 'a'], redirectUri: client.redirectUri, sessionId: 'sid', now, randomToken: () => 'CODE123',
    });
    assert.equal(code, 'CODE123');
    assert.equal(record.codeHash, hashSecret('CODE123'));
    assert.notEqual(record.codeHash, code);
    assert.deepEqual(record.scopes, ['a', 'b']);
    assert.equal(record.expiresAt.getTime() - now.getTime(), CODE_LIFETIME_SECONDS * 1000);
  });
  it('redirect URLs echo state and keep existing queries', () => {
    assert.equal(codeRedirectUrl('/user/alice/oauth_callback', 'C', 'S/+='), '/user/alice/oauth_callback?code=C&state=S%2F%2B%3D');
    assert.equal(codeRedirectUrl('/cb?x=1', 'C', null), '/cb?x=1&code=C');
    const e = errorRedirectUrl('/cb', { error: 'invalid_scope', error_description: 'bad', status: 400 }, 'S');
    assert.equal(e, '/cb?error=invalid_scope&error_description=bad&state=S');
  });
});

describe('token endpoint', () => {
  const form = { client_id: client.id, client_secret: SECRET, grant_type: 'authorization_code', code: 'C', redirect_uri: client.redirectUri };
  const parsed = (f: Record<string, unknown>, auth?: string) => parseTokenRequest(f, auth);
  it('parses the single-user request and ignores Authorization: token', () => {
    const r = parsed(form, `token ${SECRET}`);
    assert.ok(r.ok && r.request.clientSecret === SECRET && r.request.code === 'C');
  });
  it('RFC 6749 errors for malformed requests', () => {
    const err = (f: Record<string, unknown>, auth?: string) => {
      const r = parsed(f, auth);
      return r.ok ? 'ok' : `${r.error.error}/${r.error.status}`;
    };
    assert.equal(err({ ...form, grant_type: 'password' }), 'unsupported_grant_type/400');
    assert.equal(err({ ...form, grant_type: undefined }), 'invalid_request/400');
    assert.equal(err({ ...form, client_secret: undefined }), 'invalid_client/401');
    assert.equal(err({ ...form, client_secret: undefined }, `token ${SECRET}`), 'invalid_client/401');
    assert.equal(err({ ...form, code: undefined }), 'invalid_request/400');
    assert.equal(err({ ...form, redirect_uri: undefined }), 'invalid_request/400');
    assert.equal(err({ ...form, code: ['a', 'b'] }), 'invalid_request/400');
  });
  it('accepts HTTP Basic client credentials', () => {
    const basic = 'Basic ' + Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(SECRET)}`).toString('base64');
    const r = parsed({ ...form, client_id: undefined, client_secret: undefined }, basic);
    assert.ok(r.ok && r.request.clientId === client.id && r.request.clientSecret === SECRET);
  });
  it('client authentication', () => {
    const req = (secret: string, id = client.id): TokenRequest => ({ grantType: 'authorization_code', clientId: id, clientSecret: secret, code: 'C', redirectUri: client.redirectUri });
    assert.equal(authenticateClient(client, req(SECRET)), null);
    assert.equal(authenticateClient(client, req('wrong'))?.error, 'invalid_client');
    assert.equal(authenticateClient(client, req('wrong'))?.status, 401);
    assert.equal(authenticateClient(null, req(SECRET))?.error, 'invalid_client');
    assert.equal(authenticateClient({ ...client, secretHash: '' }, req(''))?.error, 'invalid_client');
    assert.ok(secretMatches(SECRET, client.secretHash));
    assert.ok(!secretMatches(SECRET, 'zz'));
  });
  it('code checks: unknown/used, other client, expired, redirect mismatch', () => {
    const { record } = newAuthorizationCode({ clientId: client.id, userName: 'alice', scopes: [], redirectUri: client.redirectUri, sessionId: null, now, randomToken: () => 'C' });
    const req: TokenRequest = { grantType: 'authorization_code', clientId: client.id, clientSecret: SECRET, code: 'C', redirectUri: client.redirectUri };
    const at = (s: number) => new Date(now.getTime() + s * 1000);
    assert.equal(checkAuthorizationCode(record, req, client, at(299)), null);
    assert.equal(checkAuthorizationCode(record, req, client, at(300))?.error, 'invalid_grant');
    assert.equal(checkAuthorizationCode(null, req, client, at(1))?.error, 'invalid_grant');
    assert.equal(checkAuthorizationCode({ ...record, clientId: 'jupyterhub-user-bob' }, req, client, at(1))?.error, 'invalid_grant');
    assert.equal(checkAuthorizationCode(record, { ...req, redirectUri: '/user/alice/oauth_callback?x' }, client, at(1))?.error, 'invalid_grant');
  });
  it('response body and headers', () => {
    assert.deepEqual(tokenResponseBody('tok', 1209600.7, ['b', 'a']), { access_token: 'tok', token_type: 'Bearer', expires_in: 1209600, scope: 'a b' });
    assert.deepEqual({ ...TOKEN_RESPONSE_HEADERS }, { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    assert.deepEqual(oauthErrorBody({ error: 'invalid_grant', error_description: 'x', status: 400 }), { error: 'invalid_grant', error_description: 'x' });
  });
});
