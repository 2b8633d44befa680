// /hub/api/groups (JupyterHub 5.5: list, create one or many with members, get, delete, members,
// properties), PATCH /users/{name} with groups, hub.loadRoles given to groups (their scopes reach
// the members) and `!group=` filters that match the group's members.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, type TestHub } from './support.ts';

let t: TestHub;
const PAGINATION = { Accept: 'application/jupyterhub-pagination+json' };

before(async () => {
  t = await startTestHub({
    config: {
      hub: {
        loadRoles: {
          // members of staff may read and list the members of class
          graders: { scopes: ['read:users!group=class', 'list:users!group=class', 'groups!group=class'], groups: ['staff'] },
        },
      },
    },
  });
  await t.createUsers('alice', 'bob', 'carol', 'dave');
});

after(async () => {
  await t?.close();
});

test('POST /groups/{name} creates a group with members (201), 409 when it exists, 400 for an unknown user', async () => {
  const r = await t.api.call('POST', '/groups/class', { users: ['bob', 'carol'] });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.deepEqual(r.body, { kind: 'group', name: 'class', users: ['bob', 'carol'], properties: {}, roles: [] });
  assert.equal((await t.api.call('POST', '/groups/class')).status, 409);
  const bad = await t.api.call('POST', '/groups/other', { users: ['nobody'] });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.message, 'No such user: nobody');
  assert.equal((await t.api.call('GET', '/groups/other')).status, 404, 'nothing created on a 400');
  const extra = await t.api.call('POST', '/groups/other', { users: [], colour: 'red' });
  assert.equal(extra.status, 400);
  assert.match(extra.body.message, /unexpected keys "colour"/);
  // no body at all is an empty group
  const emptyGroup = await t.api.call('POST', '/groups/empty');
  assert.equal(emptyGroup.status, 201);
  assert.deepEqual(emptyGroup.body.users, []);
});

test('POST /groups creates several groups with the same members; 409 names an existing one', async () => {
  const r = await t.api.call('POST', '/groups', { groups: ['staff', 'tas'], users: ['alice'] });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.deepEqual(
    r.body.map((g: { name: string; users: string[] }) => [g.name, g.users]),
    [
      ['staff', ['alice']],
      ['tas', ['alice']],
    ],
  );
  // staff holds the graders role from hub.loadRoles
  assert.deepEqual(r.body[0].roles, ['graders']);
  const again = await t.api.call('POST', '/groups', { groups: ['new1', 'tas'] });
  assert.equal(again.status, 409);
  assert.equal(again.body.message, 'Group tas already exists');
  assert.equal((await t.api.call('POST', '/groups', {})).status, 400);
});

test('GET /groups lists groups, with the pagination envelope on request', async () => {
  const all = await t.api.call('GET', '/groups');
  assert.equal(all.status, 200);
  assert.deepEqual(all.body.map((g: { name: string }) => g.name).sort(), ['class', 'empty', 'staff', 'tas']);
  const page = await t.api.call('GET', '/groups?limit=2', undefined, PAGINATION);
  assert.equal(page.status, 200);
  assert.equal(page.body.items.length, 2);
  assert.equal(page.body._pagination.total, 4);
  assert.equal(page.body._pagination.next.offset, 2);
  const rest = await t.api.call('GET', '/groups?offset=2&limit=2', undefined, PAGINATION);
  assert.equal(rest.body._pagination.next, null);
  const seen = [...page.body.items, ...rest.body.items].map((g: { name: string }) => g.name).sort();
  assert.deepEqual(seen, ['class', 'empty', 'staff', 'tas']);
});

test('members are added and removed; properties are replaced; the user model shows the groups', async () => {
  const add = await t.api.call('POST', '/groups/empty/users', { users: ['dave', 'bob', 'dave'] });
  assert.equal(add.status, 200, JSON.stringify(add.body));
  assert.deepEqual(add.body.users, ['bob', 'dave']);
  assert.deepEqual((await t.api.call('GET', '/users/bob')).body.groups, ['class', 'empty']);
  const rm = await t.api.call('DELETE', '/groups/empty/users', { users: ['bob'] });
  assert.equal(rm.status, 200);
  assert.deepEqual(rm.body.users, ['dave']);
  const noUsers = await t.api.call('POST', '/groups/empty/users', {});
  assert.equal(noUsers.status, 400);
  assert.equal(noUsers.body.message, 'Must specify users to add');
  assert.equal((await t.api.call('POST', '/groups/missing/users', { users: ['bob'] })).status, 404);
  const unknownUser = await t.api.call('POST', '/groups/empty/users', { users: ['zed'] });
  assert.equal(unknownUser.status, 400);

  const props = await t.api.call('PUT', '/groups/empty/properties', { course: 'phys101', seats: 30 });
  assert.equal(props.status, 200);
  assert.deepEqual(props.body.properties, { course: 'phys101', seats: 30 });
  const replaced = await t.api.call('PUT', '/groups/empty/properties', { course: 'phys102' });
  assert.deepEqual(replaced.body.properties, { course: 'phys102' });
  assert.equal((await t.api.call('PUT', '/groups/empty/properties', ['x'])).status, 400);
});

test('DELETE /groups/{name} is 204, then 404', async () => {
  await t.api.call('POST', '/groups/doomed', { users: ['dave'] });
  assert.equal((await t.api.call('DELETE', '/groups/doomed')).status, 204);
  assert.equal((await t.api.call('GET', '/groups/doomed')).status, 404);
  assert.equal((await t.api.call('DELETE', '/groups/doomed')).status, 404);
  assert.equal((await t.api.call('GET', '/users/dave')).body.groups.includes('doomed'), false);
});

test('PATCH /users/{name} with groups sets membership; unknown groups and roles are 400', async () => {
  const r = await t.api.call('PATCH', '/users/dave', { groups: ['tas', 'class'] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.groups, ['class', 'tas']);
  assert.deepEqual((await t.api.call('GET', '/groups/tas')).body.users, ['alice', 'dave']);
  const back = await t.api.call('PATCH', '/users/dave', { groups: ['empty'] });
  assert.deepEqual(back.body.groups, ['empty']);
  const unknown = await t.api.call('PATCH', '/users/dave', { groups: ['nope'] });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.message, 'No such group: nope');
  assert.equal((await t.api.call('PATCH', '/users/dave', { roles: ['admin'] })).status, 400);
});

test("a group's roles reach its members; !group= filters match the group's members", async () => {
  const alice = t.as(await t.tokenFor('alice'));
  const me = await alice.call('GET', '/user');
  assert.ok(me.body.roles.includes('graders'), JSON.stringify(me.body.roles));
  assert.ok(me.body.scopes.includes('read:users!group=class'), JSON.stringify(me.body.scopes));
  // bob is in class: readable; dave is not: 404 (alice's scopes point elsewhere)
  const bob = await alice.call('GET', '/users/bob');
  assert.equal(bob.status, 200, JSON.stringify(bob.body));
  assert.ok(bob.body.groups.includes('class'), JSON.stringify(bob.body));
  assert.ok('last_activity' in bob.body);
  assert.equal((await alice.call('GET', '/users/dave')).status, 404);
  // the listing holds exactly class's members
  const list = await alice.call('GET', '/users');
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.map((u: { name: string }) => u.name).sort(), ['bob', 'carol']);
  // groups!group=class: alice manages class's members, not tas's
  assert.equal((await alice.call('POST', '/groups/class/users', { users: ['dave'] })).status, 200);
  assert.deepEqual((await alice.call('GET', '/users')).body.map((u: { name: string }) => u.name).sort(), ['bob', 'carol', 'dave']);
  assert.equal((await alice.call('POST', '/groups/tas/users', { users: ['bob'] })).status, 404);
  assert.equal((await alice.call('DELETE', '/groups/class')).status, 403);
  // leaving staff takes the role away at once (404: her own read:users!user=alice points elsewhere)
  await t.api.call('DELETE', '/groups/staff/users', { users: ['alice'] });
  assert.equal((await alice.call('GET', '/users/bob')).status, 404);
  assert.equal((await alice.call('GET', '/users')).status, 403);
});

test('scopes: no token 403, a token without group scopes 403, a filtered token 404 for other groups', async () => {
  const anon = await fetch(`${t.url}hub/api/groups`);
  assert.equal(anon.status, 403);
  const carol = t.as(await t.tokenFor('carol'));
  assert.equal((await carol.call('GET', '/groups')).status, 403);
  assert.equal((await carol.call('POST', '/groups/mine')).status, 403);
  const narrowed = t.as(await t.tokenFor('carol', { scopes: [] }));
  assert.equal((await narrowed.call('GET', '/groups/class')).status, 403);

  const reader = t.as(await serviceLikeToken(['read:groups!group=class', 'list:groups!group=class']));
  const own = await reader.call('GET', '/groups/class');
  assert.equal(own.status, 200);
  assert.deepEqual(Object.keys(own.body).sort(), ['kind', 'name', 'properties', 'roles', 'users']);
  assert.equal((await reader.call('GET', '/groups/tas')).status, 404);
  assert.deepEqual((await reader.call('GET', '/groups')).body.map((g: { name: string }) => g.name), ['class']);
});

/** A token of an admin user narrowed to `scopes`. */
async function serviceLikeToken(scopes: string[]): Promise<string> {
  const r = await t.api.call('POST', '/users', { usernames: ['groupadmin'], admin: true });
  assert.ok(r.status === 201 || r.status === 409);
  return t.tokenFor('groupadmin', { scopes });
}
