import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostWithoutPort, resolveRequestPath, stripRoutePrefix } from './requestPath.ts';
import { keySegments, normalizeRouteKey, PathTrie } from './trie.ts';

describe('normalizeRouteKey', () => {
  it('adds a leading slash and removes trailing ones', () => {
    assert.equal(normalizeRouteKey(''), '/');
    assert.equal(normalizeRouteKey('/'), '/');
    assert.equal(normalizeRouteKey('//'), '/');
    assert.equal(normalizeRouteKey('user/alice'), '/user/alice');
    assert.equal(normalizeRouteKey('/user/alice/'), '/user/alice');
    assert.equal(normalizeRouteKey('/user/alice//'), '/user/alice');
  });
  it('splits keys into segments', () => {
    assert.deepEqual(keySegments('/'), []);
    assert.deepEqual(keySegments('//a/b//'), ['a', 'b']);
  });
});

describe('PathTrie', () => {
  it('matches whole segments, longest first', () => {
    const trie = new PathTrie<string>();
    trie.set('/a', 'a');
    trie.set('/a/b/c', 'abc');
    assert.equal(trie.match('/a'), 'a');
    assert.equal(trie.match('/a/'), 'a');
    assert.equal(trie.match('/a/b'), 'a');
    assert.equal(trie.match('/a/b/c'), 'abc');
    assert.equal(trie.match('/a/b/c/d/e'), 'abc');
    assert.equal(trie.match('/ab'), undefined);
    assert.equal(trie.match('/'), undefined);
    trie.set('/', 'root');
    assert.equal(trie.match('/ab'), 'root');
    assert.equal(trie.match(''), 'root');
  });
  it('counts, deletes and prunes', () => {
    const trie = new PathTrie<number>();
    trie.set('/x/y', 1);
    trie.set('/x/y/z', 2);
    trie.set('/x/y', 3);
    assert.equal(trie.size, 2);
    assert.equal(trie.delete('/x'), false);
    assert.equal(trie.delete('/x/y'), true);
    assert.equal(trie.get('/x/y'), undefined);
    assert.equal(trie.get('/x/y/z'), 2);
    assert.equal(trie.delete('/x/y/z'), true);
    assert.equal(trie.size, 0);
    assert.deepEqual(trie.values(), []);
    assert.equal(trie.match('/x/y/z'), undefined);
  });
});

describe('resolveRequestPath', () => {
  it('keeps plain paths as they are', () => {
    assert.deepEqual(resolveRequestPath('/user/alice/lab?x=1', undefined, false), {
      lookup: '/user/alice/lab',
      forward: '/user/alice/lab?x=1',
      hostPrefixLength: 0,
    });
  });
  it('percent-decodes the lookup path only', () => {
    const r = resolveRequestPath('/user/a%40b/x%2Fy', undefined, false);
    assert.equal(r?.lookup, '/user/a@b/x/y');
    assert.equal(r?.forward, '/user/a%40b/x%2Fy');
  });
  it('normalizes dot segments, backslashes and repeated slashes for both', () => {
    assert.equal(resolveRequestPath('/user/alice/../bob/x?q', undefined, false)?.forward, '/user/bob/x?q');
    assert.equal(resolveRequestPath('/user/alice/%2e%2e/bob', undefined, false)?.lookup, '/user/bob');
    assert.equal(resolveRequestPath('/user\\bob', undefined, false)?.lookup, '/user/bob');
    assert.equal(resolveRequestPath('//user//bob', undefined, false)?.forward, '/user/bob');
    assert.equal(resolveRequestPath('http://evil.example/user/bob', undefined, false)?.lookup, '/user/bob');
  });
  it('rejects bad percent-encoding', () => {
    assert.equal(resolveRequestPath('/user/%zz', undefined, false), null);
  });
  it('prepends the lower-cased host without port for host routing', () => {
    const r = resolveRequestPath('/lab', 'Alice.Example.org:8000', true);
    assert.equal(r?.lookup, '/alice.example.org/lab');
    assert.equal(r?.hostPrefixLength, '/alice.example.org'.length);
    assert.equal(hostWithoutPort('[::1]:8000'), '[::1]');
  });
});

describe('stripRoutePrefix', () => {
  it('removes the matched key from the forwarded path', () => {
    assert.equal(stripRoutePrefix('/user/alice/lab?x=1', '/user/alice'), '/lab?x=1');
    assert.equal(stripRoutePrefix('/user/alice', '/user/alice'), '/');
    assert.equal(stripRoutePrefix('/user/alice?x', '/user/alice'), '/?x');
    assert.equal(stripRoutePrefix('/anything', '/'), '/anything');
  });
  it('counts segments when the raw path is encoded differently', () => {
    assert.equal(stripRoutePrefix('/user/a%40b/lab?next=/x/y', '/user/a@b'), '/lab?next=/x/y');
    assert.equal(stripRoutePrefix('/user/a%40b?next=/x', '/user/a@b'), '/?next=/x');
  });
});
