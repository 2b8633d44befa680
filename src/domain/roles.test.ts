import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_ROLE_TABLE,
  RoleConfigError,
  checkTokenScopes,
  loadRoles,
  ownerScopes,
  rolesFor,
  rolesToScopes,
  tokenScopes,
  type RoleHolder,
} from './roles.ts';
import { ALL_SCOPE_NAMES, describeForApi, has, hasUnfiltered } from './scopes.ts';

const alice: RoleHolder = { kind: 'user', name: 'alice', admin: false, groups: [] };
const root: RoleHolder = { kind: 'user', name: 'root', admin: true, groups: [] };

describe('default roles', () => {
  it('has user, admin, server, token', () => {
    assert.deepEqual([...DEFAULT_ROLE_TABLE.keys()].sort(), ['admin', 'server', 'token', 'user']);
    assert.deepEqual(DEFAULT_ROLE_TABLE.get('server')!.scopes, ['users:activity!user', 'access:servers!server']);
  });
  it('admin holds every scope of §7.1 (and so every scope) unfiltered', () => {
    const s = ownerScopes(root, DEFAULT_ROLE_TABLE);
    for (const name of ALL_SCOPE_NAMES) assert.ok(hasUnfiltered(s, name), name);
    assert.ok(has(s, 'access:servers', { server: 'bob/' }));
  });
  it('a plain user holds self', () => {
    const s = ownerScopes(alice, DEFAULT_ROLE_TABLE);
    assert.ok(has(s, 'access:servers', { server: 'alice/' }));
    assert.ok(!has(s, 'access:servers', { server: 'bob/' }));
    assert.ok(!has(s, 'admin-ui'));
    assert.ok(!has(s, 'list:users'));
  });
  it('services hold nothing without roles', () => {
    assert.equal(ownerScopes({ kind: 'service', name: 'x', admin: false }, DEFAULT_ROLE_TABLE).size, 0);
    assert.deepEqual(rolesFor({ kind: 'service', name: 'x', admin: true }, DEFAULT_ROLE_TABLE), ['admin']);
  });
});

describe('OAuth token of alice (protocol.md §2.4)', () => {
  it('/hub/api/user scopes are exactly the three expanded scopes', () => {
    const owner = ownerScopes(alice, DEFAULT_ROLE_TABLE);
    const raw = ['access:servers!server=alice/', 'read:users:groups!user', 'read:users:name!user'];
    const eff = tokenScopes(raw, alice, owner, { oauthAccessScope: 'access:servers!server=alice/' });
    assert.deepEqual(describeForApi(eff), ['access:servers!server=alice/', 'read:users:groups!user=alice', 'read:users:name!user=alice']);
  });
  it('stored scopes that no longer parse grant nothing instead of failing', () => {
    const owner = ownerScopes(alice, DEFAULT_ROLE_TABLE);
    const eff = tokenScopes(['read:retired-scope', 'read:users:activity!user'], alice, owner, { oauthAccessScope: 'bogus' });
    assert.deepEqual(describeForApi(eff), ['read:users:activity!user=alice', 'read:users:groups!user=alice', 'read:users:name!user=alice']);
  });
  it('an inherit token is the owner', () => {
    const owner = ownerScopes(alice, DEFAULT_ROLE_TABLE);
    assert.equal(tokenScopes(['inherit'], alice, owner), owner);
  });
  it('demoting the owner narrows the token at once', () => {
    const raw = ['admin:users', 'list:users'];
    const asAdmin = tokenScopes(raw, root, ownerScopes(root, DEFAULT_ROLE_TABLE));
    assert.ok(hasUnfiltered(asAdmin, 'list:users'));
    const demoted = { ...root, admin: false };
    const after = tokenScopes(raw, demoted, ownerScopes(demoted, DEFAULT_ROLE_TABLE));
    assert.ok(!has(after, 'list:users'));
    assert.ok(has(after, 'read:users', { user: 'root' }));
    assert.ok(!has(after, 'read:users', { user: 'bob' }));
  });
  it("the server's own token (server role) resolves !server", () => {
    const owner = ownerScopes(alice, DEFAULT_ROLE_TABLE);
    const eff = tokenScopes(['users:activity!user', 'access:servers!server'], alice, owner, { serverName: 'foo' });
    assert.deepEqual(describeForApi(eff), [
      'access:servers!server=alice/foo', 'read:users:activity!user=alice', 'read:users:groups!user=alice', 'read:users:name!user=alice',
      'users:activity!user=alice',
    ]);
  });
  it('group-filtered owner scopes cover the owner through their groups', () => {
    const roles = loadRoles({ 'staff-reader': { scopes: ['read:users:activity!group=staff'], groups: ['staff'] } });
    const carol: RoleHolder = { kind: 'user', name: 'carol', admin: false, groups: ['staff'] };
    const owner = ownerScopes(carol, roles);
    const eff = tokenScopes(['read:users:activity!user=carol'], carol, owner);
    assert.ok(has(eff, 'read:users:activity', { user: 'carol' }));
  });
});

describe('checkTokenScopes', () => {
  it('accepts held scopes, refuses others with a message naming them', () => {
    const owner = ownerScopes(alice, DEFAULT_ROLE_TABLE);
    assert.equal(checkTokenScopes(['read:users!user', 'access:servers!server=alice/'], alice, owner), null);
    assert.equal(checkTokenScopes(['inherit'], alice, owner), null);
    assert.match(checkTokenScopes(['admin:users'], alice, owner)!, /admin:users/);
    assert.match(checkTokenScopes(['nonsense'], alice, owner)!, /nonsense/);
  });
});

describe('loadRoles', () => {
  it('accepts the z2jh dict form and the list form', () => {
    const a = loadRoles({ teacher: { description: 'T', scopes: ['admin:servers!group=class', 'list:users'], users: ['tom'], groups: ['teachers'] } });
    assert.deepEqual(a.get('teacher')!.scopes, ['admin:servers!group=class', 'list:users']);
    const b = loadRoles([{ name: 'grader', scopes: ['read:users'], services: ['nbgrader'] }]);
    assert.deepEqual(rolesFor({ kind: 'service', name: 'nbgrader', admin: false }, b), ['grader']);
  });
  it('assigns roles to users directly and through groups', () => {
    const t = loadRoles({ teacher: { scopes: ['list:users'], users: ['tom'], groups: ['teachers'] } });
    assert.deepEqual(rolesFor({ kind: 'user', name: 'tom', admin: false }, t), ['teacher', 'user']);
    assert.deepEqual(rolesFor({ kind: 'user', name: 'tina', admin: true, groups: ['teachers'] }, t), ['admin', 'teacher', 'user']);
    assert.deepEqual(rolesFor({ kind: 'user', name: 'sam', admin: false, groups: ['students'] }, t), ['user']);
  });
  it('merges over default roles; admin cannot lose scopes', () => {
    const t = loadRoles({ user: { scopes: ['self', 'list:users'] } });
    assert.deepEqual(t.get('user')!.scopes, ['self', 'list:users']);
    assert.equal(t.get('user')!.description, 'Standard user privileges');
    assert.throws(() => loadRoles({ admin: { scopes: ['admin-ui'] } }), (e: unknown) => e instanceof RoleConfigError && /hub\.loadRoles\.admin\.scopes/.test(e.message));
    const more = loadRoles({ admin: { scopes: [...DEFAULT_ROLE_TABLE.get('admin')!.scopes, 'read:users'] } });
    assert.ok(more.get('admin')!.scopes.includes('read:users'));
  });
  it('auth.admin.access: false keeps admins out of other users’ servers', () => {
    const t = loadRoles(undefined, 'hub.loadRoles', { adminAccess: false });
    const s = ownerScopes(root, t);
    assert.ok(!has(s, 'access:servers', { server: 'bob/' }));
    assert.ok(has(s, 'access:servers', { server: 'root/' }), 'own servers via self');
    assert.ok(hasUnfiltered(s, 'admin:servers'));
    assert.ok(!hasUnfiltered(s, 'shares'));
  });
  it('rejects bad input with the config path', () => {
    const cases: [unknown, RegExp][] = [
      [{ teacher: { scopes: ['read:nothing'] } }, /hub\.loadRoles\.teacher\.scopes\[0\].*read:nothing/],
      [{ teacher: { scopes: ['read:users!usr=x'] } }, /!usr/],
      [{ Teacher: { scopes: [] } }, /invalid role name "Teacher"/],
      [{ ab: {} }, /invalid role name/],
      [{ teacher: { scope: ['x'] } }, /hub\.loadRoles\.teacher\.scope: unknown key/],
      [{ teacher: { users: 'tom' } }, /users: must be a list/],
      [[{ scopes: [] }], /hub\.loadRoles\[0\]\.name: is required/],
      [[{ name: 'abc' }, { name: 'abc' }], /defined twice/],
    ];
    for (const [input, re] of cases) assert.throws(() => loadRoles(input as never), re, JSON.stringify(input));
  });
  it('rolesToScopes unions raw scopes; unknown role throws', () => {
    assert.deepEqual(rolesToScopes(['user', 'server'], DEFAULT_ROLE_TABLE), ['access:servers!server', 'self', 'users:activity!user']);
    assert.throws(() => rolesToScopes(['nope'], DEFAULT_ROLE_TABLE), /nope/);
  });
});
