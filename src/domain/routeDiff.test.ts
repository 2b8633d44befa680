import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diffRoutes, normalizeRoutePath, type WantedRoute } from './routeDiff.ts';

const hub: WantedRoute = { path: '/', target: 'http://127.0.0.1:8081', data: { hub: true, jupyterhub: true } };
const alice: WantedRoute = { path: '/user/alice', target: 'http://127.0.0.1:5001', data: { user: 'alice', server_name: '', jupyterhub: true } };
const bobFoo: WantedRoute = { path: '/user/bob/foo/', target: 'http://127.0.0.1:5002', data: { user: 'bob', server_name: 'foo', jupyterhub: true } };

describe('normalizeRoutePath', () => {
  it('strips trailing slashes, keeps root', () => {
    assert.equal(normalizeRoutePath('/user/alice/'), '/user/alice');
    assert.equal(normalizeRoutePath('/user/alice//'), '/user/alice');
    assert.equal(normalizeRoutePath('/'), '/');
    assert.equal(normalizeRoutePath('user/x'), '/user/x');
  });
});

describe('diffRoutes', () => {
  it('empty proxy: add everything', () => {
    const plan = diffRoutes([hub, alice, bobFoo], {});
    assert.deepEqual(plan.add.map((r) => r.path), ['/', '/user/alice', '/user/bob/foo']);
    assert.deepEqual(plan.update, []);
    assert.deepEqual(plan.remove, []);
  });
  it('in sync: nothing to do (trailing slashes, last_activity and extra keys ignored)', () => {
    const actual = {
      '/': { target: 'http://127.0.0.1:8081/', hub: true, jupyterhub: true, last_activity: '2026-01-01T00:00:00Z' },
      '/user/alice': { target: 'http://127.0.0.1:5001', user: 'alice', server_name: '', jupyterhub: true, extra: 1 },
      '/user/bob/foo': { target: 'http://127.0.0.1:5002', user: 'bob', server_name: 'foo', jupyterhub: true },
    };
    assert.deepEqual(diffRoutes([hub, alice, bobFoo], actual), { add: [], update: [], remove: [] });
  });
  it('changed target or data → update', () => {
    const actual = {
      '/': { target: 'http://127.0.0.1:8081', hub: true, jupyterhub: true },
      '/user/alice': { target: 'http://127.0.0.1:9999', user: 'alice', server_name: '', jupyterhub: true },
      '/user/bob/foo': { target: 'http://127.0.0.1:5002', user: 'bob', server_name: 'bar', jupyterhub: true },
    };
    const plan = diffRoutes([hub, alice, bobFoo], actual);
    assert.deepEqual(plan.update.map((r) => r.path), ['/user/alice', '/user/bob/foo']);
    assert.deepEqual(plan.add, []);
  });
  it('removes stale hub routes but never foreign ones', () => {
    const actual = {
      '/': { target: 'http://127.0.0.1:8081', hub: true, jupyterhub: true },
      '/user/gone': { target: 'http://127.0.0.1:5003', user: 'gone', jupyterhub: true },
      '/user/gone2/': { target: 'http://127.0.0.1:5004', user: 'gone2', jupyterhub: true },
      '/custom': { target: 'http://example.org' },
      '/other': { target: 'http://example.org', jupyterhub: 'yes' },
    };
    const plan = diffRoutes([hub], actual);
    assert.deepEqual(plan.remove, ['/user/gone', '/user/gone2']);
    assert.deepEqual(plan.add, []);
  });
  it('a foreign route at a wanted path is overwritten (add)', () => {
    const plan = diffRoutes([alice], { '/user/alice': { target: 'http://elsewhere' } });
    assert.deepEqual(plan.add.map((r) => r.path), ['/user/alice']);
    assert.deepEqual(plan.remove, []);
  });
  it('duplicate wanted paths: first wins', () => {
    const plan = diffRoutes([alice, { ...alice, path: '/user/alice/', target: 'http://x' }], {});
    assert.equal(plan.add.length, 1);
    assert.equal(plan.add[0].target, 'http://127.0.0.1:5001');
  });
});
