import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  escapePathSegment,
  hubPrefix,
  normalizeBaseUrl,
  normalizeUsername,
  oauthCallbackUrl,
  oauthClientId,
  pythonQuote,
  routeSpec,
  serverFilterValue,
  serverPrefix,
  validateServerName,
  validateUsername,
} from './names.ts';
import { escapeForPodName, isValidObjectName, multiSlug, safeSlug } from './slugs.ts';

describe('normalizeUsername', () => {
  it('trims, lowercases and composes', () => {
    assert.equal(normalizeUsername('  Alice '), 'alice');
    assert.equal(normalizeUsername('JOSE\u0301'), 'jos\u00e9');
    assert.equal(normalizeUsername('jos\u00e9'), 'jos\u00e9');
    assert.equal(normalizeUsername('ÄBC'), 'äbc');
  });
});

describe('validateUsername / validateServerName', () => {
  it('accepts ordinary and JupyterHub-legal names', () => {
    for (const n of ['alice', 'a', 'user@example.com', 'jos\u00e9', 'with space', 'x'.repeat(255), 'a.b', '日本']) {
      assert.equal(validateUsername(n), null, n);
      assert.equal(validateServerName(n), null, n);
    }
  });
  it('rejects unusable names with a reason', () => {
    const bad: [string, RegExp][] = [
      ['', /empty/],
      ['a/b', /'\/'/],
      ['a\nb', /control/],
      ['a\u0000', /control/],
      ['a\u007f', /control/],
      ['a\u202eb', /control/],
      [' a', /whitespace/],
      ['a\t', /control/],
      ['.', /'\.'/],
      ['..', /'\.\.'/],
      ['x'.repeat(256), /255/],
    ];
    for (const [n, re] of bad) {
      assert.match(validateUsername(n) ?? '', re, JSON.stringify(n));
      assert.match(validateServerName(n) ?? '', re, JSON.stringify(n));
    }
    assert.match(validateUsername('')!, /^Username/);
    assert.match(validateServerName('')!, /^Server name/);
  });
});

describe('URL helpers', () => {
  it('pythonQuote matches urllib.parse.quote', () => {
    assert.equal(pythonQuote('a b/c~d_e.f-g'), 'a%20b/c~d_e.f-g');
    assert.equal(pythonQuote('user@example.com'), 'user%40example.com');
    assert.equal(pythonQuote('é'), '%C3%A9');
    assert.equal(pythonQuote('a/b', ''), 'a%2Fb');
    assert.equal(pythonQuote('😀'), '%F0%9F%98%80');
  });
  it('escapePathSegment keeps @ and ~', () => {
    assert.equal(escapePathSegment('user@example.com'), 'user@example.com');
    assert.equal(escapePathSegment('a b?#%'), 'a%20b%3F%23%25');
  });
  it('normalizeBaseUrl / hubPrefix', () => {
    assert.equal(normalizeBaseUrl('/'), '/');
    assert.equal(normalizeBaseUrl(''), '/');
    assert.equal(normalizeBaseUrl('jh'), '/jh/');
    assert.equal(normalizeBaseUrl('/jh'), '/jh/');
    assert.equal(hubPrefix('/'), '/hub/');
    assert.equal(hubPrefix('/jh/'), '/jh/hub/');
  });
  it('serverPrefix', () => {
    assert.equal(serverPrefix('/', 'alice', ''), '/user/alice/');
    assert.equal(serverPrefix('/', 'alice', 'foo'), '/user/alice/foo/');
    assert.equal(serverPrefix('/jh/', 'user@example.com', 'my server'), '/jh/user/user@example.com/my%20server/');
    assert.equal(serverPrefix('/', 'jos\u00e9', ''), '/user/jos%C3%A9/');
  });
  it('oauthCallbackUrl', () => {
    assert.equal(oauthCallbackUrl('/', 'alice', ''), '/user/alice/oauth_callback');
    assert.equal(oauthCallbackUrl('/', 'alice', 'foo'), '/user/alice/foo/oauth_callback');
  });
  it('oauthClientId uses the default quote (escapes @)', () => {
    assert.equal(oauthClientId('alice', ''), 'jupyterhub-user-alice');
    assert.equal(oauthClientId('alice', 'foo'), 'jupyterhub-user-alice-foo');
    assert.equal(oauthClientId('user@example.com', 'a b'), 'jupyterhub-user-user%40example.com-a%20b');
  });
  it('routeSpec has no trailing slash', () => {
    assert.equal(routeSpec('/', 'alice', ''), '/user/alice');
    assert.equal(routeSpec('/', 'alice', null), '/user/alice');
    assert.equal(routeSpec('/', 'alice', 'foo'), '/user/alice/foo');
    assert.equal(routeSpec('/', null, null), '/');
    assert.equal(routeSpec('/jh/', null, null), '/jh');
    assert.equal(routeSpec('/jh/', 'alice', ''), '/jh/user/alice');
    // the proxy matches decoded paths (CHP decodes keys and request paths alike)
    assert.equal(routeSpec('/', 'Jane Doe (WMF)', 'gpu (big)'), '/user/Jane Doe (WMF)/gpu (big)');
    assert.equal(routeSpec('/', 'a%20b', ''), '/user/a%20b');
  });
  it('serverFilterValue', () => {
    assert.equal(serverFilterValue('alice', ''), 'alice/');
    assert.equal(serverFilterValue('alice', 'x'), 'alice/x');
  });
});

describe('slugs', () => {
  it('escapeForPodName (KubeSpawner legacy escaping)', () => {
    assert.equal(escapeForPodName('alice'), 'alice');
    assert.equal(escapeForPodName('Alice.B'), '-41lice-2e-42');
    assert.equal(escapeForPodName('a-b'), 'a-2db');
    assert.equal(escapeForPodName('user@example.com'), 'user-40example-2ecom');
    assert.equal(escapeForPodName('é'), '-c3-a9');
    assert.notEqual(escapeForPodName('a-2db'), escapeForPodName('a-b'));
  });
  it('safeSlug keeps valid names and hashes the rest (KubeSpawner 7)', () => {
    assert.equal(safeSlug('alice'), 'alice');
    assert.equal(safeSlug('Alice'), 'alice---3bc51062');
    assert.equal(safeSlug('a--b'), 'a-b---90827a2e');
    assert.equal(safeSlug('user@example.com'), 'user-example-com---b4c9a289');
    assert.equal(safeSlug('0abc'), 'x-0abc---d75f07fa');
    assert.equal(safeSlug('ünïcode'), 'n-code---b8be8967');
    assert.equal(safeSlug('---'), 'x---cb3f91d5');
    assert.equal(safeSlug('x'.repeat(70)), `${'x'.repeat(21)}---c71bd109`);
    assert.throws(() => safeSlug('Abc', 8), RangeError);
    for (const n of ['Alice', 'a--b', '0abc', '---', 'x'.repeat(70)]) assert.ok(isValidObjectName(safeSlug(n)), n);
  });
  it('multiSlug', () => {
    assert.equal(multiSlug(['alice', 'my server']), 'alice--my-server---e7143ef0');
  });
});
