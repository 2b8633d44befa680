import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import {
  MAX_ACCOUNT_NAME,
  UnixAccounts,
  accountComment,
  accountNameFor,
  deleteUnixAccount,
  lookupAccount,
  validateAccountPrefix,
} from './unixAccounts.ts';

const VALID = /^[a-z_][a-z0-9_-]*$/;

describe('accountNameFor', () => {
  it('uses <prefix><name> for names that are already valid', () => {
    assert.equal(accountNameFor('nbh-', 'alice'), 'nbh-alice');
    assert.equal(accountNameFor('nbh-', 'bob-2'), 'nbh-bob-2');
    assert.equal(accountNameFor('nbh-', '42'), 'nbh-42');
  });

  it('maps other names deterministically to <prefix><sanitized>_<hash>', () => {
    const a = accountNameFor('nbh-', 'Alice.Smith@example.org');
    assert.match(a, /^nbh-alice-smith-examp_[a-z2-7]{10}$/); // cut to fit 32
    assert.equal(accountNameFor('nbh-', 'Alice.Smith@example.org'), a);
    assert.notEqual(accountNameFor('nbh-', 'alice'), accountNameFor('nbh-', 'Alice'));
    assert.match(accountNameFor('nbh-', 'ünïcødé'), /^nbh--n-c-d-_[a-z2-7]{10}$/);
    assert.match(accountNameFor('nbh-', 'a_b'), /^nbh-a-b_[a-z2-7]{10}$/);
  });

  it('keeps every account name valid and at most 32 characters', () => {
    for (const n of ['x'.repeat(28), 'x'.repeat(29), 'y'.repeat(200), '-lead', '', 'Ω', 'a b', 'root']) {
      const a = accountNameFor('nbh-', n);
      assert.ok(a.length <= MAX_ACCOUNT_NAME, `${a} is too long`);
      assert.match(a, VALID);
    }
    assert.equal(accountNameFor('nbh-', 'x'.repeat(28)), `nbh-${'x'.repeat(28)}`);
    assert.match(accountNameFor('nbh-', 'x'.repeat(29)), /_/);
  });

  it('a direct name can never equal a mapped one (no "_" in direct names)', () => {
    const victim = 'Alice';
    const mapped = accountNameFor('nbh-', victim);
    const attacker = mapped.slice('nbh-'.length); // try to register the mapped suffix as a name
    assert.notEqual(accountNameFor('nbh-', attacker), mapped);
  });

  it('validates the prefix', () => {
    for (const p of ['nbh-', 'jupyter_', '_x']) validateAccountPrefix(p);
    for (const p of ['', '-x', 'Nbh', '1x', 'a:b', 'x'.repeat(17)]) {
      assert.throws(() => validateAccountPrefix(p), { code: 'UNIX_ACCOUNT_PREFIX_INVALID' });
    }
  });
});

describe('UnixAccounts (root)', { skip: process.getuid?.() !== 0 && 'needs root' }, () => {
  const prefix = 'nbt-';
  const run = randomBytes(3).toString('hex');
  const created: string[] = [];
  const accounts = new UnixAccounts({ prefix, shell: '/bin/sh', logger: pino({ level: 'silent' }) });
  after(async () => {
    for (const a of created) await deleteUnixAccount(a);
  });

  it('creates a system account with its own group, the given home and shell, once under concurrency', async () => {
    const user = `ua${run}-one`;
    const name = accountNameFor(prefix, user);
    created.push(name);
    const results = await Promise.all(Array.from({ length: 5 }, () => accounts.ensure(user, `/nonexistent/homes/${user}`)));
    const first = results[0];
    for (const r of results) assert.deepEqual(r, first);
    assert.equal(first.name, name);
    assert.ok(first.uid > 0 && first.uid < 1000, `system uid, got ${first.uid}`);
    const entry = await lookupAccount(name);
    assert.ok(entry);
    assert.equal(entry.comment, accountComment(user));
    assert.equal(entry.home, `/nonexistent/homes/${user}`);
    assert.equal(entry.shell, '/bin/sh');
    const group = execFileSync('getent', ['group', String(first.gid)], { encoding: 'utf8' });
    assert.ok(group.startsWith(`${name}:`), 'user group of the same name');
    // A second ensure finds it again, and follows a moved home.
    const again = await accounts.ensure(user, `/nonexistent/other/${user}`);
    assert.equal(again.uid, first.uid);
    assert.equal((await lookupAccount(name))!.home, `/nonexistent/other/${user}`);
  });

  it('refuses an existing account that nbhub did not create for that hub user', async () => {
    const user = `ua${run}-foreign`;
    const name = accountNameFor(prefix, user);
    created.push(name);
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', name]);
    await assert.rejects(accounts.ensure(user, '/nonexistent'), { code: 'UNIX_ACCOUNT_CONFLICT', message: new RegExp(name) });
  });

  it('deleteUnixAccount removes the account and tolerates a missing one', async () => {
    const user = `ua${run}-gone`;
    const name = accountNameFor(prefix, user);
    created.push(name);
    await accounts.ensure(user, '/nonexistent');
    await deleteUnixAccount(name);
    assert.equal(await lookupAccount(name), null);
    await deleteUnixAccount(name);
  });
});
