// Conformance: native authenticator accounts and hub-wide settings.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { StoreConflictError, type Store } from '../types.ts';
import { at, T0, type Harness } from './harness.ts';

export function nativeUserCases(h: Harness): void {
  it('native users: create, read, update, list by name, delete', async (t) => {
    const s = await h.fresh(t);
    const bob = { name: 'bob', passwordHash: '$argon2id$v=19$m=65536,t=3,p=4$abc$def', approved: false, created: T0 };
    await s.createNativeUser(bob);
    await s.createNativeUser({ ...bob, name: 'alice', approved: true, created: at(1) });
    assert.deepEqual(await s.getNativeUser('bob'), bob);
    assert.equal(await s.getNativeUser('carol'), null);
    await assert.rejects(s.createNativeUser(bob), StoreConflictError);
    await s.updateNativeUser('bob', { approved: true });
    assert.deepEqual(await s.getNativeUser('bob'), { ...bob, approved: true });
    await s.updateNativeUser('bob', { passwordHash: 'new' });
    assert.deepEqual(await s.getNativeUser('bob'), { ...bob, approved: true, passwordHash: 'new' });
    await s.updateNativeUser('bob', {});
    await s.updateNativeUser('carol', { approved: true });
    assert.deepEqual(
      (await s.listNativeUsers()).map((u) => u.name),
      ['alice', 'bob'],
    );
    await s.deleteNativeUser('bob');
    assert.equal(await s.getNativeUser('bob'), null);
    await s.deleteNativeUser('bob');
  });
}

async function firstWriters(stores: Store[], key: string): Promise<string[]> {
  return Promise.all(stores.map((s, i) => s.setSettingIfAbsent(key, `value-${i}`)));
}

export function settingCases(h: Harness): void {
  it('settings: get, set, first-writer-wins, delete', async (t) => {
    const s = await h.fresh(t);
    assert.equal(await s.getSetting('cookie_secret'), null);
    assert.equal(await s.setSettingIfAbsent('cookie_secret', 'one'), 'one');
    assert.equal(await s.setSettingIfAbsent('cookie_secret', 'two'), 'one');
    assert.equal(await s.getSetting('cookie_secret'), 'one');
    await s.setSetting('cookie_secret', 'three');
    assert.equal(await s.getSetting('cookie_secret'), 'three');
    await s.setSetting('fresh', '');
    assert.equal(await s.getSetting('fresh'), '');
    const long = 'x'.repeat(200_000);
    await s.setSetting('long', long);
    assert.equal(await s.getSetting('long'), long);
    await s.deleteSetting('cookie_secret');
    assert.equal(await s.getSetting('cookie_secret'), null);
    await s.deleteSetting('cookie_secret');
  });

  it('setSettingIfAbsent: concurrent writers all see the first value', async (t) => {
    const s = await h.fresh(t);
    const writers = [s, s, s, s];
    if (h.same && h.options.concurrentReplicas) {
      const other = await h.same(t, s);
      writers.push(other, other, other, other);
    }
    for (let round = 0; round < 5; round++) {
      const seen = await firstWriters(writers, `key-${round}`);
      assert.equal(new Set(seen).size, 1, `round ${round}: ${seen.join(',')}`);
      assert.equal(await s.getSetting(`key-${round}`), seen[0]);
    }
  });
}
