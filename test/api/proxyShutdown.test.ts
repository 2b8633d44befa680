// GET/POST/PATCH /hub/api/proxy and POST /hub/api/shutdown (JupyterHub 5.5 shapes and scopes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { startTestHub } from './support.ts';

test('GET /proxy is the routing table keyed by routespec, paginated on request; POST re-syncs; PATCH refused; scopes', async () => {
  const t = await startTestHub();
  try {
    await t.createUsers('alice', 'bob');
    for (const u of ['alice', 'bob']) assert.equal((await t.api.call('POST', `/users/${u}/server`)).status, 201);
    const r = await t.api.call('GET', '/proxy');
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body).sort(), ['/', '/user/alice/', '/user/bob/']);
    assert.equal(r.body['/'].data.hub, true);
    assert.equal(r.body['/user/alice/'].routespec, '/user/alice/');
    assert.deepEqual(r.body['/user/alice/'].data, { user: 'alice', server_name: '', jupyterhub: true });
    const alice = await t.hub.store.getServer('alice', '');
    assert.equal(r.body['/user/alice/'].target, alice!.target);

    const page = await t.api.call('GET', '/proxy?limit=2', undefined, { Accept: 'application/jupyterhub-pagination+json' });
    assert.equal(page.status, 200);
    assert.equal(Object.keys(page.body.items).length, 2);
    assert.equal(page.body._pagination.total, 3);
    assert.equal(page.body._pagination.next.offset, 2);

    const sync = await t.api.call('POST', '/proxy');
    assert.equal(sync.status, 200);
    assert.deepEqual(Object.keys((await t.api.call('GET', '/proxy')).body).sort(), ['/', '/user/alice/', '/user/bob/']);

    const patch = await t.api.call('PATCH', '/proxy', { api_url: 'http://127.0.0.1:1/' });
    assert.equal(patch.status, 400);
    assert.match(patch.body.message, /cannot be re-pointed/);

    const user = t.as(await t.tokenFor('alice'));
    for (const [m, body] of [['GET', undefined], ['POST', undefined], ['PATCH', {}]] as const) assert.equal((await user.call(m, '/proxy', body)).status, 403, m);
    assert.equal((await user.call('POST', '/shutdown')).status, 403);
  } finally {
    await t.close();
  }
});

test('POST /shutdown {servers: true} answers 202, stops the servers, then the hub', async () => {
  const t = await startTestHub();
  let closed = false;
  try {
    await t.createUsers('carol');
    assert.equal((await t.api.call('POST', '/users/carol/server')).status, 201);
    const target = (await t.hub.store.getServer('carol', ''))!.target!;
    assert.equal((await fetch(`${target}/user/carol/api/status`)).status > 0, true);
    for (const bad of [{ servers: 'yes' }, { proxy: 1 }]) {
      const r = await t.api.call('POST', '/shutdown', bad);
      assert.equal(r.status, 400);
      assert.match(r.body.message, /must be true or false/);
    }
    const r = await t.api.call('POST', '/shutdown', { servers: true });
    assert.equal(r.status, 202);
    assert.deepEqual(r.body, { message: 'Shutting down Hub' });
    await t.hub.stopped;
    closed = true;
    await assert.rejects(fetch(target), 'the server process is gone');
    await assert.rejects(fetch(`${t.url}hub/api/`), 'the hub and its in-process proxy are gone');
  } finally {
    if (!closed) await t.close();
    else await rm(t.dataDir, { recursive: true, force: true });
  }
});
