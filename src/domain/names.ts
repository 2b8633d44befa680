// User and server names: normalization, validation, and the URLs / ids derived from them,
// spelled exactly as JupyterHub spells them (clients compare these strings byte for byte).
// Kubernetes-safe slugs of names are in slugs.ts.

const MAX_NAME_CHARS = 255;
/** C0/C1 controls, DEL, line/paragraph separators and bidi overrides: unsafe in URLs, logs and UIs. */
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

/**
 * The hub's own normalization of a login or API user name: trim, Unicode NFC, lowercase
 * (JupyterHub lowercases; NFC makes composed and decomposed spellings one user).
 * Authenticator-specific normalization runs after this.
 */
export function normalizeUsername(raw: string): string {
  return raw.trim().normalize('NFC').toLowerCase().normalize('NFC');
}

function commonProblem(name: string, what: string): string | null {
  if (name === '') return `${what} must not be empty`;
  if ([...name].length > MAX_NAME_CHARS) return `${what} must be at most ${MAX_NAME_CHARS} characters`;
  if (name.includes('/')) return `${what} must not contain '/'`;
  if (FORBIDDEN_CHARS.test(name)) return `${what} must not contain control characters`;
  if (name !== name.trim()) return `${what} must not start or end with whitespace`;
  if (name === '.' || name === '..') return `${what} must not be '.' or '..'`;
  return null;
}

/**
 * Why a (normalized) user name is unusable, or null when it is fine. JupyterHub-compatible:
 * non-empty, no '/', no surrounding whitespace; additionally no control characters, not '.'
 * or '..' (they would escape `/user/<name>/`), at most 255 characters.
 */
export function validateUsername(name: string): string | null {
  return commonProblem(name, 'Username');
}

/** Why a named server's name is unusable, or null. The default server ('') is not "named". */
export function validateServerName(name: string): string | null {
  return commonProblem(name, 'Server name');
}

const ALWAYS_SAFE = /[A-Za-z0-9_.\-~]/;

/**
 * Python's `urllib.parse.quote(s, safe)`: letters, digits, `_.-~` and the `safe` characters
 * stay, every other UTF-8 byte becomes `%XX` (uppercase hex).
 */
export function pythonQuote(s: string, safe = '/'): string {
  let out = '';
  for (const ch of s) {
    if (ALWAYS_SAFE.test(ch) || (ch.length === 1 && safe.includes(ch))) {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A name as a URL path segment (JupyterHub `url_escape_path`: `quote(name, safe='@~')`). */
export function escapePathSegment(name: string): string {
  return pythonQuote(name, '@~');
}

/** Base URL with a leading and a trailing slash ('' → '/', 'jh' → '/jh/'). */
export function normalizeBaseUrl(baseUrl: string): string {
  let b = baseUrl.startsWith('/') ? baseUrl : `/${baseUrl}`;
  if (!b.endsWith('/')) b += '/';
  return b.replace(/\/{2,}/g, '/');
}

/** `<base>hub/` — the hub's own prefix. */
export function hubPrefix(baseUrl: string): string {
  return `${normalizeBaseUrl(baseUrl)}hub/`;
}

/**
 * A server's URL prefix, JUPYTERHUB_SERVICE_PREFIX: `/user/alice/` for the default server,
 * `/user/alice/foo/` for a named one (both segments escaped with `quote(…, safe='@~')`).
 */
export function serverPrefix(baseUrl: string, user: string, server: string): string {
  const base = `${normalizeBaseUrl(baseUrl)}user/${escapePathSegment(user)}/`;
  return server ? `${base}${escapePathSegment(server)}/` : base;
}

/** JUPYTERHUB_OAUTH_CALLBACK_URL (relative, compared verbatim by the token endpoint). */
export function oauthCallbackUrl(baseUrl: string, user: string, server: string): string {
  return `${serverPrefix(baseUrl, user, server)}oauth_callback`;
}

/**
 * The OAuth client id of a server, also its cookie name: `jupyterhub-user-<quote(user)>`
 * plus `-<quote(server)>` for named servers (Python's default `quote`, safe='/').
 */
export function oauthClientId(user: string, server: string): string {
  const base = `jupyterhub-user-${pythonQuote(user)}`;
  return server ? `${base}-${pythonQuote(server)}` : base;
}

/**
 * Proxy route key (CHP form, no trailing slash): `/user/alice`, `/user/alice/foo`; with
 * user = null, the hub's catch-all route: the base URL (`/` or `/jh`). Names are NOT escaped:
 * CHP decodes the key it is given and each request's path before matching, so the key of
 * "Jane Doe (WMF)" is `/user/Jane Doe (WMF)`, which `/user/Jane%20Doe%20%28WMF%29/lab` matches.
 */
export function routeSpec(baseUrl: string, user: string | null, server: string | null): string {
  const base = normalizeBaseUrl(baseUrl);
  const prefix = user === null ? base : `${base}user/${user}/${server ? `${server}/` : ''}`;
  return prefix === '/' ? '/' : prefix.slice(0, -1);
}

/** Scope filter value of a server: `alice/` (default) or `alice/foo` (protocol.md §2.5). */
export function serverFilterValue(user: string, server: string): string {
  return `${user}/${server}`;
}
