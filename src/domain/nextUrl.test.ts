import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateNextUrl } from './nextUrl.ts';

const ctx = { host: 'hub.example.org' };
const v = (raw: string | null | undefined, c: Parameters<typeof validateNextUrl>[1] = ctx) => validateNextUrl(raw, c);

/** What a browser would do with the redirect: the host it ends up on. */
function browserHost(location: string): string {
  return new URL(location, 'https://hub.example.org/hub/login').host;
}

describe('validateNextUrl: accepted', () => {
  const ok: [string, string][] = [
    ['/hub/home', '/hub/home'],
    ['/user/alice/lab?redirects=1#x', '/user/alice/lab?redirects=1#x'],
    ['/', '/'],
    ['/hub/user/alice/tree/a%20b', '/hub/user/alice/tree/a%20b'],
    ['/user/alice/my notebook.ipynb', '/user/alice/my%20notebook.ipynb'],
    ['https://hub.example.org/user/alice/', '/user/alice/'],
    ['http://hub.example.org/user/alice/?a=1#f', '/user/alice/?a=1#f'],
    ['HTTPS://HUB.EXAMPLE.ORG/x', '/x'],
    ['//hub.example.org/hub/', '/hub/'],
    ['https://hub.example.org', '/'],
    ['https://hub.example.org?x=1', '/?x=1'],
    ['/\\evil.com', '/%5Cevil.com'],
    ['/a\\b', '/a%5Cb'],
    ['/%2F%2Fevil.com', '/%2F%2Fevil.com'],
    ['/\\/evil.com/..', '/%5C/evil.com/..'],
  ];
  for (const [raw, want] of ok) {
    it(JSON.stringify(raw), () => {
      const got = v(raw);
      assert.equal(got, want);
      assert.equal(browserHost(got!), 'hub.example.org');
    });
  }
});

describe('validateNextUrl: rejected', () => {
  const bad = [
    '',
    '//evil.com',
    '//evil.com/',
    '///evil.com',
    '////evil.com/x',
    '\\\\evil.com',
    '\\/evil.com',
    'https://evil.com/',
    'http://evil.com',
    'https://hub.example.org.evil.com/',
    'https://evil.com/https://hub.example.org/',
    '//hub.example.org@evil.com/',
    'https://hub.example.org@evil.com/',
    'https://user@hub.example.org/',
    'https://hub.example.org//evil.com',
    'https://hub.example.org///evil.com',
    'https://hub.example.orgx/',
    'https:evil.com',
    'https:/evil.com',
    'javascript:alert(1)',
    'JavaScript://hub.example.org/%0aalert(1)',
    'data:text/html,<script>alert(1)</script>',
    'ftp://hub.example.org/',
    'evil.com',
    'hub/home',
    '?next=/x',
    '#frag',
    '/\t/evil.com',
    '/\n/evil.com',
    '\t//evil.com',
    ' //evil.com',
    '/a\u0000b',
    '/\r\n/evil.com',
  ];
  for (const raw of bad) {
    it(JSON.stringify(raw), () => {
      assert.equal(v(raw), null);
    });
  }
  it('null / undefined', () => {
    assert.equal(v(null), null);
    assert.equal(v(undefined), null);
  });
  it('no host known: absolute URLs are never ours', () => {
    assert.equal(v('https://hub.example.org/x', { host: '' }), null);
    assert.equal(v('/x', { host: '' }), '/x');
  });
  it('host with port must match exactly', () => {
    assert.equal(v('http://127.0.0.1:8000/hub/', { host: '127.0.0.1:8000' }), '/hub/');
    assert.equal(v('http://127.0.0.1:9000/hub/', { host: '127.0.0.1:8000' }), null);
  });
});

describe('validateNextUrl: subdomains', () => {
  const sub = { host: 'hub.example.org', subdomainHost: 'https://hub.example.org' };
  it('accepts our subdomains, reduced to the path', () => {
    assert.equal(v('https://alice.hub.example.org/user/alice/', sub), '/user/alice/');
  });
  it('rejects lookalikes', () => {
    assert.equal(v('https://alicehub.example.org/', sub), null);
    assert.equal(v('https://alice.hub.example.org@evil.com/', sub), null);
    assert.equal(v('https://hub.example.org.evil.com/', sub), null);
  });
});

describe('validateNextUrl: every accepted output stays on our host in a browser', () => {
  const fuzzParts = ['/', '//', '\\', 'evil.com', 'hub.example.org', '@', ':', 'https:', '?', '#', '%2f', '.', '\t', ' '];
  it('random combinations', () => {
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 5000; i++) {
      let s = '';
      const n = 1 + Math.floor(rnd() * 6);
      for (let j = 0; j < n; j++) s += fuzzParts[Math.floor(rnd() * fuzzParts.length)];
      const got = v(s);
      if (got !== null) {
        assert.ok(got.startsWith('/') && !got.startsWith('//'), `${JSON.stringify(s)} → ${got}`);
        assert.equal(browserHost(got), 'hub.example.org', `${JSON.stringify(s)} → ${got}`);
      }
    }
  });
});
