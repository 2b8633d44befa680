// From a request line to (a) the path used for the route lookup and (b) the path forwarded to
// the target. CHP looks routes up on the WHATWG-normalized, percent-decoded pathname (host
// prepended with --host-routing) and forwards the original URL with repeated '/' collapsed.
// nbhub keeps the common case allocation-light and, when normalization changes anything
// ('..', '%2e', '\\', '//', absolute-form), forwards the normalized path so the target sees
// exactly the path that was routed.

export interface ResolvedPath {
  /** Key-shaped lookup path: '/' + host (with host routing) + decoded pathname. */
  lookup: string;
  /** Request target to send upstream: path + '?' + query, still percent-encoded. */
  forward: string;
  /** Length of the host part at the start of `lookup` ('/' + host), 0 without host routing. */
  hostPrefixLength: number;
}

const NORMALIZE_BASE = 'http://nbhub.invalid';

/** True when the raw path needs the WHATWG parser: dot segments, '\\', '//', or not origin-form. */
function needsNormalizing(path: string): boolean {
  if (path.charCodeAt(0) !== 47 /* / */) return true;
  return (
    path.includes('/.') ||
    path.includes('//') ||
    path.includes('\\') ||
    path.includes('%2e') ||
    path.includes('%2E')
  );
}

/** 'Example.org:8000' → 'example.org', '[::1]:8000' → '[::1]'. */
export function hostWithoutPort(host: string): string {
  let end = host.length;
  if (host.charCodeAt(0) === 91 /* [ */) {
    const close = host.indexOf(']');
    end = close === -1 ? end : close + 1;
  } else {
    const colon = host.indexOf(':');
    if (colon !== -1) end = colon;
  }
  const name = end === host.length ? host : host.slice(0, end);
  return name.toLowerCase();
}

/**
 * Resolves `req.url`. Returns null when the path cannot be percent-decoded (a 400 for the caller).
 * `host` is only read with host routing.
 */
export function resolveRequestPath(url: string, host: string | undefined, hostRouting: boolean): ResolvedPath | null {
  const q = url.indexOf('?');
  let pathname = q === -1 ? url : url.slice(0, q);
  let forward = url;
  if (needsNormalizing(pathname)) {
    let parsed: URL;
    try {
      parsed = new URL(pathname.charCodeAt(0) === 47 ? NORMALIZE_BASE + pathname : url, NORMALIZE_BASE);
    } catch {
      return null;
    }
    pathname = parsed.pathname;
    if (pathname.includes('//')) pathname = pathname.replace(/\/{2,}/g, '/');
    forward = q === -1 ? pathname : pathname + url.slice(q);
  }
  let lookup = pathname;
  if (pathname.includes('%')) {
    try {
      lookup = decodeURIComponent(pathname);
    } catch {
      return null;
    }
  }
  let hostPrefixLength = 0;
  if (hostRouting) {
    const name = host === undefined ? '' : hostWithoutPort(host);
    hostPrefixLength = name.length + 1;
    lookup = '/' + name + lookup;
  }
  return { lookup, forward, hostPrefixLength };
}

/**
 * The forwarded path without the matched route prefix (`--no-include-prefix`). `prefixPath` is the
 * route key without any host segment. '/user/alice/lab?x' minus '/user/alice' → '/lab?x';
 * an empty remainder becomes '/'.
 */
export function stripRoutePrefix(forward: string, prefixPath: string): string {
  if (prefixPath === '/' || prefixPath === '') return forward;
  const q = forward.indexOf('?');
  const path = q === -1 ? forward : forward.slice(0, q);
  const query = q === -1 ? '' : forward.slice(q);
  let rest: string;
  if (path.startsWith(prefixPath)) {
    rest = path.slice(prefixPath.length);
  } else {
    // the raw path is percent-encoded differently from the key: drop as many segments as the key has
    let segments = 0;
    for (let i = 0; i < prefixPath.length; i++) if (prefixPath.charCodeAt(i) === 47) segments++;
    let at = 0;
    while (segments > 0 && at !== -1) {
      at = path.indexOf('/', at + 1);
      segments--;
    }
    rest = at === -1 ? '' : path.slice(at);
  }
  if (rest.charCodeAt(0) !== 47 /* / */) rest = '/' + rest;
  return query.length === 0 ? rest : rest + query;
}
