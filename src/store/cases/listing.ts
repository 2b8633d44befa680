// Conformance: listUsers (pagination totals, sorts, state/name/names filters, scale).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Store, UserQuery } from '../types.ts';
import { at, isStoreError, names, T0, type Harness } from './harness.ts';

async function listNames(s: Store, q: Partial<UserQuery>): Promise<string[]> {
  const page = await s.listUsers({ offset: 0, limit: 100, ...q });
  return page.items.map((u) => u.name);
}

/** alice: running, bob: spawning, carol: stopped server, dave: no server, Eve: running named server. */
async function seedStates(s: Store): Promise<void> {
  await s.createUsers(['alice', 'bob', 'carol', 'dave', 'Eve'], { admin: false, now: T0 });
  await s.updateServer((await s.ensureServer('alice', '')).id, { phase: 'running' });
  await s.updateServer((await s.ensureServer('bob', '')).id, { phase: 'spawning' });
  await s.ensureServer('carol', '');
  await s.ensureServer('Eve', '');
  await s.updateServer((await s.ensureServer('Eve', 'big')).id, { phase: 'running' });
}

export function listingCases(h: Harness): void {
  it('listUsers paginates with a total that ignores offset and limit', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(names('u', 25), { admin: false, now: T0 });
    const first = await s.listUsers({ offset: 0, limit: 10 });
    assert.equal(first.total, 25);
    assert.deepEqual(
      first.items.map((u) => u.name),
      names('u', 10),
    );
    const last = await s.listUsers({ offset: 20, limit: 10 });
    assert.deepEqual(
      last.items.map((u) => u.name),
      names('u', 25).slice(20),
    );
    assert.deepEqual(await s.listUsers({ offset: 30, limit: 10 }), { items: [], total: 25 });
    assert.deepEqual(await s.listUsers({ offset: 0, limit: 0 }), { items: [], total: 25 });
    await assert.rejects(s.listUsers({ offset: -1, limit: 10 }), isStoreError('STORE_BAD_INPUT'));
    await assert.rejects(s.listUsers({ offset: 0, limit: 1.5 }), isStoreError('STORE_BAD_INPUT'));
  });

  it('listUsers sorts by id, name and last_activity (never-active first ascending)', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['b', 'a', 'B', 'c', 'd'], { admin: false, now: T0 });
    await s.bumpUserActivity('a', at(3000));
    await s.bumpUserActivity('c', at(1000));
    await s.bumpUserActivity('d', at(3000));
    assert.deepEqual(await listNames(s, {}), ['b', 'a', 'B', 'c', 'd']);
    assert.deepEqual(await listNames(s, { sort: 'id' }), ['b', 'a', 'B', 'c', 'd']);
    assert.deepEqual(await listNames(s, { sort: '-id' }), ['d', 'c', 'B', 'a', 'b']);
    // Byte order on every backend: upper case before lower case.
    assert.deepEqual(await listNames(s, { sort: 'name' }), ['B', 'a', 'b', 'c', 'd']);
    assert.deepEqual(await listNames(s, { sort: '-name' }), ['d', 'c', 'b', 'a', 'B']);
    // Ties (a and d at 3000; b and B never active) break by id in the same direction.
    assert.deepEqual(await listNames(s, { sort: 'last_activity' }), ['b', 'B', 'c', 'a', 'd']);
    assert.deepEqual(await listNames(s, { sort: '-last_activity' }), ['d', 'a', 'c', 'B', 'b']);
    assert.deepEqual(await listNames(s, { sort: 'last_activity', offset: 1, limit: 2 }), ['B', 'c']);
    await assert.rejects(s.listUsers({ offset: 0, limit: 5, sort: 'age' as 'id' }), isStoreError('STORE_BAD_INPUT'));
  });

  it('listUsers filters by server state', async (t) => {
    const s = await h.fresh(t);
    await seedStates(s);
    assert.deepEqual(await listNames(s, { state: 'ready' }), ['alice', 'Eve']);
    assert.deepEqual(await listNames(s, { state: 'active' }), ['alice', 'bob', 'Eve']);
    assert.deepEqual(await listNames(s, { state: 'inactive' }), ['carol', 'dave']);
    const page = await s.listUsers({ offset: 1, limit: 1, state: 'active', sort: 'name' });
    assert.deepEqual(
      { names: page.items.map((u) => u.name), total: page.total },
      { names: ['alice'], total: 3 },
    );
  });

  it('listUsers filters by name substring, case-insensitively, with LIKE characters taken literally', async (t) => {
    const s = await h.fresh(t);
    await s.createUsers(['Alice', 'malik', 'bob', 'al_x', 'alyx', '50%off', '500ff', 'a!b'], { admin: false, now: T0 });
    assert.deepEqual(await listNames(s, { nameFilter: 'ALI' }), ['Alice', 'malik']);
    assert.deepEqual(await listNames(s, { nameFilter: 'l_' }), ['al_x']);
    assert.deepEqual(await listNames(s, { nameFilter: '0%' }), ['50%off']);
    assert.deepEqual(await listNames(s, { nameFilter: '!' }), ['a!b']);
    assert.deepEqual(await listNames(s, { nameFilter: 'zzz' }), []);
    assert.equal((await s.listUsers({ offset: 0, limit: 1, nameFilter: 'a' })).total, 5);
  });

  it('listUsers restricts to given names and combines every filter', async (t) => {
    const s = await h.fresh(t);
    await seedStates(s);
    assert.deepEqual(await listNames(s, { names: ['dave', 'alice', 'zed'] }), ['alice', 'dave']);
    assert.deepEqual(await s.listUsers({ offset: 0, limit: 10, names: [] }), { items: [], total: 0 });
    assert.deepEqual(await listNames(s, { names: ['alice', 'bob', 'dave'], state: 'active', nameFilter: 'B' }), ['bob']);
    assert.deepEqual(await listNames(s, { names: ['alice', 'Eve', 'dave'], state: 'ready', sort: '-name' }), [
      'alice',
      'Eve',
    ]);
  });

  const large = h.options.largeUserCount ?? 50_000;
  if (large > 0) {
    it(`listUsers over ${large} users pages in SQL`, async (t) => {
      const s = await h.fresh(t);
      const all = names('user', large);
      let started = performance.now();
      for (let i = 0; i < all.length; i += 5000) await s.createUsers(all.slice(i, i + 5000), { admin: false, now: T0 });
      t.diagnostic(`createUsers(${large} in 5,000s): ${(performance.now() - started).toFixed(0)} ms`);
      for (let i = 0; i < 100; i++) {
        const name = all[i * 7];
        await s.bumpUserActivity(name, at(i * 1000));
        if (i % 2 === 0) await s.updateServer((await s.ensureServer(name, '')).id, { phase: 'running' });
      }
      const queries: Array<[string, UserQuery]> = [
        ['id, middle page', { offset: Math.floor(large / 2), limit: 100 }],
        ['-last_activity', { offset: 0, limit: 100, sort: '-last_activity' }],
        ['last_activity, last page', { offset: large - 100, limit: 100, sort: 'last_activity' }],
        ['name filter', { offset: 0, limit: 100, nameFilter: 'ER0001' }],
        ['state=ready', { offset: 0, limit: 100, state: 'ready' }],
        ['state=inactive, -name', { offset: 100, limit: 100, state: 'inactive', sort: '-name' }],
      ];
      const results = new Map<string, Awaited<ReturnType<Store['listUsers']>>>();
      for (const [label, q] of queries) {
        started = performance.now();
        results.set(label, await s.listUsers(q));
        t.diagnostic(`listUsers(${label}) over ${large}: ${(performance.now() - started).toFixed(1)} ms`);
      }
      const middle = results.get('id, middle page');
      assert.equal(middle?.total, large);
      assert.equal(middle?.items[0].name, all[Math.floor(large / 2)]);
      assert.equal(results.get('-last_activity')?.items[0].name, all[99 * 7]);
      assert.equal(results.get('-last_activity')?.items[99].name, all[0]);
      assert.equal(results.get('last_activity, last page')?.items[99].name, all[99 * 7]);
      assert.equal(results.get('name filter')?.total, 10);
      assert.equal(results.get('state=ready')?.total, 50);
      assert.equal(results.get('state=inactive, -name')?.total, large - 50);
      assert.equal(results.get('state=inactive, -name')?.items.length, 100);
    });
  }
}
