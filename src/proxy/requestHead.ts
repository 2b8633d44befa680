// Request heads the proxy's fast path (fastFront.ts) serves itself: `GET` or `HEAD`, HTTP/1.1,
// origin-form target, one Host, no body, no upgrade, no Expect — what browsers and Jupyter
// clients send for nearly every request. Anything else, and anything the least bit malformed,
// is declined (null) and goes to node's HTTP server, which parses it strictly and answers 400/431
// where it must. Declining is always safe; accepting must never let through a head that a
// target could read differently from us (request smuggling): no Transfer-Encoding, no
// Content-Length other than 0, no bare CR/LF or control characters, header names that are tokens.

export interface FastRequestHead {
  method: 'GET' | 'HEAD';
  /** Request target as sent (origin-form, starts with '/'). */
  url: string;
  /** Flat [name, value, …] as node's rawHeaders: names as sent, values without surrounding whitespace. */
  rawHeaders: string[];
  host: string;
  /** The client asked to close the connection after this exchange (Connection: close). */
  close: boolean;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Control characters a header value must not hold (HTAB is allowed). */
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
/** Characters a request target must not hold. */
const BAD_TARGET = /[\x00-\x20\x7f]/;
const VERSION = ' HTTP/1.1';

/** `text`: the head up to (not including) the CRLFCRLF that ends it, decoded as latin1. */
export function parseFastRequestHead(text: string): FastRequestHead | null {
  let lineEnd = text.indexOf('\r\n');
  if (lineEnd === -1) lineEnd = text.length;
  let method: 'GET' | 'HEAD';
  if (text.startsWith('GET ')) method = 'GET';
  else if (text.startsWith('HEAD ')) method = 'HEAD';
  else return null;
  const urlStart = method.length + 1;
  const urlEnd = lineEnd - VERSION.length;
  if (urlEnd <= urlStart || !text.startsWith(VERSION, urlEnd)) return null;
  const url = text.slice(urlStart, urlEnd);
  if (url.charCodeAt(0) !== 47 /* / */ || BAD_TARGET.test(url)) return null;

  const rawHeaders: string[] = [];
  let host: string | undefined;
  let close = false;
  const length = text.length;
  let at = lineEnd + 2;
  while (at < length) {
    let end = text.indexOf('\r\n', at);
    if (end === -1) end = length;
    const colon = text.indexOf(':', at);
    if (colon === -1 || colon >= end) return null;
    const name = text.slice(at, colon);
    if (!TOKEN.test(name)) return null;
    let vs = colon + 1;
    let ve = end;
    while (vs < ve && (text.charCodeAt(vs) === 32 || text.charCodeAt(vs) === 9)) vs++;
    while (ve > vs && (text.charCodeAt(ve - 1) === 32 || text.charCodeAt(ve - 1) === 9)) ve--;
    const value = text.slice(vs, ve);
    if (BAD_VALUE.test(value)) return null;
    at = end + 2;
    const len = name.length;
    if (len === 4 || len === 6 || len === 7 || len === 10 || len === 14 || len === 17) {
      switch (name.toLowerCase()) {
        case 'host':
          if (host !== undefined) return null;
          host = value;
          break;
        case 'connection': {
          const tokens = value.toLowerCase();
          if (tokens.includes('upgrade')) return null;
          if (tokens.includes('close')) close = true;
          break;
        }
        case 'upgrade':
        case 'expect':
        case 'transfer-encoding':
          return null;
        case 'content-length':
          if (value !== '0') return null;
          break;
      }
    }
    rawHeaders.push(name, value);
  }
  if (host === undefined) return null;
  return { method, url, rawHeaders, host, close };
}
