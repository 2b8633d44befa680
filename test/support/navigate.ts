// Browser-like navigations with a CookieJar over node:http: fetch always sends
// Sec-Fetch-Mode: cors, and jupyterhub-singleuser / HubOAuth accept their cookie without an
// xsrf token only on navigations (Sec-Fetch-Mode: navigate), as a browser sends them.
import http from 'node:http';
import type { CookieJar } from '../api/support.ts';

/** One GET navigation (or a form POST) with the jar's cookies; Set-Cookie goes back into the jar. */
export function navigate(jar: CookieJar, url: string, form?: Record<string, string>): Promise<Response> {
  const u = new URL(url);
  const headers: Record<string, string> = { 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Site': 'same-origin' };
  const c = jar.header(u.pathname);
  if (c) headers.cookie = c;
  const body = form ? new URLSearchParams(form).toString() : undefined;
  if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  return new Promise((resolve, reject) => {
    const req = http.request(u, { method: form ? 'POST' : 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) h.append(k, one);
        const r = new Response(res.statusCode === 204 || res.statusCode === 304 ? null : Buffer.concat(chunks), { status: res.statusCode, headers: h });
        jar.take(r);
        resolve(r);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Follows redirects by hand from a navigation (or form POST), up to 10 hops; returns the last answer. */
export async function follow(jar: CookieJar, url: string, form?: Record<string, string>): Promise<{ res: Response; url: string }> {
  let next = url;
  let res = await navigate(jar, next, form);
  for (let i = 0; i < 10; i++) {
    const loc = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !loc) return { res, url: next };
    await res.arrayBuffer();
    next = new URL(loc, next).toString();
    res = await navigate(jar, next);
  }
  throw new Error(`more than 10 redirects from ${url}`);
}
