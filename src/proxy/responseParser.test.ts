// The upstream response parser on byte streams cut at every possible place.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ResponseParseError, ResponseParser, type ResponseHead, type ResponseSink } from './responseParser.ts';

interface Parsed {
  head: ResponseHead | null;
  body: string;
  complete: boolean;
  /** Whether the fast path (whole answer at once) was taken. */
  whole: boolean;
}

function collector(): ResponseSink & { out: Parsed } {
  const out: Parsed = { head: null, body: '', complete: false, whole: false };
  return {
    out,
    onHead(head) {
      out.head = head;
    },
    onBody(chunk) {
      out.body += chunk.toString('latin1');
    },
    onComplete(head, body) {
      if (head !== null) {
        out.head = head;
        out.whole = true;
      }
      if (body !== null) out.body += body.toString('latin1');
      out.complete = true;
    },
  };
}

/** Parses `wire` delivered in pieces of `step` bytes; `end` signals the upstream closed afterwards. */
function parse(wire: string, step = wire.length, options: { noBody?: boolean; end?: boolean } = {}) {
  const sink = collector();
  const parser = new ResponseParser(sink);
  parser.reset(sink, options.noBody ?? false);
  const bytes = Buffer.from(wire, 'latin1');
  for (let i = 0; i < bytes.length; i += step) parser.execute(bytes.subarray(i, i + step));
  if (options.end) parser.finish();
  return { ...sink.out, keepAlive: parser.keepAlive, excess: parser.excess, done: parser.done, hint: parser.keepAliveHintMs };
}

function everySplit(wire: string, check: (r: ReturnType<typeof parse>) => void, options?: { noBody?: boolean; end?: boolean }) {
  for (let step = 1; step <= wire.length; step++) check(parse(wire, step, options));
}

describe('ResponseParser', () => {
  it('parses a Content-Length answer whole or in any pieces, dropping hop-by-hop headers', () => {
    const wire = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nX-A:  b \r\n\r\nhello';
    const whole = parse(wire);
    assert.equal(whole.whole, true);
    assert.equal(whole.hint, 5000);
    everySplit(wire, (r) => {
      assert.equal(r.complete, true);
      assert.equal(r.body, 'hello');
      assert.deepEqual(r.head, { statusCode: 200, statusMessage: 'OK', headers: ['Content-Type', 'text/plain', 'Content-Length', '5', 'X-A', 'b'], bodyLength: 5 });
      assert.equal(r.keepAlive, true);
      assert.equal(r.excess, false);
    });
  });

  it('decodes chunked bodies with extensions and trailers, and drops Transfer-Encoding', () => {
    const wire = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nA\r\n, world!!!\r\n0\r\nX-Trailer: t\r\n\r\n';
    everySplit(wire, (r) => {
      assert.equal(r.complete, true);
      assert.equal(r.body, 'hello, world!!!');
      assert.deepEqual(r.head?.headers, []);
      assert.equal(r.keepAlive, true);
      assert.equal(r.excess, false);
    });
  });

  it('reads a body without framing until the connection closes, and does not keep it', () => {
    const wire = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end';
    everySplit(
      wire,
      (r) => {
        assert.equal(r.complete, true);
        assert.equal(r.body, 'until the end');
        assert.equal(r.keepAlive, false);
      },
      { end: true },
    );
  });

  it('knows answers without a body: HEAD, 204, 304', () => {
    const head = parse('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n', undefined, { noBody: true });
    assert.equal(head.complete, true);
    assert.deepEqual(head.head?.headers, ['Content-Length', '100']);
    assert.equal(parse('HTTP/1.1 204 No Content\r\n\r\n').complete, true);
    assert.equal(parse('HTTP/1.1 304 Not Modified\r\nETag: "x"\r\n\r\n').complete, true);
  });

  it('skips interim 1xx answers', () => {
    everySplit('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok', (r) => {
      assert.equal(r.head?.statusCode, 201);
      assert.equal(r.body, 'ok');
    });
  });

  it('honours Connection: close, HTTP/1.0 and Keep-Alive hints', () => {
    assert.equal(parse('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').keepAlive, false);
    assert.equal(parse('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').keepAlive, false);
    assert.equal(parse('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').keepAlive, true);
    assert.equal(parse('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=2, max=100\r\nContent-Length: 0\r\n\r\n').hint, 2000);
  });

  it('flags bytes past the end of the answer', () => {
    assert.equal(parse('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA').excess, true);
    assert.equal(parse('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA', 3).excess, true);
    assert.equal(parse('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nX').excess, true);
  });

  it('lets Transfer-Encoding win over Content-Length, and never reuses such a connection', () => {
    const r = parse('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n');
    assert.equal(r.body, 'ok');
    assert.deepEqual(r.head?.headers, []);
    assert.equal(r.keepAlive, false);
  });

  it('rejects what is not HTTP', () => {
    const bad = [
      'SSH-2.0-OpenSSH\r\n\r\n',
      'HTTP/2 200\r\n\r\n',
      'HTTP/1.1 2000 OK\r\n\r\n',
      'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n',
      'HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n',
      'HTTP/1.1 101 Switching Protocols\r\n\r\n',
    ];
    for (const wire of bad) assert.throws(() => parse(wire), ResponseParseError, wire);
    assert.throws(() => parse('HTTP/1.1 200 OK\r\nX: ' + 'x'.repeat(70_000)), ResponseParseError);
  });

  it('copies what it keeps or hands on when its input is borrowed (a read buffer reused at once)', () => {
    const wires = [
      'HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-Long-Header: abcdefghijklmnop\r\n\r\nhello world',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
      'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello world',
    ];
    for (const wire of wires) {
      const bytes = Buffer.from(wire, 'latin1');
      for (let step = 1; step <= bytes.length; step++) {
        // the sink keeps the buffers it is given and reads them only at the end
        const kept: Buffer[] = [];
        let head: ResponseHead | null = null;
        const sink: ResponseSink = {
          onHead: (h) => void (head = h),
          onBody: (chunk) => void kept.push(chunk),
          onComplete: (h, body) => {
            if (h !== null) head = h;
            if (body !== null) kept.push(body);
          },
        };
        const parser = new ResponseParser(sink);
        parser.reset(sink, false);
        const shared = Buffer.alloc(step);
        for (let i = 0; i < bytes.length; i += step) {
          const n = bytes.copy(shared, 0, i, i + step);
          parser.execute(shared.subarray(0, n), true);
          shared.fill(0x58); // the next read overwrites it
        }
        parser.finish();
        assert.equal(head!.statusCode, 200, `step ${step}`);
        assert.equal(Buffer.concat(kept).toString('latin1'), 'hello world', `step ${step}`);
      }
    }
  });

  it('reports a body cut short by the upstream', () => {
    assert.throws(() => parse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort', undefined, { end: true }), ResponseParseError);
  });
});
