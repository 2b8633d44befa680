// The response head the fast path (fastFront.ts) writes to the client, as node's ServerResponse
// would write it for the same answer: the target's status line and headers (hop-by-hop ones
// already removed by responseParser.ts), Date when the target sent none, the connection's
// keep-alive state, and chunked framing when the body's length is not known up front.

import { STATUS_CODES } from 'node:http';
import type { ResponseHead } from './responseParser.ts';

let dateSecond = 0;
let dateHeader = '';

/** 'Date: <IMF-fixdate>\r\n', formatted at most once a second. */
function currentDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateHeader = 'Date: ' + new Date(now).toUTCString() + '\r\n';
  }
  return dateHeader;
}

/**
 * `chunked`: the body is re-framed as chunks (length unknown); `close`: the connection closes
 * after this answer; `keepAliveS`: the idle timeout announced otherwise.
 */
export function clientResponseHead(head: ResponseHead, chunked: boolean, close: boolean, keepAliveS: number): string {
  const status = head.statusCode;
  let out = 'HTTP/1.1 ' + status + ' ' + (head.statusMessage === '' ? STATUS_CODES[status] ?? 'unknown' : head.statusMessage) + '\r\n';
  const headers = head.headers;
  let hasDate = false;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i];
    if (name.length === 4 && !hasDate && name.toLowerCase() === 'date') hasDate = true;
    out += name + ': ' + headers[i + 1] + '\r\n';
  }
  if (!hasDate) out += currentDate();
  out += close ? 'Connection: close\r\n' : 'Connection: keep-alive\r\nKeep-Alive: timeout=' + keepAliveS + '\r\n';
  if (chunked) out += 'Transfer-Encoding: chunked\r\n';
  return out + '\r\n';
}
