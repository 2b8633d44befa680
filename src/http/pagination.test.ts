import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyRequest } from 'fastify';
import { pageRequest, envelope, PAGE_DEFAULT, PAGE_MAX, PAGINATION_MEDIA } from './pagination.ts';
import { HubError } from '../hub/errors.ts';

interface FakeRequest {
  url?: string;
  query?: Record<string, unknown>;
  headers?: Record<string, string | string[] | undefined>;
  protocol?: 'http' | 'https';
}

function req(r: FakeRequest): FastifyRequest {
  const url = r.url ?? '/hub/api/users';
  const query = r.query ?? Object.fromEntries(new URL(url, 'http://x').searchParams);
  return { url, query, headers: { host: '127.0.0.1:8000', ...r.headers }, protocol: r.protocol ?? 'http' } as unknown as FastifyRequest;
}

test('without the Accept opt-in: a bare list, default limit = max', () => {
  assert.deepEqual(pageRequest(req({})), { offset: 0, limit: PAGE_MAX, envelope: false });
  assert.deepEqual(pageRequest(req({ headers: { accept: 'application/json' } })), { offset: 0, limit: 200, envelope: false });
});

test('the Accept opt-in is an exact token in a comma-separated list (parameters allowed)', () => {
  for (const accept of [PAGINATION_MEDIA, `application/json, ${PAGINATION_MEDIA}`, `${PAGINATION_MEDIA};q=0.9,*/*`]) {
    assert.deepEqual(pageRequest(req({ headers: { accept } })), { offset: 0, limit: PAGE_DEFAULT, envelope: true }, accept);
  }
  for (const accept of ['application/jupyterhub-pagination+jsonx', 'application/jupyterhub-pagination', '*/*']) {
    assert.equal(pageRequest(req({ headers: { accept } })).envelope, false, accept);
  }
});

test('offset and limit: abs(int), limit clamped to [1, 200], blank = default', () => {
  const p = (q: Record<string, unknown>) => pageRequest(req({ query: q }));
  assert.deepEqual(p({ offset: '10', limit: '20' }), { offset: 10, limit: 20, envelope: false });
  assert.deepEqual(p({ offset: '-10', limit: '-20' }), { offset: 10, limit: 20, envelope: false });
  assert.equal(p({ limit: '0' }).limit, 1);
  assert.equal(p({ limit: '201' }).limit, 200);
  assert.equal(p({ limit: '99999999999' }).limit, 200);
  assert.deepEqual(p({ offset: '', limit: '' }), { offset: 0, limit: 200, envelope: false });
  assert.equal(p({ offset: '+3' }).offset, 3);
  assert.equal(p({ offset: ['4', '5'] }).offset, 4, 'first of repeated values');
});

test('non-integer offset or limit → 400 naming the parameter', () => {
  for (const [name, value] of [
    ['offset', 'abc'],
    ['offset', '1.5'],
    ['limit', '1e3'],
    ['limit', 'ten'],
    ['offset', '0x10'],
    ['offset', '99999999999999999999'],
  ]) {
    assert.throws(
      () => pageRequest(req({ query: { [name]: value } })),
      (e: unknown) => e instanceof HubError && e.status === 400 && e.userMessage.includes(name),
      `${name}=${value}`,
    );
  }
});

test('envelope: next from the request Host and path, other query parameters kept (blank too)', () => {
  const r = req({ url: '/hub/api/users?state=ready&name_filter=&offset=0&limit=2', headers: { host: 'hub.example.org:8443' } });
  const p = pageRequest(r);
  const e = envelope(r, p, ['a', 'b'], 2, 5);
  assert.deepEqual(e.items, ['a', 'b']);
  assert.equal(e._pagination.offset, 0);
  assert.equal(e._pagination.limit, 2);
  assert.equal(e._pagination.total, 5);
  assert.equal(e._pagination.next?.offset, 2);
  assert.equal(e._pagination.next?.limit, 2);
  const next = new URL(e._pagination.next!.url);
  assert.equal(next.origin, 'http://hub.example.org:8443');
  assert.equal(next.pathname, '/hub/api/users');
  assert.equal(next.searchParams.get('state'), 'ready');
  assert.equal(next.searchParams.get('name_filter'), '');
  assert.equal(next.searchParams.get('offset'), '2');
  assert.equal(next.searchParams.get('limit'), '2');
});

test('envelope: offset/limit are added when the request had none', () => {
  const r = req({ url: '/hub/api/users?state=ready', headers: { accept: PAGINATION_MEDIA } });
  const e = envelope(r, pageRequest(r), new Array(50).fill(0), 50, 120);
  assert.equal(e._pagination.next?.url, 'http://127.0.0.1:8000/hub/api/users?state=ready&offset=50&limit=50');
});

test('envelope: next is null on the last page and on an empty page', () => {
  const r = req({ url: '/hub/api/users?offset=4&limit=2' });
  const p = pageRequest(r);
  assert.equal(envelope(r, p, ['e'], 1, 5)._pagination.next, null);
  assert.equal(envelope(r, p, ['e', 'f'], 2, 6)._pagination.next, null);
  assert.equal(envelope(r, p, [], 0, 100)._pagination.next, null);
});

test('envelope: forwarded scheme and host win (the first of a list)', () => {
  const r = req({ url: '/hub/api/users?limit=1', headers: { 'x-forwarded-proto': 'https, http', 'x-forwarded-host': 'public.example.org' } });
  const e = envelope(r, pageRequest(r), [1], 1, 3);
  assert.match(e._pagination.next!.url, /^https:\/\/public\.example\.org\/hub\/api\/users\?/);
});

test('envelope: a malformed forwarded host does not break the listing', () => {
  const next = (headers: Record<string, string>) => {
    const r = req({ url: '/hub/api/users?limit=1', headers });
    return new URL(envelope(r, pageRequest(r), [1], 1, 3)._pagination.next!.url);
  };
  assert.equal(next({ 'x-forwarded-host': 'public.example.org, 10.0.0.1:8000' }).host, 'public.example.org');
  for (const h of ['bad host', 'a/b', 'user@evil.example', '']) {
    const u = next({ 'x-forwarded-host': h });
    assert.equal(u.host, '127.0.0.1:8000', `${h}: falls back to Host`);
    assert.equal(u.pathname, '/hub/api/users', h);
  }
  assert.equal(next({ 'x-forwarded-proto': 'javascript' }).protocol, 'http:');
});
