// Calls to a provider's own REST API after login (GitHub memberships, GitLab members, …),
// with the user's access token. Failures become AuthSourceError with a log line that names
// the call and the status, never the token.
import { AuthSourceError } from '../../types.ts';
import type { ProviderHttp } from '../provider.ts';

export interface ApiCall {
  http: ProviderHttp;
  token: string;
  /** Provider name for messages, e.g. 'GitHub'. */
  provider: string;
  authScheme?: 'Bearer' | 'token';
}

/** GET that must succeed (2xx), e.g. GitHub's /user/emails. */
export async function getRequired(call: ApiCall, url: string, what: string): Promise<{ body: unknown; headers: Headers }> {
  const r = await call.http.json(url, { token: call.token, authScheme: call.authScheme });
  if (r.status < 200 || r.status > 299) {
    throw new AuthSourceError(
      `${call.provider} did not answer as expected while ${what}. Try again later, or ask an administrator.`,
      `${call.provider} answered ${r.status} to GET ${stripQuery(url)} (${what})`,
    );
  }
  return { body: r.body, headers: r.headers };
}

/** GET whose status is the answer (membership checks: 204/200 member, 404 not). */
export async function getStatus(call: ApiCall, url: string): Promise<{ status: number; body: unknown; headers: Headers }> {
  return call.http.json(url, { token: call.token, authScheme: call.authScheme });
}

/**
 * Follows `Link: <…>; rel="next"` pages (GitHub, GitLab) and concatenates the array bodies.
 * Bounded: stops after `maxPages`.
 */
export async function getAllPages(call: ApiCall, firstUrl: string, what: string, maxPages = 50): Promise<unknown[]> {
  const items: unknown[] = [];
  let url: string | null = firstUrl;
  for (let page = 0; url !== null && page < maxPages; page++) {
    const { body, headers } = await getRequired(call, url, what);
    if (!Array.isArray(body)) {
      throw new AuthSourceError(`${call.provider} did not answer as expected while ${what}.`, `${call.provider}: GET ${stripQuery(url)} did not return a list`);
    }
    items.push(...body);
    url = nextLink(headers.get('link'));
  }
  return items;
}

/** The rel="next" target of an RFC 8288 Link header, or null. */
export function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(',')) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    const rel = m && /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;]+))/i.exec(m[2]);
    if (m && rel && (rel[1] ?? rel[2]).split(/\s+/).includes('next')) return m[1];
  }
  return null;
}

/** A user info field as a non-empty string, or null. */
export function claimString(info: Record<string, unknown>, key: string): string | null {
  // A key that itself holds dots (https://…/claims/x) first, then a dotted path.
  let v: unknown = info[key];
  if (v === undefined) {
    v = info;
    for (const part of key.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  }
  if (typeof v === 'number') return String(v);
  return typeof v === 'string' && v.length > 0 ? v : null;
}

/** The provider's user info lacks the claim the name comes from: a clear error, not a 500. */
export function missingClaim(provider: string, claim: string, info: Record<string, unknown>): AuthSourceError {
  return new AuthSourceError(
    `${provider} did not tell the hub your user name (no “${claim}” in your account information). Ask an administrator.`,
    `${provider} user info has no usable "${claim}" claim (keys: ${Object.keys(info).sort().join(', ') || 'none'})`,
  );
}

/** Removes a trailing slash, so paths can be appended. */
export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function stripQuery(url: string): string {
  const i = url.indexOf('?');
  return i < 0 ? url : url.slice(0, i);
}
