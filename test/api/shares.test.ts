// Sharing (JupyterHub 5.5): alice shares her server with bob (user share) and with a group;
// the shared scopes reach them (the hub's OAuth authorize for alice's server lets them through
// to the consent page instead of 403); revoking stops that at once; a share code (stored as a
// hash) redeemed by dave at /hub/accept-share gives him the same until it is revoked or expires.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, login, type TestHub, type CookieJar } from './support.ts';
import type { HubApi } from '../support/hubApi.ts';
import type { SqlStore } from '../../src/store/sql.ts';

let t: TestHub;
let clock = Date.now();
let alice: HubApi;

before(async () => {
  t = await startTestHub({
    now: () => new Date(clock),
    config: {
      hub: {
        // JupyterHub's documented way to let users share their own servers
        loadRoles: { user: { scopes: ['self', 'shares!user', 'read:users:name', 'read:groups:name'] } },
      },
    },
  });
  await t.createUsers('alice', 'bob', 'carol', 'dave', 'erin');
  alice = t.as(await t.tokenFor('alice'));
  assert.equal((await t.api.call('POST', '/users/alice/server')).status, 201);
  assert.equal((await t.api.call('POST', '/groups/class', { users: ['carol'] })).status, 201);
});

after(async () => {
  await t?.close();
});

/** bob's (or anyone's) browser asking the hub's OAuth provider for alice's server. */
async function authorizeAlice(jar: CookieJar): Promise<number> {
  const q = new URLSearchParams({ client_id: 'jupyterhub-user-alice', redirect_uri: '/user/alice/oauth_callback', response_type: 'code', state: 's' });
  const res = await jar.fetch(`${t.url}hub/api/oauth2/authorize?${q}`);
  await res.arrayBuffer();
  return res.status;
}

async function scopesOf(user: string): Promise<string[]> {
  return (await t.as(await t.tokenFor(user)).get('/user')).body.scopes as string[];
}

test('alice shares her server with bob: the share model, his list, his scopes, the OAuth consent', async () => {
  const bobJar = await login(t.url, 'bob');
  assert.equal(await authorizeAlice(bobJar), 403, 'nothing shared yet');
  const r = await alice.call('POST', '/shares/alice/', { user: 'bob' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.scopes, ['access:servers!server=alice/']);
  assert.deepEqual(r.body.user, { name: 'bob' });
  assert.equal(r.body.group, null);
  assert.equal(r.body.kind, 'user');
  assert.deepEqual(r.body.server, { user: { name: 'alice' }, name: '', url: '/user/alice/', full_url: null, ready: true });
  const mine = await t.as(await t.tokenFor('bob')).get('/users/bob/shared');
  assert.equal(mine.status, 200);
  assert.equal(mine.body.items.length, 1);
  assert.equal(mine.body._pagination.total, 1);
  assert.ok((await scopesOf('bob')).includes('access:servers!server=alice/'));
  assert.equal(await authorizeAlice(bobJar), 200, 'bob reaches the consent page for alice’s server');
  // alice lists her shares
  const list = await alice.call('GET', '/shares/alice');
  assert.deepEqual(list.body.items.map((s: { user: { name: string } }) => s.user.name), ['bob']);
});

test('a share with a group reaches its members', async () => {
  const carolJar = await login(t.url, 'carol');
  assert.equal(await authorizeAlice(carolJar), 403);
  const r = await alice.call('POST', '/shares/alice/', { group: 'class' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.group, { name: 'class' });
  assert.equal(r.body.kind, 'group');
  assert.equal(await authorizeAlice(carolJar), 200);
  assert.equal((await t.api.call('GET', '/groups/class/shared')).body.items.length, 1);
  const viaGroup = await t.as(await t.tokenFor('carol')).get('/users/carol/shared');
  assert.equal(viaGroup.body.items[0].group.name, 'class');
  assert.equal((await t.api.call('GET', '/groups/class/shared/alice/')).status, 200);
});

test('revoking stops access at once; the recipient may leave a share', async () => {
  const bobJar = await login(t.url, 'bob');
  assert.equal(await authorizeAlice(bobJar), 200);
  const r = await alice.call('PATCH', '/shares/alice/', { user: 'bob' });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, {});
  assert.equal(await authorizeAlice(bobJar), 403);
  assert.ok(!(await scopesOf('bob')).includes('access:servers!server=alice/'));
  // carol leaves the group's share through the group endpoint (admin here), then it is gone
  assert.equal((await t.api.call('DELETE', '/groups/class/shared/alice/')).status, 204);
  assert.equal(await authorizeAlice(await login(t.url, 'carol')), 403);
  assert.equal((await alice.call('GET', '/shares/alice/')).body.items.length, 0);
});

test('bad grants: scopes with another filter, unknown users and groups, someone else’s server', async () => {
  const wrong = await alice.call('POST', '/shares/alice/', { user: 'bob', scopes: ['access:servers!server=bob/'] });
  assert.equal(wrong.status, 400);
  assert.equal((await alice.call('POST', '/shares/alice/', { user: 'nobody' })).status, 400);
  assert.equal((await alice.call('POST', '/shares/alice/', { group: 'nogroup' })).status, 400);
  assert.equal((await alice.call('POST', '/shares/alice/', { user: 'bob', group: 'class' })).status, 400);
  assert.equal((await alice.call('POST', '/shares/alice/', {})).status, 400);
  // alice may not share what she does not hold
  assert.equal((await alice.call('POST', '/shares/alice/', { user: 'bob', scopes: ['admin:servers'] })).status, 403);
  const bob = t.as(await t.tokenFor('bob'));
  assert.equal((await bob.call('POST', '/shares/alice/', { user: 'carol' })).status, 404);
  assert.equal((await alice.call('POST', '/shares/alice/nope', { user: 'bob' })).status, 404);
});

async function accept(jar: CookieJar, code: string): Promise<Response> {
  const page = await jar.fetch(`${t.url}hub/accept-share?code=${encodeURIComponent(code)}`);
  const text = await page.text();
  if (page.status !== 200) return new Response(text, { status: page.status });
  return jar.fetch(`${t.url}hub/accept-share`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ code, _xsrf: jar.get('_xsrf')! }).toString(),
  });
}

test('a share code redeemed by dave works until revoked; listed without the code; stored hashed', async () => {
  const created = await alice.call('POST', '/share-codes/alice/', { expires_in: 3600 });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const { code, id, accept_url } = created.body;
  assert.match(id, /^sc_\d+$/);
  assert.equal(accept_url, `/hub/accept-share?code=${encodeURIComponent(code)}`);
  const daveJar = await login(t.url, 'dave');
  assert.equal(await authorizeAlice(daveJar), 403);
  const res = await accept(daveJar, code);
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('location'), '/user/alice/');
  assert.equal(await authorizeAlice(daveJar), 200);

  const listed = await alice.call('GET', '/share-codes/alice/');
  assert.equal(listed.body.items.length, 1);
  assert.equal(listed.body.items[0].exchange_count, 1);
  assert.equal('code' in listed.body.items[0], false);
  const db = (t.hub.store as SqlStore).db;
  const rows = await db.selectFrom('share_codes').selectAll().execute();
  assert.ok(rows.every((r) => r.code_hash !== code && r.code_hash.length === 64));
  assert.ok(!JSON.stringify(rows).includes(code));

  // alice cannot accept her own code
  const own = await accept(await login(t.url, 'alice'), code);
  assert.equal(own.status, 403);
  // revoked: nobody else can redeem it
  assert.equal((await alice.call('DELETE', `/share-codes/alice/?id=${id}`)).status, 204);
  assert.equal((await accept(await login(t.url, 'erin'), code)).status, 404);
  // dave keeps the share he redeemed, until alice revokes it
  assert.equal((await alice.call('DELETE', '/shares/alice/')).status, 204);
  assert.equal(await authorizeAlice(daveJar), 403);
});

test('a share code stops working when it expires', async () => {
  const { code } = (await alice.call('POST', '/share-codes/alice/', { expires_in: 60 })).body;
  assert.equal((await alice.call('GET', '/share-codes/alice/')).body.items.length, 1);
  clock += 61_000;
  assert.equal((await accept(await login(t.url, 'erin'), code)).status, 404);
  assert.equal((await alice.call('GET', '/share-codes/alice/')).body.items.length, 0, 'expired codes are not listed');
  assert.equal((await alice.call('POST', '/share-codes/alice/', { expires_in: 10 })).status, 400);
});
