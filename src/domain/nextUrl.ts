// Safe `next` redirect targets (protocol.md §4.2, JupyterHub `get_next_url`): only paths on
// this host survive. Browsers are more lenient than URL parsers (they treat `\` like `/`,
// drop tabs/newlines, accept `///host`), so the checks below are written for browsers.

export interface NextUrlContext {
  /** Host header of the request (`hub.example.org` or `127.0.0.1:8000`); '' when unknown. */
  host: string;
  /** With subdomain routing: absolute URLs on this host or any subdomain of it are ours too. */
  subdomainHost?: string;
}

/** Tabs/newlines are silently removed by browsers (`/\t/evil` → `//evil`); other controls are never valid. */
const CONTROL = /[\u0000-\u001f\u007f]/;
const ABSOLUTE = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):)?\/\/([^/?#]*)(.*)$/s;

function hostOf(hostOrUrl: string): string {
  const m = /^(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?\/\/([^/?#]*)/.exec(hostOrUrl);
  return (m ? m[1] : hostOrUrl).toLowerCase();
}

function isOurHost(authority: string, ctx: NextUrlContext): boolean {
  const a = authority.toLowerCase();
  if (ctx.host && a === ctx.host.toLowerCase()) return true;
  if (ctx.subdomainHost) {
    const sub = hostOf(ctx.subdomainHost);
    if (sub && !a.includes('@') && (a === sub || a.endsWith(`.${sub}`))) return true;
  }
  return false;
}

/** A same-host path: starts with exactly one '/', no backslash. */
function isLocalPath(s: string): boolean {
  return s.startsWith('/') && !s.startsWith('//') && !s.includes('\\');
}

/**
 * The path (+query+fragment) to redirect to, or null when `raw` is empty or points elsewhere.
 * - backslashes are escaped to `%5C` (browsers read `/\evil` as `//evil`);
 * - `///x` is treated like `//x` (browsers do);
 * - `http(s)://<our host>/p?q#f` and `//<our host>/p` are reduced to `/p?q#f`;
 * - anything else with a scheme or host (`//evil`, `javascript:…`, `https://evil/`), anything
 *   not starting with '/', and anything with control characters is rejected.
 */
export function validateNextUrl(raw: string | null | undefined, ctx: NextUrlContext): string | null {
  if (typeof raw !== 'string' || raw === '') return null;
  if (CONTROL.test(raw)) return null;
  let next = raw.replace(/\\/g, '%5C').replace(/ /g, '%20');
  if (next.startsWith('///')) next = `//${next.replace(/^\/+/, '')}`;
  const abs = ABSOLUTE.exec(next);
  if (abs) {
    const [, scheme, authority, rest] = abs;
    if (scheme !== undefined && !/^https?$/i.test(scheme)) return null;
    if (!isOurHost(authority, ctx)) return null;
    if (rest !== '' && !/^[/?#]/.test(rest)) return null;
    next = rest === '' ? '/' : rest.startsWith('/') ? rest : `/${rest}`;
  }
  return isLocalPath(next) ? next : null;
}
