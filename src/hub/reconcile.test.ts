import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { RouteReconciler } from './reconcile.ts';
import type { Store, ServerRecord } from '../store/types.ts';
import type { ProxyClient } from '../proxy/types.ts';
import type { ServerManager } from './servers.ts';

type Route = { target: string; last_activity?: string; [k: string]: unknown };

const HUB = 'http://127.0.0.1:8081';

function server(user: string, name: string, target: string | null): ServerRecord {
  return {
    id: 1,
    userId: 1,
    userName: user,
    name,
    phase: 'running',
    spawnerState: {},
    target,
    started: null,
    lastActivity: null,
    userOptions: {},
    lastFailure: null,
  } as ServerRecord;
}

/** Fakes of exactly what the reconciler uses: store (2 calls), servers (isReady), proxy. */
function setup(o: { servers: ServerRecord[]; ready: Set<string>; routes: Record<string, Route>; beforeGetRoutes?: () => void }) {
  const bumps: [string, string, string][] = [];
  const calls: string[] = [];
  const store = {
    listActiveServers: async () => o.servers,
    bumpServerActivity: async (u: string, s: string, at: Date) => void bumps.push([u, s, at.toISOString()]),
  } as unknown as Store;
  const servers = { isReady: (u: string, s: string) => o.ready.has(`${u}/${s}`) } as unknown as ServerManager;
  const proxy: ProxyClient = {
    async getRoutes() {
      o.beforeGetRoutes?.();
      return structuredClone(o.routes) as Awaited<ReturnType<ProxyClient['getRoutes']>>;
    },
    async addRoute(path, target, data) {
      calls.push(`add ${path} ${target}`);
      o.routes[path] = { ...data, target };
    },
    async deleteRoute(path) {
      calls.push(`delete ${path}`);
      delete o.routes[path];
    },
  };
  const r = new RouteReconciler({ store, servers, proxy, hubUrl: HUB, baseUrl: '/', logger: pino({ level: 'silent' }), now: () => new Date() });
  return { r, bumps, calls };
}

test('adds the hub route and missing server routes, removes stale ones, leaves foreign routes alone', async () => {
  const routes: Record<string, Route> = {
    '/user/gone': { target: 'http://127.0.0.1:1', user: 'gone', server_name: '', jupyterhub: true },
    '/extra': { target: 'http://127.0.0.1:2' }, // not ours: no jupyterhub marker
  };
  const { r, calls } = setup({
    servers: [server('alice', '', 'http://127.0.0.1:3'), server('bob', '', 'http://127.0.0.1:4')],
    ready: new Set(['alice/']), // bob is still starting: no route yet
    routes,
  });
  await r.runOnce();
  assert.deepEqual(calls, ['add / http://127.0.0.1:8081', 'add /user/alice http://127.0.0.1:3', 'delete /user/gone']);
  assert.deepEqual(routes['/user/alice'], { user: 'alice', server_name: '', jupyterhub: true, target: 'http://127.0.0.1:3' });
  assert.ok(routes['/extra']);
  // a second pass has nothing to do
  calls.length = 0;
  await r.runOnce();
  assert.deepEqual(calls, []);
});

test('a route with the wrong target is replaced', async () => {
  const routes: Record<string, Route> = {
    '/': { target: HUB, hub: true, jupyterhub: true },
    '/user/alice/foo': { target: 'http://127.0.0.1:9', user: 'alice', server_name: 'foo', jupyterhub: true },
  };
  const { r, calls } = setup({ servers: [server('alice', 'foo', 'http://127.0.0.1:5')], ready: new Set(['alice/foo']), routes });
  await r.runOnce();
  assert.deepEqual(calls, ['add /user/alice/foo http://127.0.0.1:5']);
});

test("the proxy's route activity is folded into the servers' last_activity", async () => {
  const routes: Record<string, Route> = {
    '/': { target: HUB, hub: true, jupyterhub: true, last_activity: '2026-11-23T19:00:00.000Z' },
    '/user/alice': { target: 'http://127.0.0.1:3', user: 'alice', server_name: '', jupyterhub: true, last_activity: '2026-11-23T19:35:02.118Z' },
    '/user/bad': { target: 'http://127.0.0.1:6', user: 'bad', server_name: '', jupyterhub: true, last_activity: 'not a date' },
  };
  const { r, bumps } = setup({ servers: [server('alice', '', 'http://127.0.0.1:3')], ready: new Set(['alice/']), routes });
  await r.runOnce();
  assert.deepEqual(bumps, [['alice', '', '2026-11-23T19:35:02.118Z']]);
});

test('a server that becomes ready during a pass keeps its route', async () => {
  // the spawn finishes (route added, server ready) while the pass is running
  const ready = new Set<string>();
  const routes: Record<string, Route> = { '/': { target: HUB, hub: true, jupyterhub: true } };
  let finished = false;
  const finishSpawn = () => {
    if (finished) return;
    finished = true;
    routes['/user/alice'] = { target: 'http://127.0.0.1:3', user: 'alice', server_name: '', jupyterhub: true };
    ready.add('alice/');
  };
  const { r, calls } = setup({ servers: [server('alice', '', 'http://127.0.0.1:3')], ready, routes, beforeGetRoutes: finishSpawn });
  await r.runOnce();
  assert.ok(!calls.includes('delete /user/alice'), calls.join('; '));
  assert.ok(routes['/user/alice']);
});

test('concurrent runOnce calls share one pass; errors are logged, not thrown', async () => {
  let passes = 0;
  const { r } = setup({
    servers: [],
    ready: new Set(),
    routes: {},
    beforeGetRoutes: () => {
      passes++;
      if (passes === 2) throw new Error('proxy down');
    },
  });
  await Promise.all([r.runOnce(), r.runOnce(), r.runOnce()]);
  assert.equal(passes, 1);
  await r.runOnce(); // throws inside: swallowed and logged
  assert.equal(passes, 2);
});
