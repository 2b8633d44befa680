import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runLogin, LOGIN_MESSAGES } from './pipeline.ts';
import type { Authenticated, AuthRejected, Authenticator, LoginCredentials, LoginPolicy } from './types.ts';

/** Accepts password "ok" for anyone; records every call. */
class FakeAuth implements Authenticator {
  readonly kind = 'fake';
  readonly displayName = 'Fake';
  readonly usesPasswordForm = true;
  calls: string[] = [];
  constructor(
    private readonly opts: { admin?: boolean | null; rename?: (n: string) => string; normalize?: (n: string) => string; reject?: boolean } = {},
  ) {
    if (opts.normalize) this.normalizeName = opts.normalize;
  }
  normalizeName?: (name: string) => string;
  async authenticate(c: LoginCredentials): Promise<Authenticated | AuthRejected | null> {
    this.calls.push(c.username);
    if (c.password !== 'ok') return null;
    if (this.opts.reject) return { rejected: 'pending-approval', userMessage: 'wait for approval' };
    return { name: this.opts.rename ? this.opts.rename(c.username) : c.username, admin: this.opts.admin ?? null, authState: { t: 1 } };
  }
}

const policy = (p: Partial<LoginPolicy> = {}): LoginPolicy => ({
  adminUsers: new Set(),
  allowedUsers: new Set(),
  blockedUsers: new Set(),
  allowAll: false,
  isExistingUser: async () => false,
  ...p,
});

describe('runLogin', () => {
  it('bad credentials', async () => {
    const out = await runLogin(new FakeAuth(), { username: 'alice', password: 'no' }, policy({ allowAll: true }));
    assert.deepEqual(out, { ok: false, reason: 'bad-credentials', userMessage: LOGIN_MESSAGES.badCredentials });
  });
  it('pending approval is passed through', async () => {
    const out = await runLogin(new FakeAuth({ reject: true }), { username: 'alice', password: 'ok' }, policy({ allowAll: true }));
    assert.deepEqual(out, { ok: false, reason: 'pending-approval', userMessage: 'wait for approval' });
  });
  it('normalizes: pipeline lowercases + NFC, then the authenticator', async () => {
    const a = new FakeAuth({ normalize: (n) => n.replace(/@example\.org$/, '') });
    const out = await runLogin(a, { username: ' JOSE\u0301@Example.org ', password: 'ok' }, policy({ allowAll: true }));
    assert.ok(out.ok && out.name === 'jos\u00e9');
  });
  it('invalid names are refused after normalization', async () => {
    const out = await runLogin(new FakeAuth({ rename: () => 'a/b' }), { username: 'x', password: 'ok' }, policy({ allowAll: true }));
    assert.equal(!out.ok && out.reason, 'invalid-name');
  });
  it('blocked beats allowed, allowAll and admin', async () => {
    const p = policy({ allowAll: true, allowedUsers: new Set(['eve']), adminUsers: new Set(['eve']), blockedUsers: new Set(['eve']) });
    const out = await runLogin(new FakeAuth({ admin: true }), { username: 'EVE', password: 'ok' }, p);
    assert.equal(!out.ok && out.reason, 'blocked');
  });
  it('allowed list, admin users and existing users are allowed; others are not', async () => {
    const p = policy({ allowedUsers: new Set(['amy']), adminUsers: new Set(['root']), isExistingUser: async (n) => n === 'old' });
    const login = (u: string) => runLogin(new FakeAuth(), { username: u, password: 'ok' }, p);
    assert.ok((await login('amy')).ok);
    assert.ok((await login('root')).ok);
    assert.ok((await login('old')).ok);
    const out = await login('stranger');
    assert.deepEqual(out, { ok: false, reason: 'not-allowed', userMessage: LOGIN_MESSAGES.notAllowed });
  });
  it('an authenticator-declared admin is allowed', async () => {
    const out = await runLogin(new FakeAuth({ admin: true }), { username: 'ldapadmin', password: 'ok' }, policy());
    assert.ok(out.ok && out.admin === true);
  });
  it("admin decision: the authenticator's, else admin users (true), else null (leave unchanged)", async () => {
    const p = policy({ allowAll: true, adminUsers: new Set(['root']) });
    const adm = async (a: FakeAuth, u: string) => {
      const o = await runLogin(a, { username: u, password: 'ok' }, p);
      assert.ok(o.ok);
      return o.ok ? o.admin : undefined;
    };
    assert.equal(await adm(new FakeAuth(), 'root'), true);
    assert.equal(await adm(new FakeAuth(), 'alice'), null);
    assert.equal(await adm(new FakeAuth({ admin: false }), 'root'), false);
    assert.equal(await adm(new FakeAuth({ admin: true }), 'alice'), true);
  });
  it('passes authState through', async () => {
    const out = await runLogin(new FakeAuth(), { username: 'a', password: 'ok' }, policy({ allowAll: true }));
    assert.ok(out.ok && JSON.stringify(out.authState) === '{"t":1}');
  });
  it('always runs the authenticator, even for blocked or invalid names', async () => {
    const a = new FakeAuth();
    const p = policy({ blockedUsers: new Set(['eve']) });
    await runLogin(a, { username: 'eve', password: 'ok' }, p);
    await runLogin(a, { username: 'eve', password: 'no' }, p);
    await runLogin(a, { username: 'a/b', password: 'no' }, p);
    await runLogin(a, { username: '', password: 'no' }, p);
    assert.deepEqual(a.calls, ['eve', 'eve', 'a/b', '']);
  });
  it('does not consult existing users before the credentials are verified', async () => {
    let asked = 0;
    await runLogin(new FakeAuth(), { username: 'x', password: 'no' }, policy({ isExistingUser: async () => (asked++, true) }));
    assert.equal(asked, 0);
  });
  it('identity-source failures propagate', async () => {
    const broken: Authenticator = { kind: 'b', displayName: 'B', usesPasswordForm: true, authenticate: async () => { throw new Error('LDAP down'); } };
    await assert.rejects(runLogin(broken, { username: 'a', password: 'b' }, policy()), /LDAP down/);
  });
});
