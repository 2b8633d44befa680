// Headers for the upstream request, built as one 'Name: value\r\n…' block straight from
// rawHeaders (no per-request header objects), and the response header filter for the client.
//
// Request: the client's headers in order, Host kept as sent (CHP does not rewrite Host),
// hop-by-hop headers dropped (except Connection/Upgrade on an upgrade), X-Forwarded-For/-Port/
// -Proto appended to what the client sent and X-Forwarded-Host kept if present (http-proxy's
// `xfwd`, which CHP enables by default), then the configured custom headers, which replace
// client headers of the same name.
//
// Behind a TLS-offloading load balancer (proxy.https.type offload) the appended X-Forwarded-Proto
// would end in 'http', and servers that read the last value (tornado) would see http; with
// `trustForwardedProto` the client's X-Forwarded-Proto and -Port are passed on unchanged instead.

import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

/** What the header block is built from: node's IncomingMessage, or the fast path's parsed head. */
export interface HeaderSource {
  rawHeaders: string[];
  socket: Socket;
}

export interface HeaderSettings {
  xForward: boolean;
  /** Keep the client's X-Forwarded-Proto/-Port (a TLS-offloading load balancer) instead of appending ours. */
  trustForwardedProto: boolean;
  /** [name, value] pairs added to every proxied request. */
  customHeaders: ReadonlyArray<readonly [string, string]>;
  /** Lower-cased custom header names, for replacing client headers. */
  customNames: ReadonlySet<string>;
}

export function headerSettings(xForward: boolean, custom: Record<string, string> | undefined, trustForwardedProto = false): HeaderSettings {
  const customHeaders: Array<readonly [string, string]> = [];
  const customNames = new Set<string>();
  for (const [name, value] of Object.entries(custom ?? {})) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[\r\n\0]/.test(value)) {
      throw Object.assign(new Error(`custom header ${JSON.stringify(name)} is not a valid HTTP header`), {
        code: 'PROXY_BAD_CUSTOM_HEADER',
      });
    }
    customHeaders.push([name, value]);
    customNames.add(name.toLowerCase());
  }
  return { xForward, trustForwardedProto, customHeaders, customNames };
}

function joinValue(previous: string | undefined, value: string): string {
  return previous === undefined ? value : previous + ', ' + value;
}

/** Port the client addressed: from Host, else the scheme default (as http-proxy does). */
function forwardedPort(host: string | undefined, encrypted: boolean): string {
  if (host !== undefined) {
    const colon = host.lastIndexOf(':');
    if (colon !== -1 && colon > host.lastIndexOf(']')) return host.slice(colon + 1);
  }
  return encrypted ? '443' : '80';
}

/**
 * Outgoing request headers as 'Name: value\r\n' lines (no final empty line). `upgrade` keeps
 * Connection/Upgrade and reports ws/wss as the proto. `fallbackHost` is used as Host when the
 * client sent none (HTTP/1.0).
 */
export function requestHeaderBlock(
  req: HeaderSource,
  settings: HeaderSettings,
  upgrade: boolean,
  fallbackHost: string,
): string {
  const raw = req.rawHeaders;
  let out = '';
  const custom = settings.customNames.size > 0 ? settings.customNames : null;
  const xForward = settings.xForward;
  let host: string | undefined;
  let xfFor: string | undefined;
  let xfPort: string | undefined;
  let xfProto: string | undefined;
  let xfHost: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const value = raw[i + 1];
    const len = name.length;
    if (len === 2 || len === 4 || len === 6 || len === 7 || len === 10 || (len >= 15 && len <= 17) || custom !== null) {
      const lower = name.toLowerCase();
      if (custom !== null && custom.has(lower)) continue;
      switch (lower) {
        case 'host':
          if (host === undefined) host = value;
          break;
        case 'connection':
        case 'upgrade':
          if (!upgrade) continue;
          break;
        case 'keep-alive':
        case 'proxy-connection':
        case 'te':
        case 'trailer':
        case 'expect':
          continue;
        case 'x-forwarded-for':
          if (xForward) {
            xfFor = joinValue(xfFor, value);
            continue;
          }
          break;
        case 'x-forwarded-port':
          if (xForward) {
            xfPort = joinValue(xfPort, value);
            continue;
          }
          break;
        case 'x-forwarded-proto':
          if (xForward) {
            xfProto = joinValue(xfProto, value);
            continue;
          }
          break;
        case 'x-forwarded-host':
          if (xForward) {
            xfHost = joinValue(xfHost, value);
            continue;
          }
          break;
      }
    }
    out += name + ': ' + value + '\r\n';
  }
  if (host === undefined) out += 'Host: ' + fallbackHost + '\r\n';
  if (xForward) {
    const encrypted = (req.socket as TLSSocket).encrypted === true;
    const remote = req.socket.remoteAddress ?? '';
    let port: string;
    let proto: string;
    if (settings.trustForwardedProto && xfProto !== undefined) {
      proto = xfProto;
      port = xfPort ?? forwardedPort(host, /https$/i.test(xfProto));
    } else {
      proto = joinValue(xfProto, upgrade ? (encrypted ? 'wss' : 'ws') : encrypted ? 'https' : 'http');
      port = joinValue(xfPort, forwardedPort(host, encrypted));
    }
    out +=
      'X-Forwarded-For: ' + (xfFor === undefined ? remote : xfFor + ', ' + remote) +
      '\r\nX-Forwarded-Port: ' + port +
      '\r\nX-Forwarded-Proto: ' + proto +
      '\r\nX-Forwarded-Host: ' + (xfHost ?? host ?? '') + '\r\n';
  }
  for (const [name, value] of settings.customHeaders) out += name + ': ' + value + '\r\n';
  return out;
}
