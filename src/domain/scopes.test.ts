import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALL_SCOPE_NAMES,
  ScopeError,
  ScopeSet,
  covers,
  describeForApi,
  expandScopes,
  filterFor,
  has,
  hasUnfiltered,
  identifyScopes,
  intersect,
  parseScope,
  resolveRequestedScopes,
  subscopesOf,
  uncovered,
  union,
  validateScopes,
  type ScopeOwner,
} from './scopes.ts';
import { SCOPE_TABLE } from './scopeTable.ts';

const alice: ScopeOwner = { kind: 'user', name: 'alice', groups: ['students'] };
const svc: ScopeOwner = { kind: 'service', name: 'culler' };
const ex = (raw: string[], owner: ScopeOwner = alice, ctx?: Parameters<typeof expandScopes>[2]) => expandScopes(raw, owner, ctx);
const d = (s: ScopeSet) => describeForApi(s);

describe('scope table', () => {
  it('every subscope is defined and the closure is acyclic', () => {
    for (const name of ALL_SCOPE_NAMES) {
      assert.ok(subscopesOf(name).includes(name));
      for (const sub of (SCOPE_TABLE[name] as { subscopes?: readonly string[] }).subscopes ?? []) assert.ok(sub in SCOPE_TABLE, sub);
    }
  });
  it('implications from protocol.md §7.2', () => {
    const sorted = (n: Parameters<typeof subscopesOf>[0]) => [...subscopesOf(n)].sort();
    assert.deepEqual(sorted('admin:users'), [
      'admin:auth_state', 'admin:users', 'delete:users', 'list:users', 'read:roles:users',
      'read:users', 'read:users:activity', 'read:users:groups', 'read:users:name', 'users', 'users:activity',
    ]);
    assert.deepEqual(sorted('admin:servers'), ['admin:server_state', 'admin:servers', 'delete:servers', 'read:servers', 'read:users:name', 'servers']);
    assert.deepEqual(sorted('shares'), ['access:servers', 'groups:shares', 'read:groups:shares', 'read:shares', 'read:users:shares', 'shares', 'users:shares']);
    assert.deepEqual(sorted('admin:services'), ['admin:services', 'list:services', 'read:roles:services', 'read:services', 'read:services:name']);
    assert.deepEqual(sorted('read:roles'), ['read:roles', 'read:roles:groups', 'read:roles:services', 'read:roles:users']);
    assert.deepEqual(sorted('access:servers'), ['access:servers']);
  });
});

describe('parseScope', () => {
  it('parses plain, filtered and bare-filtered scopes', () => {
    assert.deepEqual(parseScope('read:users'), { raw: 'read:users', name: 'read:users', filter: null });
    assert.deepEqual(parseScope('servers!user=bob').filter, { kind: 'user', value: 'bob' });
    assert.deepEqual(parseScope('access:servers!server=bob/x').filter, { kind: 'server', value: 'bob/x' });
    assert.deepEqual(parseScope('read:users!group=g=1').filter, { kind: 'group', value: 'g=1' });
    assert.deepEqual(parseScope('users:activity!user').filter, { kind: 'user', value: null });
    assert.equal(parseScope('self').name, 'self');
    assert.equal(parseScope('all').name, 'all');
  });
  it('rejects unknown scopes and filters, naming them', () => {
    const bad: [string, string, RegExp][] = [
      ['read:userz', 'SCOPE_UNKNOWN', /read:userz/],
      ['', 'SCOPE_UNKNOWN', /Empty/],
      ['admin', 'SCOPE_UNKNOWN', /'admin'/],
      ['read:users!usr=bob', 'SCOPE_FILTER_UNKNOWN', /!usr/],
      ['read:users!group', 'SCOPE_FILTER_INVALID', /needs a value/],
      ['read:users!user=', 'SCOPE_FILTER_INVALID', /empty value/],
      ['access:servers!server=alice', 'SCOPE_FILTER_INVALID', /<user>\/<server name>/],
      ['self!user=bob', 'SCOPE_FILTER_INVALID', /cannot be filtered/],
    ];
    for (const [raw, code, msg] of bad) {
      assert.throws(() => parseScope(raw, 'tokens[0]'), (e: unknown) => e instanceof ScopeError && e.code === code && msg.test(e.message) && (raw === '' || e.message.includes('tokens[0]')), raw);
    }
  });
  it('validateScopes names the index', () => {
    assert.throws(() => validateScopes(['read:users', 'nope'], 'body.scopes'), /body\.scopes\[1\]/);
  });
});

describe('expandScopes', () => {
  it('self for a user (5.x list)', () => {
    assert.deepEqual(d(ex(['self'])), [
      'access:servers!user=alice', 'delete:servers!user=alice', 'read:servers!user=alice', 'read:shares!user=alice',
      'read:tokens!user=alice', 'read:users!user=alice', 'read:users:activity!user=alice', 'read:users:groups!user=alice',
      'read:users:name!user=alice', 'read:users:shares!user=alice', 'servers!user=alice', 'tokens!user=alice',
      'users:activity!user=alice', 'users:shares!user=alice',
    ]);
  });
  it('self means nothing for a service', () => {
    assert.equal(ex(['self'], svc).size, 0);
  });
  it('carries filters to subscopes', () => {
    assert.deepEqual(d(ex(['users!group=staff'])), [
      'list:users!group=staff', 'read:users!group=staff', 'read:users:activity!group=staff', 'read:users:groups!group=staff',
      'read:users:name!group=staff', 'users!group=staff', 'users:activity!group=staff',
    ]);
  });
  it('read:servers with a !server filter does not imply read:users:name', () => {
    assert.deepEqual(d(ex(['servers!server=bob/x'])), ['delete:servers!server=bob/x', 'read:servers!server=bob/x', 'servers!server=bob/x']);
    assert.deepEqual(d(ex(['servers!user=bob'])), ['delete:servers!user=bob', 'read:servers!user=bob', 'read:users:name!user=bob', 'servers!user=bob']);
  });
  it('resolves bare filters against the owner and context', () => {
    assert.deepEqual(d(ex(['users:activity!user', 'access:servers!server'], alice, { serverName: '' })), [
      'access:servers!server=alice/', 'read:users:activity!user=alice', 'users:activity!user=alice',
    ]);
    assert.deepEqual(d(ex(['access:servers!server'], alice, { serverName: 'foo' })), ['access:servers!server=alice/foo']);
    assert.deepEqual(d(ex(['read:services!service'], svc)), ['read:services!service=culler', 'read:services:name!service=culler']);
    assert.deepEqual(d(ex(['access:services!service'], alice, { serviceName: 'grader' })), ['access:services!service=grader']);
  });
  it('drops bare filters that cannot be resolved', () => {
    assert.deepEqual(d(ex(['read:users!user', 'read:hub'], svc)), ['read:hub']);
    assert.deepEqual(d(ex(['access:servers!server'])), []);
  });
  it('unfiltered beats filtered (reduce)', () => {
    assert.deepEqual(d(ex(['access:services!service=a', 'access:services'])), ['access:services']);
  });
  it('inherit / all need and use the owner scopes', () => {
    const owner = ex(['self']);
    assert.ok(ex(['inherit'], alice, { ownerScopes: owner }).equals(owner));
    assert.ok(ex(['all'], alice, { ownerScopes: owner }).equals(owner));
    assert.throws(() => ex(['inherit']), (e: unknown) => e instanceof ScopeError && e.code === 'SCOPE_INHERIT_UNRESOLVED');
  });
  it('rejects unknown scopes', () => {
    assert.throws(() => ex(['read:everything']), /read:everything/);
  });
  it('(no_scope) expands to nothing', () => {
    assert.equal(ex(['(no_scope)']).size, 0);
  });
});

describe('has', () => {
  const set = ex(['read:users!group=staff', 'access:servers!user=bob', 'servers!server=carol/x', 'read:hub', 'access:services!service=grader']);
  it('unfiltered covers everything', () => {
    assert.ok(has(set, 'read:hub'));
    assert.ok(has(set, 'read:hub', { user: 'anyone' }));
  });
  it('user filter covers the user and their servers', () => {
    assert.ok(has(set, 'access:servers', { server: 'bob/' }));
    assert.ok(has(set, 'access:servers', { server: 'bob/named' }));
    assert.ok(has(set, 'access:servers', { user: 'bob' }));
    assert.ok(!has(set, 'access:servers', { server: 'bobby/' }));
    assert.ok(!has(set, 'access:servers', { server: 'alice/' }));
  });
  it('server filter covers only that server', () => {
    assert.ok(has(set, 'servers', { server: 'carol/x' }));
    assert.ok(has(set, 'servers', { user: 'carol', server: 'carol/x' }));
    assert.ok(!has(set, 'servers', { server: 'carol/' }));
    assert.ok(!has(set, 'servers', { user: 'carol' }));
  });
  it('group filter covers members (groups looked up for the resource user)', () => {
    const groupsOf = (u: string) => (u === 'dave' ? ['staff'] : u === 'erin' ? ['students'] : []);
    assert.ok(has(set, 'read:users', { user: 'dave' }, groupsOf));
    assert.ok(!has(set, 'read:users', { user: 'erin' }, groupsOf));
    assert.ok(!has(set, 'read:users', { user: 'dave' }));
    const access = ex(['access:servers!group=staff']);
    assert.ok(has(access, 'access:servers', { server: 'dave/x' }, groupsOf));
    assert.ok(!has(access, 'access:servers', { server: 'erin/' }, groupsOf));
    assert.ok(has(set, 'read:users', { group: 'staff' }));
  });
  it('service filter', () => {
    assert.ok(has(set, 'access:services', { service: 'grader' }));
    assert.ok(!has(set, 'access:services', { service: 'other' }));
  });
  it('no resource: held in any form; hasUnfiltered is strict', () => {
    assert.ok(has(set, 'access:servers'));
    assert.ok(!hasUnfiltered(set, 'access:servers'));
    assert.ok(hasUnfiltered(set, 'read:hub'));
    assert.ok(!has(set, 'shutdown'));
  });
});

describe('intersect', () => {
  const I = (a: string[], b: string[], groupsOf?: (u: string) => string[]) => d(intersect(ex(a), ex(b), groupsOf));
  it('unfiltered ∩ X = X', () => {
    assert.deepEqual(I(['access:servers'], ['access:servers!server=alice/']), ['access:servers!server=alice/']);
    assert.deepEqual(I(['read:hub'], ['access:servers']), []);
  });
  it('!user=alice ∩ !server=alice/x = !server=alice/x (both directions)', () => {
    assert.deepEqual(I(['access:servers!user=alice'], ['access:servers!server=alice/x']), ['access:servers!server=alice/x']);
    assert.deepEqual(I(['access:servers!server=alice/x'], ['access:servers!user=alice']), ['access:servers!server=alice/x']);
    assert.deepEqual(I(['access:servers!server=bob/x'], ['access:servers!user=alice']), []);
  });
  it('common filters survive', () => {
    assert.deepEqual(I(['read:users:name!user=a', 'read:users:name!user=b'], ['read:users:name!user=b', 'read:users:name!user=c']), ['read:users:name!user=b']);
    assert.deepEqual(I(['read:groups:name!group=g'], ['read:groups:name!group=g']), ['read:groups:name!group=g']);
  });
  it('group filters resolve through membership when a lookup is given', () => {
    const groupsOf = (u: string) => (u === 'dave' ? ['staff'] : []);
    assert.deepEqual(I(['read:users:name!user=dave'], ['read:users:name!group=staff'], groupsOf), ['read:users:name!user=dave']);
    assert.deepEqual(I(['read:users:name!group=staff'], ['read:users:name!user=dave'], groupsOf), ['read:users:name!user=dave']);
    assert.deepEqual(I(['read:users:name!user=erin'], ['read:users:name!group=staff'], groupsOf), []);
    assert.deepEqual(I(['access:servers!server=dave/'], ['access:servers!group=staff'], groupsOf), ['access:servers!server=dave/']);
    assert.deepEqual(I(['read:users!user=dave'], ['read:users!group=staff']), []); // no lookup: lower, never higher
  });
  it('token ∩ owner demotes an admin token when the owner loses admin', () => {
    const token = ex(['admin:users', 'read:hub']);
    const demoted = ex(['self']);
    assert.deepEqual(d(intersect(token, demoted)), [
      'read:users!user=alice', 'read:users:activity!user=alice', 'read:users:groups!user=alice', 'read:users:name!user=alice',
      'users:activity!user=alice',
    ]);
  });
});

describe('describe, filterFor, union, covers', () => {
  it('describeForApi is sorted expanded strings', () => {
    assert.deepEqual(d(ex(['read:users:name!user=bob', 'access:servers!server=bob/'])), ['access:servers!server=bob/', 'read:users:name!user=bob']);
  });
  it('filterFor returns all, the filters, or nothing', () => {
    const set = ex(['list:users!user=a', 'list:users!group=g', 'read:hub']);
    assert.deepEqual(filterFor(set, 'read:hub'), { all: true });
    const f = filterFor(set, 'list:users');
    assert.ok(!f.all);
    if (!f.all) {
      assert.deepEqual([...f.users], ['a']);
      assert.deepEqual([...f.groups], ['g']);
    }
    const none = filterFor(set, 'shutdown');
    assert.ok(!none.all && none.users.size === 0 && none.servers.size === 0);
  });
  it('union merges', () => {
    assert.deepEqual(d(union(ex(['read:hub']), ex(['read:users:name!user=bob']))), ['read:hub', 'read:users:name!user=bob']);
  });
  it('covers / uncovered', () => {
    const held = ex(['self']);
    assert.ok(covers(held, ex(['access:servers!server=alice/x'])));
    assert.ok(!covers(held, ex(['access:servers'])));
    assert.deepEqual(uncovered(ex(['read:users!user=bob', 'read:users!user=alice']), held), [
      'read:users!user=bob', 'read:users:activity!user=bob', 'read:users:groups!user=bob', 'read:users:name!user=bob',
    ]);
  });
  it('identifyScopes', () => {
    assert.deepEqual(identifyScopes(alice), ['read:users:groups!user=alice', 'read:users:name!user=alice']);
    assert.deepEqual(identifyScopes(svc), ['read:services:name!service=culler']);
  });
  it('resolveRequestedScopes keeps raw forms that are fully held', () => {
    const held = ex(['self']);
    const r = resolveRequestedScopes(['access:servers!server=alice/', 'read:users:name!user', 'admin:users', 'read:users'], held, alice);
    assert.deepEqual(r.disallowed, ['admin:users', 'read:users']);
    assert.deepEqual(r.allowed, [
      'access:servers!server=alice/', 'read:users!user=alice', 'read:users:activity!user=alice', 'read:users:groups!user=alice',
      'read:users:name!user', 'read:users:name!user=alice', 'users:activity!user=alice',
    ]);
  });
});
