import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import bcrypt from 'bcryptjs';
import { NativeAuthenticator, PENDING_APPROVAL_MESSAGE, type NativeAccounts } from './native.ts';
import { AdminBootstrap, type BootstrapSettings } from './bootstrap.ts';
import { hashKind, hashPassword } from './passwords.ts';
import { runAuthenticatorConformance } from './authenticator.case.ts';
import { StoreConflictError, type NativeUserRecord } from '../store/types.ts';

/** In-memory stand-in for the Store's native-account and settings methods. */
class MemoryStore implements NativeAccounts, BootstrapSettings {
  users = new Map<string, NativeUserRecord>();
  settings = new Map<string, string>();
  async getNativeUser(name: string) {
    const u = this.users.get(name);
    return u ? { ...u } : null;
  }
  async createNativeUser(u: NativeUserRecord) {
    if (this.users.has(u.name)) throw new StoreConflictError(`native user ${u.name} exists`);
    this.users.set(u.name, { ...u });
  }
  async updateNativeUser(name: string, patch: { passwordHash?: string; approved?: boolean }) {
    const u = this.users.get(name);
    if (u) this.users.set(name, { ...u, ...patch });
  }
  async getSetting(key: string) {
    return this.settings.get(key) ?? null;
  }
  async setSettingIfAbsent(key: string, value: string) {
    if (!this.settings.has(key)) this.settings.set(key, value);
    return this.settings.get(key)!;
  }
  async deleteSetting(key: string) {
    this.settings.delete(key);
  }
}

const logger = pino({ level: 'silent' });
const now = () => new Date('2026-01-01T00:00:00Z');

function make(opts: { openSignup?: boolean; admins?: string[] } = {}) {
  const store = new MemoryStore();
  let n = 0;
  const bootstrap = new AdminBootstrap({ settings: store, accounts: store, randomToken: () => `tok-${++n}`, now });
  const auth = new NativeAuthenticator({
    store, openSignup: opts.openSignup ?? false, adminUsers: new Set(opts.admins ?? []), bootstrap, logger, now,
  });
  return { store, auth, bootstrap };
}

runAuthenticatorConformance('native', async () => {
  const { auth, store } = make({ openSignup: true });
  assert.deepEqual(await auth.signUp('Alice', 'tangerine-otter-42'), { ok: true, approved: true });
  await store.createNativeUser({ name: 'pending', passwordHash: await hashPassword('tangerine-otter-42'), approved: false, created: now() });
  return {
    authenticator: auth,
    good: { username: 'ALICE ', password: 'tangerine-otter-42' },
    goodName: 'alice',
    bad: [
      { username: 'alice', password: 'tangerine-otter-43' },
      { username: 'alice', password: '' },
      { username: 'nobody', password: 'tangerine-otter-42' },
    ],
  };
});

describe('NativeAuthenticator sign-up', () => {
  it('closed sign-up: account waits for approval; login says so only with the right password', async () => {
    const { auth } = make();
    assert.deepEqual(await auth.signUp('carol', 'tangerine-otter-42'), { ok: true, approved: false });
    assert.deepEqual(await auth.authenticate({ username: 'carol', password: 'tangerine-otter-42' }), { rejected: 'pending-approval', userMessage: PENDING_APPROVAL_MESSAGE });
    assert.equal(await auth.authenticate({ username: 'carol', password: 'wrong-password' }), null);
    assert.equal(await auth.approve('Carol'), true);
    assert.deepEqual(await auth.authenticate({ username: 'carol', password: 'tangerine-otter-42' }), { name: 'carol', admin: null, authState: null });
    assert.equal(await auth.approve('ghost'), false);
  });
  it('open sign-up approves at once', async () => {
    const { auth } = make({ openSignup: true });
    assert.deepEqual(await auth.signUp('dave', 'tangerine-otter-42'), { ok: true, approved: true });
  });
  it('enforces name and password rules', async () => {
    const { auth } = make({ openSignup: true });
    const fail = async (n: string, p: string) => {
      const r = await auth.signUp(n, p);
      return r.ok ? 'ok' : r.message;
    };
    assert.match(await fail('a/b', 'tangerine-otter-42'), /'\/'/);
    assert.match(await fail('', 'tangerine-otter-42'), /empty/);
    assert.match(await fail('erin', 'short'), /at least 8/);
    assert.match(await fail('erin', 'password'), /common/);
    assert.match(await fail('erin', '12345678'), /common/);
    assert.match(await fail('erinerin', 'ErinErin'), /username/);
    assert.equal(await fail('erin', 'tangerine-otter-42'), 'ok');
    assert.match(await fail('ERIN', 'another-good-one-7'), /already taken/);
  });
  it('honours minimumPasswordLength', async () => {
    const store = new MemoryStore();
    const auth = new NativeAuthenticator({ store, openSignup: true, minimumPasswordLength: 20, logger });
    const r = await auth.signUp('fay', 'tangerine-otter-42');
    assert.ok(!r.ok && /at least 20/.test(r.message));
  });
  it('admin names need the bootstrap token; it is single use', async () => {
    const { auth, bootstrap } = make({ admins: ['root'] });
    const printed = await bootstrap.prepare(['root']);
    assert.deepEqual(printed, [{ name: 'root', token: 'tok-1' }]);
    const noToken = await auth.signUp('root', 'tangerine-otter-42');
    assert.ok(!noToken.ok && /set-up token/.test(noToken.message));
    const wrong = await auth.signUp('root', 'tangerine-otter-42', 'tok-2');
    assert.ok(!wrong.ok);
    assert.deepEqual(await auth.signUp('ROOT', 'tangerine-otter-42', 'tok-1'), { ok: true, approved: true });
    assert.equal(await bootstrap.pending('root'), false);
    assert.ok((await auth.authenticate({ username: 'root', password: 'tangerine-otter-42' })) !== null);
    const again = await auth.signUp('root', 'another-good-one-7', 'tok-1');
    assert.ok(!again.ok);
  });
  it('admin names cannot sign up without a bootstrap at all', async () => {
    const store = new MemoryStore();
    const auth = new NativeAuthenticator({ store, openSignup: true, adminUsers: new Set(['root']), logger });
    assert.equal((await auth.signUp('root', 'tangerine-otter-42', 'anything')).ok, false);
  });
  it('a concurrent duplicate sign-up is reported as taken', async () => {
    const { auth } = make({ openSignup: true });
    const rs = await Promise.all([auth.signUp('gus', 'tangerine-otter-42'), auth.signUp('gus', 'tangerine-otter-42')]);
    assert.equal(rs.filter((r) => r.ok).length, 1);
    assert.ok(rs.some((r) => !r.ok && /taken/.test(r.message)));
  });
});

describe('NativeAuthenticator passwords', () => {
  it('setPassword applies the rules and changes the hash', async () => {
    const { auth } = make({ openSignup: true });
    await auth.signUp('hal', 'tangerine-otter-42');
    assert.deepEqual(await auth.setPassword('hal', 'short'), { ok: false, message: 'Password must be at least 8 characters long.' });
    assert.deepEqual(await auth.setPassword('hal', 'a-brand-new-secret'), { ok: true });
    assert.equal(await auth.authenticate({ username: 'hal', password: 'tangerine-otter-42' }), null);
    assert.ok(await auth.authenticate({ username: 'hal', password: 'a-brand-new-secret' }));
    assert.equal((await auth.setPassword('nobody', 'a-brand-new-secret')).ok, false);
  });
  it('imported bcrypt accounts log in and are upgraded to argon2id', async () => {
    const { auth, store } = make();
    await store.createNativeUser({ name: 'ivy', passwordHash: bcrypt.hashSync('old-python-pw', 4).replace('$2a$', '$2b$'), approved: true, created: now() });
    assert.ok(await auth.authenticate({ username: 'ivy', password: 'old-python-pw' }));
    assert.equal(hashKind(store.users.get('ivy')!.passwordHash), 'argon2id');
    assert.ok(await auth.authenticate({ username: 'ivy', password: 'old-python-pw' }));
  });
  it('stores only hashes', async () => {
    const { auth, store } = make({ openSignup: true });
    await auth.signUp('jay', 'tangerine-otter-42');
    assert.ok(!JSON.stringify([...store.users.values()]).includes('tangerine-otter-42'));
  });
});

describe('AdminBootstrap', () => {
  it('prints a token once per admin without an account; stores only a hash', async () => {
    const { store, bootstrap, auth } = make({ admins: ['root', 'ops'] });
    await store.createNativeUser({ name: 'ops', passwordHash: await hashPassword('x-long-enough'), approved: true, created: now() });
    assert.deepEqual(await bootstrap.prepare(['root', 'ops']), [{ name: 'root', token: 'tok-1' }]);
    assert.deepEqual(await bootstrap.prepare(['root', 'ops']), [], 'second start prints nothing');
    assert.ok(![...store.settings.values()].some((v) => v.includes('tok-1')));
    assert.ok(await bootstrap.check('root', 'tok-1'));
    assert.ok(!(await bootstrap.check('root', 'tok-1x')));
    assert.ok(!(await bootstrap.check('ops', 'tok-1')));
    void auth;
  });
  it('replicas racing: only the writer that won gets a token', async () => {
    const store = new MemoryStore();
    let n = 0;
    const mk = () => new AdminBootstrap({ settings: store, accounts: store, randomToken: () => `tok-${++n}`, now });
    const [a, b] = await Promise.all([mk().prepare(['root']), mk().prepare(['root'])]);
    assert.equal(a.length + b.length, 1);
  });
  it('expired tokens stop working and a later start prints a new one', async () => {
    const store = new MemoryStore();
    let t = now().getTime();
    let n = 0;
    const bs = new AdminBootstrap({ settings: store, accounts: store, randomToken: () => `tok-${++n}`, now: () => new Date(t), ttlMs: 1000 });
    assert.equal((await bs.prepare(['root'])).length, 1);
    t += 1000;
    assert.equal(await bs.check('root', 'tok-1'), false);
    assert.deepEqual(await bs.prepare(['root']), [{ name: 'root', token: 'tok-2' }]);
    assert.ok(await bs.check('root', 'tok-2'));
  });
});
