// Conformance suite every RouteStore implementation runs (three-line test file per store).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RouteStore } from './types.ts';

export interface RouteStoreFixture {
  store: RouteStore;
  /** Releases what `make` opened (database connections, temp dirs). */
  cleanup?: () => Promise<void>;
}

export type MakeRouteStore = () => Promise<RouteStoreFixture>;

const T0 = new Date('2026-11-23T10:00:00.000Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

async function withStore(make: MakeRouteStore, body: (store: RouteStore) => Promise<void>): Promise<void> {
  const fixture = await make();
  try {
    await body(fixture.store);
  } finally {
    await fixture.cleanup?.();
  }
}

export function runRouteStoreConformance(label: string, make: MakeRouteStore): void {
  describe(`RouteStore conformance: ${label}`, () => {
    it('stores a route and reads it back with data and activity', () =>
      withStore(make, async (store) => {
        await store.add('/user/alice', 'http://127.0.0.1:5001', { user: 'alice', server_name: '', jupyterhub: true }, T0);
        const route = await store.get('/user/alice');
        assert.deepEqual(route, {
          path: '/user/alice',
          target: 'http://127.0.0.1:5001',
          data: { user: 'alice', server_name: '', jupyterhub: true },
          lastActivity: T0,
        });
        assert.equal(await store.get('/user/bob'), null);
      }));

    it('normalizes keys: leading slash added, trailing slash removed', () =>
      withStore(make, async (store) => {
        await store.add('user/alice/', 'http://a', {}, T0);
        assert.equal((await store.get('/user/alice'))?.path, '/user/alice');
        assert.equal((await store.get('/user/alice/'))?.target, 'http://a');
        await store.add('', 'http://root', {}, T0);
        assert.equal((await store.get('/'))?.target, 'http://root');
        assert.deepEqual((await store.list()).map((r) => r.path).sort(), ['/', '/user/alice']);
      }));

    it('matches the longest prefix on whole segments', () =>
      withStore(make, async (store) => {
        await store.add('/', 'http://hub', {}, T0);
        await store.add('/user/alice', 'http://alice', {}, T0);
        await store.add('/user/alice/foo', 'http://alice-foo', {}, T0);
        assert.equal(store.match('/user/alice')?.target, 'http://alice');
        assert.equal(store.match('/user/alice/')?.target, 'http://alice');
        assert.equal(store.match('/user/alice/lab/tree')?.target, 'http://alice');
        assert.equal(store.match('/user/alice/foo/api')?.target, 'http://alice-foo');
        assert.equal(store.match('/user/alicex/lab')?.target, 'http://hub');
        assert.equal(store.match('/user/alice/foox')?.target, 'http://alice');
        assert.equal(store.match('/hub/login')?.target, 'http://hub');
        assert.equal(store.match('/')?.target, 'http://hub');
        assert.equal(store.match('/user/alice/foo')?.path, '/user/alice/foo');
      }));

    it('has no match without a root route', () =>
      withStore(make, async (store) => {
        await store.add('/user/alice', 'http://alice', {}, T0);
        assert.equal(store.match('/hub/login'), null);
        assert.equal(store.match('/user'), null);
        assert.equal(store.match('/'), null);
      }));

    it('treats the host as the first segment for host routing keys', () =>
      withStore(make, async (store) => {
        await store.add('/alice.hub.example.org/', 'http://alice', {}, T0);
        await store.add('/hub.example.org', 'http://hub', {}, T0);
        assert.equal(store.match('/alice.hub.example.org/lab')?.target, 'http://alice');
        assert.equal(store.match('/hub.example.org/hub/login')?.target, 'http://hub');
        assert.equal(store.match('/bob.hub.example.org/lab'), null);
      }));

    it('replaces a route on re-add and resets its activity', () =>
      withStore(make, async (store) => {
        await store.add('/user/alice', 'http://old', { user: 'alice', stale: 1 }, T0);
        await store.add('/user/alice', 'http://new', { user: 'alice' }, at(60));
        const route = await store.get('/user/alice');
        assert.equal(route?.target, 'http://new');
        assert.deepEqual(route?.data, { user: 'alice' });
        assert.deepEqual(route?.lastActivity, at(60));
        assert.equal(store.match('/user/alice/x')?.target, 'http://new');
        assert.equal((await store.list()).length, 1);
      }));

    it('does not keep a target key inside data', () =>
      withStore(make, async (store) => {
        await store.add('/a', 'http://a', { target: 'http://elsewhere', hub: true }, T0);
        assert.deepEqual((await store.get('/a'))?.data, { hub: true });
      }));

    it('removes exactly one route and keeps the routes below it', () =>
      withStore(make, async (store) => {
        await store.add('/user/alice', 'http://alice', {}, T0);
        await store.add('/user/alice/foo', 'http://alice-foo', {}, T0);
        assert.equal(await store.remove('/user/alice/'), true);
        assert.equal(await store.remove('/user/alice'), false);
        assert.equal(store.match('/user/alice/lab'), null);
        assert.equal(store.match('/user/alice/foo/lab')?.target, 'http://alice-foo');
        assert.equal(await store.remove('/user/alice/foo'), true);
        assert.deepEqual(await store.list(), []);
        assert.equal(await store.remove('/never'), false);
      }));

    it('can remove the root route', () =>
      withStore(make, async (store) => {
        await store.add('/', 'http://hub', {}, T0);
        assert.equal(await store.remove('/'), true);
        assert.equal(store.match('/anything'), null);
      }));

    it('moves activity forward only, and only for existing routes', () =>
      withStore(make, async (store) => {
        await store.add('/user/alice', 'http://alice', {}, at(10));
        store.touch('/user/alice', at(20));
        store.touch('/user/alice', at(15));
        store.touch('/user/nobody', at(30));
        assert.deepEqual((await store.get('/user/alice'))?.lastActivity, at(20));
        assert.equal(await store.get('/user/nobody'), null);
      }));

    it('lists routes inactive since a date (strictly older)', () =>
      withStore(make, async (store) => {
        await store.add('/a', 'http://a', {}, at(0));
        await store.add('/b', 'http://b', {}, at(0));
        await store.add('/c', 'http://c', {}, at(0));
        store.touch('/b', at(100));
        store.touch('/c', at(50));
        const paths = async (since?: Date) => (await store.list(since)).map((r) => r.path).sort();
        assert.deepEqual(await paths(), ['/a', '/b', '/c']);
        assert.deepEqual(await paths(at(50)), ['/a']);
        assert.deepEqual(await paths(at(51)), ['/a', '/c']);
        assert.deepEqual(await paths(at(1000)), ['/a', '/b', '/c']);
      }));

    it('returns copies: mutating results does not change the store', () =>
      withStore(make, async (store) => {
        const data = { user: 'alice' };
        await store.add('/user/alice', 'http://alice', data, T0);
        data.user = 'mallory';
        const got = await store.get('/user/alice');
        assert.ok(got);
        got.data.user = 'eve';
        const listed = await store.list();
        listed[0].data.user = 'eve';
        assert.deepEqual((await store.get('/user/alice'))?.data, { user: 'alice' });
      }));

    it('holds many routes', () =>
      withStore(make, async (store) => {
        for (let i = 0; i < 500; i++) await store.add(`/user/u${i}`, `http://127.0.0.1:${10000 + i}`, { user: `u${i}` }, T0);
        assert.equal((await store.list()).length, 500);
        assert.equal(store.match('/user/u123/api/kernels')?.target, 'http://127.0.0.1:10123');
        for (let i = 0; i < 500; i += 2) await store.remove(`/user/u${i}`);
        assert.equal((await store.list()).length, 250);
        assert.equal(store.match('/user/u122/api'), null);
        assert.equal(store.match('/user/u121/api')?.target, 'http://127.0.0.1:10121');
      }));
  });
}
