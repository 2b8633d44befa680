import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decideLogin, runLogin, LOGIN_MESSAGES } from './pipeline.ts';
import type { Authenticated, AuthRejected, PasswordAuthenticator, LoginCredentials, LoginPolicy } from './types.ts';

/** Accepts password "ok" for anyone; records every call. */
class FakeAuth implements PasswordAuthenticator {
  readonly kind = 'fake';
  readonly displayName = 'Fake';
  readonly usesPasswordForm = true as const;
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
  allowExistingUsers: true,
  isExistingUser: async () => false,
  manageGroups: false,
  allowedGroups: new Set(),
  adminGroups: new Set(),
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
    const broken: PasswordAuthenticator = { kind: 'b', displayName: 'B', usesPasswordForm: true, authenticate: async () => { throw new Error('LDAP down'); } };
    await assert.rejects(runLogin(broken, { username: 'a', password: 'b' }, policy()), /LDAP down/);
  });
});

describe('decideLogin: identity-provider rules (oauthenticator 17 order)', () => {
  const plain = {};
  const who = (extra: Partial<Authenticated> = {}): Authenticated => ({ name: 'Alice', admin: null, authState: null, ...extra });

  it('closed by default: nobody but admins without an allow rule', async () => {
    const p = policy({ allowExistingUsers: false, isExistingUser: async () => true, adminUsers: new Set(['root']) });
    assert.equal((await decideLogin(plain, who(), p)).ok, false);
    const root = await decideLogin(plain, who({ name: 'root' }), p);
    assert.ok(root.ok && root.admin === true);
  });
  it('allow_existing_users admits users the hub knows', async () => {
    const p = policy({ allowExistingUsers: true, isExistingUser: async (n) => n === 'alice' });
    assert.equal((await decideLogin(plain, who(), p)).ok, true);
    assert.equal((await decideLogin(plain, who({ name: 'bob' }), p)).ok, false);
  });
  it('allowed_groups admit members only with manage_groups', async () => {
    const base = { allowedGroups: new Set(['physics']), allowExistingUsers: false };
    const managed = await decideLogin(plain, who({ groups: ['physics', 'physics'] }), policy({ ...base, manageGroups: true }));
    assert.deepEqual(managed, { ok: true, name: 'alice', admin: null, authState: null, groups: ['physics'] });
    assert.equal((await decideLogin(plain, who({ groups: ['physics'] }), policy(base))).ok, false);
    assert.equal((await decideLogin(plain, who({ groups: ['chemistry'] }), policy({ ...base, manageGroups: true }))).ok, false);
  });
  it('admin_groups grant admin, and revoke it from a user who left them', async () => {
    const p = policy({ manageGroups: true, adminGroups: new Set(['staff']), allowAll: true });
    const staff = await decideLogin(plain, who({ groups: ['staff'] }), p);
    assert.ok(staff.ok && staff.admin === true);
    const left = await decideLogin(plain, who({ groups: ['students'] }), p);
    assert.ok(left.ok && left.admin === false);
    // listed in admin_users: stays admin whatever the groups
    const listed = await decideLogin(plain, who({ groups: [] }), policy({ ...p, adminUsers: new Set(['alice']) }));
    assert.ok(listed.ok && listed.admin === true);
    // admin_groups are also an allow rule
    const closed = await decideLogin(plain, who({ groups: ['staff'] }), policy({ ...p, allowAll: false, allowExistingUsers: false }));
    assert.ok(closed.ok && closed.admin === true);
  });
  it('a provider rule admits; blocked users stay out even then', async () => {
    const p = policy({ allowExistingUsers: false, blockedUsers: new Set(['mallory']) });
    assert.equal((await decideLogin(plain, who({ allowedByProvider: true }), p)).ok, true);
    const blocked = await decideLogin(plain, who({ name: 'Mallory', allowedByProvider: true }), p);
    assert.deepEqual(blocked, { ok: false, reason: 'blocked', userMessage: LOGIN_MESSAGES.blocked });
  });
  it('custom_403_message replaces the refusal text; a provider denial is passed on', async () => {
    const custom = { custom403Message: 'Ask the course staff for access.' };
    const p = policy({ allowExistingUsers: false });
    assert.deepEqual(await decideLogin(custom, who(), p), { ok: false, reason: 'not-allowed', userMessage: 'Ask the course staff for access.' });
    const denied = await decideLogin(plain, { denied: true, userMessage: 'Not in the hosted domain.', reason: 'hd' }, p);
    assert.deepEqual(denied, { ok: false, reason: 'denied', userMessage: 'Not in the hosted domain.' });
  });
  it('an authenticator may keep the case and spaces of names', async () => {
    const out = await decideLogin({ lowercaseNames: false }, who({ name: ' Jane Doe (WMF) ' }), policy({ allowAll: true }));
    assert.ok(out.ok && out.name === 'Jane Doe (WMF)');
  });
});
