// Incremental parser for HTTP/1.1 responses read from an upstream socket (the proxy's own
// upstream client; see upstream.ts). It finds the head, decides the body framing (RFC 9112 §6.3:
// no body for HEAD/1xx/204/304, chunked, Content-Length, or until the connection closes),
// and hands body bytes on as sub-views of the socket's buffers, without copying — or as copies
// when the bytes are borrowed (a read buffer the socket reuses: upstream.ts).
//
// Response headers come out as the flat [name, value, …] list the client response is written
// from, minus the hop-by-hop headers node's ServerResponse sets itself. Interim 1xx answers
// (100 Continue, 103 Early Hints) are skipped; the proxy strips Expect, so they are rare.

const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const MAX_HEAD_BYTES = 64 * 1024;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A CR or LF that is not part of a CRLF, or a NUL: a head the client could read differently. */
const BAD_LINE_BREAK = /\r(?!\n)|(?<!\r)\n|\0/;

export interface ResponseHead {
  statusCode: number;
  statusMessage: string;
  /** Flat [name, value, …], hop-by-hop headers removed. */
  headers: string[];
  /** Content-Length of the body (0 when there is none), -1 when chunked or delimited by the close. */
  bodyLength: number;
}

/** What the parser reports to; one exchange at a time. */
export interface ResponseSink {
  /** The head, when the body follows in later onBody calls (or none at all: see onComplete). */
  onHead(head: ResponseHead): void;
  onBody(chunk: Buffer): void;
  /** The response is complete. `body` is set when the whole body came with the head (fast path). */
  onComplete(head: ResponseHead | null, body: Buffer | null): void;
}

export class ResponseParseError extends Error {
  readonly code = 'UPSTREAM_BAD_RESPONSE';
}

const enum State {
  Idle,
  Head,
  Fixed,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
  Done,
}

export class ResponseParser {
  private state = State.Idle;
  private noBody = false;
  private pending: Buffer | null = null;
  /** The bytes being executed are borrowed: whatever is kept or handed on is copied. */
  private borrowed = false;
  private remaining = 0;
  /** Chunked parsing: bytes of the current size/trailer line seen, and whether it was empty. */
  private lineLength = 0;
  private sizeDigits = 0;
  private inExtension = false;
  /** The connection can carry another exchange once this one is complete. */
  keepAlive = true;
  /** Keep-Alive: timeout=N hint of the target, in ms (0: none). */
  keepAliveHintMs = 0;
  /** Bytes arrived after the end of the response: the connection must not be reused. */
  excess = false;

  constructor(private sink: ResponseSink) {}

  /** Starts a new exchange. `noBody` for HEAD requests. */
  reset(sink: ResponseSink, noBody: boolean): void {
    this.sink = sink;
    this.state = State.Head;
    this.noBody = noBody;
    this.pending = null;
    this.keepAlive = true;
    this.keepAliveHintMs = 0;
    this.excess = false;
  }

  get done(): boolean {
    return this.state === State.Done;
  }

  /** True once the head was parsed (the client may already have a status line). */
  get headParsed(): boolean {
    return this.state !== State.Head && this.state !== State.Idle;
  }

  /**
   * Feeds bytes from the socket; throws ResponseParseError on a malformed response. `borrowed`:
   * `chunk` is only valid during this call (the sink still gets bytes it may keep).
   */
  execute(chunk: Buffer, borrowed = false): void {
    let data = chunk;
    this.borrowed = borrowed;
    if (this.state === State.Head) {
      if (this.pending !== null) {
        data = Buffer.concat([this.pending, chunk]);
        this.borrowed = false;
      }
      for (;;) {
        const end = data.indexOf(CRLFCRLF);
        if (end === -1) {
          if (data.length > MAX_HEAD_BYTES) throw new ResponseParseError('response head larger than 64 KiB');
          this.pending = this.borrowed ? Buffer.from(data) : data;
          return;
        }
        this.pending = null;
        const head = this.parseHead(data.toString('latin1', 0, end));
        const start = end + 4;
        if (head === null) {
          // interim 1xx: another head follows
          data = data.subarray(start);
          continue;
        }
        this.startBody(head, data, start);
        return;
      }
    }
    this.body(data, 0);
  }

  /** The upstream closed its side: completes a close-delimited body, else the response was cut. */
  finish(): void {
    if (this.state === State.UntilClose) {
      this.state = State.Done;
      this.sink.onComplete(null, null);
      return;
    }
    if (this.state !== State.Done && this.state !== State.Idle) throw new ResponseParseError('target closed the connection in the middle of a response');
  }

  private startBody(head: ResponseHead, data: Buffer, start: number): void {
    const status = head.statusCode;
    if (this.noBody || status === 204 || status === 304) {
      this.state = State.Done;
      if (start < data.length) this.excess = true;
      this.sink.onComplete(head, null);
      return;
    }
    if (this.state === State.Fixed) {
      const available = data.length - start;
      if (available >= this.remaining) {
        // fast path: the whole answer is here
        const body = this.remaining === 0 ? null : this.own(data.subarray(start, start + this.remaining));
        if (available > this.remaining) this.excess = true;
        this.remaining = 0;
        this.state = State.Done;
        this.sink.onComplete(head, body);
        return;
      }
    }
    this.sink.onHead(head);
    if (start < data.length) this.body(data, start);
  }

  private body(data: Buffer, offset: number): void {
    let at = offset;
    const length = data.length;
    while (at < length) {
      switch (this.state) {
        case State.Fixed: {
          const take = Math.min(this.remaining, length - at);
          this.remaining -= take;
          const piece = this.own(data.subarray(at, at + take));
          at += take;
          if (this.remaining === 0) {
            // nothing may touch this parser after onComplete: the connection may already serve another exchange
            this.state = State.Done;
            if (at < length) this.excess = true;
            this.sink.onBody(piece);
            this.sink.onComplete(null, null);
            return;
          }
          this.sink.onBody(piece);
          break;
        }
        case State.UntilClose:
          this.sink.onBody(this.own(at === 0 ? data : data.subarray(at)));
          return;
        case State.ChunkSize:
          at = this.chunkSize(data, at);
          break;
        case State.ChunkData: {
          const take = Math.min(this.remaining, length - at);
          this.remaining -= take;
          this.sink.onBody(this.own(data.subarray(at, at + take)));
          at += take;
          if (this.remaining === 0) {
            this.state = State.ChunkDataEnd;
            this.lineLength = 0;
          }
          break;
        }
        case State.ChunkDataEnd: {
          // CRLF after the chunk data (a bare LF is tolerated)
          const byte = data[at++];
          if (byte === 10) {
            this.state = State.ChunkSize;
            this.remaining = 0;
            this.sizeDigits = 0;
            this.inExtension = false;
          } else if (byte !== 13 || this.lineLength++ > 0) {
            throw new ResponseParseError('chunk data not followed by CRLF');
          }
          break;
        }
        case State.Trailers:
          at = this.trailers(data, at);
          break;
        case State.Done:
          this.excess = true;
          return;
        default:
          return;
      }
    }
  }

  /** Bytes the sink may keep: a copy when the input is borrowed. */
  private own(bytes: Buffer): Buffer {
    if (!this.borrowed) return bytes;
    const copy = Buffer.allocUnsafe(bytes.length);
    copy.set(bytes);
    return copy;
  }

  /** Reads a chunk-size line ('1a;ext=x\r\n'); returns the next offset. */
  private chunkSize(data: Buffer, at: number): number {
    const length = data.length;
    while (at < length) {
      const byte = data[at++];
      if (byte === 10) {
        if (this.sizeDigits === 0) throw new ResponseParseError('chunk size missing');
        if (this.remaining === 0) {
          this.state = State.Trailers;
          this.lineLength = 0;
        } else {
          this.state = State.ChunkData;
        }
        return at;
      }
      if (this.inExtension || byte === 13) continue;
      if (byte === 59 /* ; */ || byte === 32 || byte === 9) {
        this.inExtension = true;
        continue;
      }
      const digit = hexValue(byte);
      if (digit < 0 || this.sizeDigits >= 13) throw new ResponseParseError('bad chunk size');
      this.remaining = this.remaining * 16 + digit;
      this.sizeDigits++;
    }
    return at;
  }

  /** Skips trailer lines up to the empty line that ends the message. */
  private trailers(data: Buffer, at: number): number {
    const length = data.length;
    while (at < length) {
      const byte = data[at++];
      if (byte === 10) {
        if (this.lineLength === 0) {
          this.state = State.Done;
          if (at < length) this.excess = true;
          this.sink.onComplete(null, null);
          return length;
        }
        this.lineLength = 0;
      } else if (byte !== 13) {
        if (++this.lineLength > MAX_HEAD_BYTES) throw new ResponseParseError('trailer too long');
      }
    }
    return at;
  }

  /** Parses a head; returns null for interim 1xx answers. Sets framing state and keep-alive. */
  private parseHead(text: string): ResponseHead | null {
    let lineEnd = text.indexOf('\r\n');
    if (lineEnd === -1) lineEnd = text.length;
    // 'HTTP/1.1 200 OK'
    if (!text.startsWith('HTTP/1.') || (text.charCodeAt(12) !== 32 && lineEnd !== 12)) {
      throw new ResponseParseError('not an HTTP/1.x status line');
    }
    const minor = text.charCodeAt(7) - 48;
    const statusCode = Number(text.slice(9, 12));
    if (text.charCodeAt(8) !== 32 || !(statusCode >= 100 && statusCode <= 999) || (minor !== 0 && minor !== 1)) {
      throw new ResponseParseError('not an HTTP/1.x status line');
    }
    if (statusCode < 200) {
      if (statusCode === 101) throw new ResponseParseError('101 Switching Protocols on a request that did not ask to upgrade');
      return null;
    }
    if (BAD_LINE_BREAK.test(text)) throw new ResponseParseError('stray CR, LF or NUL in the response head');
    const statusMessage = lineEnd > 13 ? text.slice(13, lineEnd) : '';
    const headers: string[] = [];
    let contentLength = -1;
    let chunked = false;
    let transferEncoding = false;
    let close = minor === 0;
    let at = lineEnd + 2;
    const length = text.length;
    while (at < length) {
      let end = text.indexOf('\r\n', at);
      if (end === -1) end = length;
      const colon = text.indexOf(':', at);
      if (colon === -1 || colon >= end || colon === at) throw new ResponseParseError('malformed response header line');
      const name = text.slice(at, colon);
      let vs = colon + 1;
      let ve = end;
      while (vs < ve && (text.charCodeAt(vs) === 32 || text.charCodeAt(vs) === 9)) vs++;
      while (ve > vs && (text.charCodeAt(ve - 1) === 32 || text.charCodeAt(ve - 1) === 9)) ve--;
      const value = text.slice(vs, ve);
      at = end + 2;
      const nameLength = name.length;
      if (nameLength === 10 || nameLength === 14 || nameLength === 16 || nameLength === 17) {
        const lower = name.toLowerCase();
        if (lower === 'content-length') {
          const n = parseContentLength(value);
          if (n < 0 || (contentLength !== -1 && contentLength !== n)) throw new ResponseParseError('bad Content-Length');
          contentLength = n;
        } else if (lower === 'transfer-encoding') {
          transferEncoding = true;
          chunked = /(?:^|,)[ \t]*chunked[ \t]*$/i.test(value);
          continue;
        } else if (lower === 'connection') {
          const tokens = value.toLowerCase();
          if (tokens.includes('close')) close = true;
          else if (tokens.includes('keep-alive')) close = false;
          continue;
        } else if (lower === 'keep-alive') {
          const m = /timeout=(\d+)/i.exec(value);
          if (m) this.keepAliveHintMs = Number(m[1]) * 1000;
          continue;
        } else if (lower === 'proxy-connection') {
          continue;
        }
      }
      if (!TOKEN.test(name)) throw new ResponseParseError('malformed response header name');
      headers.push(name, value);
    }
    let bodyLength = -1;
    if (this.noBody || statusCode === 204 || statusCode === 304) {
      // no body whatever the headers say (startBody completes at once); keep-alive as announced
      bodyLength = 0;
    } else if (transferEncoding) {
      // Transfer-Encoding overrides Content-Length (which then must not reach the client)
      if (contentLength !== -1) {
        for (let i = headers.length - 2; i >= 0; i -= 2) {
          if (headers[i].length === 14 && headers[i].toLowerCase() === 'content-length') headers.splice(i, 2);
        }
        close = true;
      }
      this.state = chunked ? State.ChunkSize : State.UntilClose;
      if (!chunked) close = true;
      this.remaining = 0;
      this.sizeDigits = 0;
      this.inExtension = false;
    } else if (contentLength !== -1) {
      this.state = State.Fixed;
      this.remaining = contentLength;
      bodyLength = contentLength;
    } else {
      this.state = State.UntilClose;
      close = true;
    }
    this.keepAlive = !close;
    return { statusCode, statusMessage, headers, bodyLength };
  }
}

function hexValue(byte: number): number {
  if (byte >= 48 && byte <= 57) return byte - 48;
  if (byte >= 97 && byte <= 102) return byte - 87;
  if (byte >= 65 && byte <= 70) return byte - 55;
  return -1;
}

/** '1234' or '1234, 1234' → 1234; anything else → -1. */
function parseContentLength(value: string): number {
  if (/^\d{1,15}$/.test(value)) return Number(value);
  const parts = value.split(',').map((p) => p.trim());
  if (parts.length > 1 && parts.every((p) => p === parts[0]) && /^\d{1,15}$/.test(parts[0])) return Number(parts[0]);
  return -1;
}
