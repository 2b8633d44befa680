import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFastRequestHead } from './requestHead.ts';

const head = (...lines: string[]) => parseFastRequestHead(lines.join('\r\n'));

test('a plain GET and HEAD are accepted, headers kept in order with whitespace trimmed', () => {
  const h = head('GET /user/alice/api?x=1 HTTP/1.1', 'Host: example.org', 'Accept:  */*  ', 'Cookie: a=b');
  assert.deepEqual(h, {
    method: 'GET',
    url: '/user/alice/api?x=1',
    rawHeaders: ['Host', 'example.org', 'Accept', '*/*', 'Cookie', 'a=b'],
    host: 'example.org',
    close: false,
  });
  assert.equal(head('HEAD / HTTP/1.1', 'host: h')?.method, 'HEAD');
  assert.equal(head('GET / HTTP/1.1', 'Host: h', 'Connection: close')?.close, true);
  assert.equal(head('GET / HTTP/1.1', 'Host: h', 'Content-Length: 0')?.url, '/');
});

test('anything with a body, an upgrade or an unusual form goes to node (null)', () => {
  const declined: string[][] = [
    ['POST /x HTTP/1.1', 'Host: h', 'Content-Length: 3'],
    ['DELETE /x HTTP/1.1', 'Host: h'],
    ['GET /x HTTP/1.0', 'Host: h'],
    ['GET http://h/x HTTP/1.1', 'Host: h'],
    ['GET * HTTP/1.1', 'Host: h'],
    ['GET /x HTTP/1.1'],
    ['GET /x HTTP/1.1', 'Host: h', 'Content-Length: 5'],
    ['GET /x HTTP/1.1', 'Host: h', 'Transfer-Encoding: chunked'],
    ['GET /x HTTP/1.1', 'Host: h', 'Connection: Upgrade', 'Upgrade: websocket'],
    ['GET /x HTTP/1.1', 'Host: h', 'Upgrade: websocket'],
    ['GET /x HTTP/1.1', 'Host: h', 'Expect: 100-continue'],
  ];
  for (const lines of declined) assert.equal(head(...lines), null, lines.join(' | '));
});

test('heads a target could read differently are declined (request smuggling)', () => {
  const declined: string[][] = [
    // space before the colon: some servers take it as Transfer-Encoding
    ['GET /x HTTP/1.1', 'Host: h', 'Transfer-Encoding : chunked'],
    // obs-fold continuation line
    ['GET /x HTTP/1.1', 'Host: h', 'X-A: a', ' folded'],
    // a bare LF inside a value would be a line break to a lenient target
    ['GET /x HTTP/1.1', 'Host: h', 'X-A: a\nTransfer-Encoding: chunked'],
    ['GET /x HTTP/1.1', 'Host: h', 'X-A: a\rb'],
    ['GET /x HTTP/1.1', 'Host: h', 'X-A: a\0b'],
    ['GET /x HTTP/1.1', 'Host: h', 'Host: evil'],
    ['GET /x HTTP/1.1', 'Host: h', ': empty name'],
    ['GET /x HTTP/1.1', 'Host: h', 'no colon here'],
    ['GET /x y HTTP/1.1', 'Host: h'],
    ['GET /x\tHTTP/1.1', 'Host: h'],
    ['GET  /x HTTP/1.1', 'Host: h'],
  ];
  for (const lines of declined) assert.equal(head(...lines), null, JSON.stringify(lines));
  assert.equal(head('GET /x HTTP/1.1', 'Host: h', 'X-A: tab\tinside')?.rawHeaders[3], 'tab\tinside');
});
