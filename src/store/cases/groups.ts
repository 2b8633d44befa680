// Conformance: hub groups (create all-or-none, members, properties, listing, the manage_groups
// sync) and how memberships follow renamed and deleted users.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { StoreConflictError, StoreNotFoundError } from '../types.ts';
import { at, isStoreError, names, T0, type Harness } from './harness.ts';

export function groupCases(h: Harness): void {
  it('createGroups returns the groups with members (by name) and properties, in input order', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['carol', 'alice', 'bob'], { admin: false, now: T0 });
    const made = await s.createGroups([
      { name: 'physics', members: ['carol', 'alice', 'alice'], properties: { course: 'PHY101', seats: 30, tags: ['a', null] } },
      { name: 'empty' },
    ]);
    assert.deepEqual(
      made.map((g) => [g.name, g.members, g.properties]),
      [
        ['physics', ['alice', 'carol'], { course: 'PHY101', seats: 30, tags: ['a', null] }],
        ['empty', [], {}],
      ],
    );
    assert.deepEqual(await s.getGroup('physics'), made[0]);
    assert.equal(await s.getGroup('nope'), null);
    assert.deepEqual(await s.createGroups([]), []);
  });

  it('createGroups is all-or-nothing and names the clash or the unknown member', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['alice'], { admin: false, now: T0 });
    await s.createGroups([{ name: 'taken' }]);
    await assert.rejects(s.createGroups([{ name: 'new1' }, { name: 'taken' }]), (err: unknown) => {
      assert.ok(err instanceof StoreConflictError);
      assert.match(err.message, /taken/);
      return true;
    });
    await assert.rejects(s.createGroups([{ name: 'x' }, { name: 'x' }]), StoreConflictError);
    await assert.rejects(s.createGroups([{ name: 'new2', members: ['alice', 'ghost'] }]), (err: unknown) => {
      assert.ok(err instanceof StoreNotFoundError);
      assert.match(err.message, /ghost/);
      return true;
    });
    await assert.rejects(s.createGroups([{ name: 'bad', properties: [] as unknown as Record<string, unknown> }]), isStoreError('STORE_BAD_INPUT'));
    assert.equal(await s.getGroup('new1'), null);
    assert.equal(await s.getGroup('new2'), null);
    assert.equal((await s.listGroups({ offset: 0, limit: 10 })).total, 1);
  });

  it('group names are case-sensitive and keep any Unicode', async (t) => {
    const s = await h.fresh(t);
    const odd = ['Physics', 'physics', 'ciência', 'a b%_!c', '名前', 'org:team'];
    await s.createGroups(odd.map((name) => ({ name })));
    for (const n of odd) assert.equal((await s.getGroup(n))?.name, n);
    assert.equal(await s.getGroup('PHYSICS'), null);
    assert.deepEqual(await s.setUserGroups(await newUser(s, 'alice'), ['Physics', 'physics'], { createMissing: false }), ['Physics', 'physics']);
  });

  it('addGroupMembers and removeGroupMembers are idempotent and check names', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['alice', 'bob', 'carol'], { admin: false, now: T0 });
    await s.createGroups([{ name: 'g', members: ['alice'] }]);
    assert.deepEqual((await s.addGroupMembers('g', ['carol', 'alice', 'bob', 'bob'])).members, ['alice', 'bob', 'carol']);
    assert.deepEqual((await s.addGroupMembers('g', ['alice'])).members, ['alice', 'bob', 'carol']);
    assert.deepEqual((await s.removeGroupMembers('g', ['bob', 'bob'])).members, ['alice', 'carol']);
    assert.deepEqual((await s.removeGroupMembers('g', ['bob'])).members, ['alice', 'carol'], 'a non-member is fine');
    await assert.rejects(s.addGroupMembers('g', ['ghost']), (e: unknown) => e instanceof StoreNotFoundError && /ghost/.test(e.message));
    await assert.rejects(s.removeGroupMembers('g', ['ghost']), StoreNotFoundError);
    await assert.rejects(s.addGroupMembers('nogroup', ['alice']), (e: unknown) => e instanceof StoreNotFoundError && /nogroup/.test(e.message));
    assert.deepEqual((await s.getGroup('g'))?.members, ['alice', 'carol'], 'a refused change changed nothing');
    assert.deepEqual(await s.groupsOfUser('carol'), ['g']);
  });

  it('setGroupProperties replaces the properties', async (t) => {
    const s = await h.fresh(t);
    await s.createGroups([{ name: 'g', properties: { a: 1 } }]);
    const big = { description: 'ü'.repeat(40_000), nested: { list: [1, 2.5, true] } };
    assert.deepEqual((await s.setGroupProperties('g', big)).properties, big);
    assert.deepEqual((await s.getGroup('g'))?.properties, big);
    await assert.rejects(s.setGroupProperties('nope', {}), StoreNotFoundError);
    await assert.rejects(s.setGroupProperties('g', null as unknown as Record<string, unknown>), isStoreError('STORE_BAD_INPUT'));
  });

  it('deleteGroup removes the group and its memberships, not the users', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['alice'], { admin: false, now: T0 });
    await s.createGroups([{ name: 'a', members: ['alice'] }, { name: 'b', members: ['alice'] }]);
    assert.equal(await s.deleteGroup('a'), true);
    assert.equal(await s.deleteGroup('a'), false);
    assert.equal(await s.getGroup('a'), null);
    assert.deepEqual(await s.groupsOfUser('alice'), ['b']);
    assert.notEqual(await s.getUser('alice'), null);
    await s.createGroups([{ name: 'a' }]);
    assert.deepEqual((await s.getGroup('a'))?.members, [], 'a new group of the same name starts empty');
  });

  it('listGroups paginates by creation order with totals and a name filter', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['alice'], { admin: false, now: T0 });
    const all = names('grp', 25);
    await s.createGroups(all.map((name, i) => ({ name, members: i % 2 ? ['alice'] : [] })));
    const p1 = await s.listGroups({ offset: 0, limit: 10 });
    assert.equal(p1.total, 25);
    assert.deepEqual(p1.items.map((g) => g.name), all.slice(0, 10));
    assert.deepEqual(p1.items[1].members, ['alice']);
    const p3 = await s.listGroups({ offset: 20, limit: 10 });
    assert.deepEqual(p3.items.map((g) => g.name), all.slice(20));
    assert.deepEqual(await s.listGroups({ offset: 30, limit: 10 }), { items: [], total: 25 });
    assert.deepEqual(await s.listGroups({ offset: 0, limit: 0 }), { items: [], total: 25 });
    const named = await s.listGroups({ offset: 0, limit: 10, names: ['grp00003', 'grp00001', 'nope'] });
    assert.equal(named.total, 2);
    assert.deepEqual(named.items.map((g) => g.name), ['grp00001', 'grp00003']);
    assert.deepEqual(await s.listGroups({ offset: 0, limit: 10, names: [] }), { items: [], total: 0 });
    await assert.rejects(s.listGroups({ offset: -1, limit: 10 }), isStoreError('STORE_BAD_INPUT'));
  });

  it('setUserGroups leaves exactly the given groups, creating missing ones only when asked', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['alice', 'bob'], { admin: false, now: T0 });
    await s.createGroups([{ name: 'old', members: ['alice', 'bob'] }, { name: 'keep', members: ['alice'] }]);
    assert.deepEqual(await s.setUserGroups('alice', ['new', 'keep', 'new'], { createMissing: true }), ['keep', 'new']);
    assert.deepEqual(await s.groupsOfUser('alice'), ['keep', 'new']);
    assert.deepEqual((await s.getGroup('old'))?.members, ['bob'], 'other members stay');
    assert.deepEqual((await s.getGroup('new'))?.properties, {});
    await assert.rejects(s.setUserGroups('alice', ['keep', 'absent'], { createMissing: false }), (e: unknown) => {
      assert.ok(e instanceof StoreNotFoundError);
      assert.match(e.message, /absent/);
      return true;
    });
    assert.deepEqual(await s.groupsOfUser('alice'), ['keep', 'new'], 'a refused sync changed nothing');
    assert.equal(await s.getGroup('absent'), null);
    assert.deepEqual(await s.setUserGroups('alice', [], { createMissing: true }), []);
    assert.notEqual(await s.getGroup('keep'), null, 'leaving a group keeps the group');
    await assert.rejects(s.setUserGroups('ghost', ['keep'], { createMissing: true }), StoreNotFoundError);
    assert.deepEqual(await s.groupsOfUser('ghost'), []);
  });

  it('groupsOfUsers answers for many users at once', async (t) => {
    const s = await h.fresh(t);
    const users = names('u', 1200);
    await s.createUsers(users, { admin: false, now: T0 });
    await s.createGroups([{ name: 'b', members: users.slice(0, 1100) }, { name: 'a', members: [users[0], users[1199]] }]);
    const m = await s.groupsOfUsers([...users, 'ghost']);
    assert.deepEqual(m.get(users[0]), ['a', 'b']);
    assert.deepEqual(m.get(users[5]), ['b']);
    assert.deepEqual(m.get(users[1199]), ['a']);
    assert.deepEqual(m.get(users[1150]), []);
    assert.deepEqual(m.get('ghost'), []);
  });

  it('memberships follow a renamed user and go with a deleted one', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['alice', 'bob'], { admin: false, now: T0 });
    await s.createGroups([{ name: 'g', members: ['alice', 'bob'] }]);
    await s.updateUser('alice', { name: 'zoe' });
    assert.deepEqual((await s.getGroup('g'))?.members, ['bob', 'zoe']);
    assert.deepEqual(await s.groupsOfUser('zoe'), ['g']);
    assert.deepEqual(await s.groupsOfUser('alice'), []);
    await s.deleteUser('bob');
    assert.deepEqual((await s.getGroup('g'))?.members, ['zoe']);
    await s.createUsers(['bob'], { admin: false, now: at(1) });
    assert.deepEqual(await s.groupsOfUser('bob'), [], 'a new user of the same name starts with no groups');
  });

  it('deleteSessionsOfUser ends the sessions and the tokens issued under them only', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['alice', 'bob'], { admin: false, now: T0 });
    await s.createSession({ idHash: 's1', userName: 'alice', sessionId: 'sid1', created: T0, expiresAt: at(9e9) });
    await s.createSession({ idHash: 's2', userName: 'alice', sessionId: 'sid2', created: T0, expiresAt: at(9e9) });
    await s.createSession({ idHash: 's3', userName: 'bob', sessionId: 'sid3', created: T0, expiresAt: at(9e9) });
    const base = { scopes: [], note: '', expiresAt: null, oauthClientId: null };
    await s.createToken({ ...base, owner: { kind: 'user', name: 'alice' }, hash: 'browser', sessionId: 'sid1' }, T0);
    await s.createToken({ ...base, owner: { kind: 'user', name: 'alice' }, hash: 'server', sessionId: null }, T0);
    await s.createToken({ ...base, owner: { kind: 'user', name: 'bob' }, hash: 'bobs', sessionId: 'sid3' }, T0);
    assert.equal(await s.deleteSessionsOfUser('alice'), 2);
    assert.equal(await s.getSession('s1'), null);
    assert.equal(await s.getSession('s2'), null);
    assert.notEqual(await s.getSession('s3'), null);
    assert.equal(await s.findTokenByHash('browser'), null);
    assert.notEqual(await s.findTokenByHash('server'), null);
    assert.notEqual(await s.findTokenByHash('bobs'), null);
    assert.equal(await s.deleteSessionsOfUser('alice'), 0);
    assert.equal(await s.deleteSessionsOfUser('ghost'), 0);
  });

  if (!h.options.concurrentReplicas) return;

  it('replicas syncing users into the same new groups at once both succeed', async (t) => {
    const a = await h.fresh(t);
    const b = await h.same!(t, a);
    const users = names('racer', 20);
    await a.createUsers(users, { admin: false, now: T0 });
    await Promise.all(users.map((u, i) => (i % 2 ? a : b).setUserGroups(u, ['shared', `own-${u}`], { createMissing: true })));
    assert.deepEqual((await a.getGroup('shared'))?.members, users);
    assert.equal((await a.listGroups({ offset: 0, limit: 1 })).total, 21);
  });
}

async function newUser(s: { createUsers(n: string[], o: { admin: boolean; now: Date }): Promise<unknown> }, name: string): Promise<string> {
  await s.createUsers([name], { admin: false, now: T0 });
  return name;
}
