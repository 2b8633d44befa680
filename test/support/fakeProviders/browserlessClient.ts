// Plain HTTP as a browser does it for a login: follows redirects one by one (across the hub
// and a provider fake) and keeps cookies per host, without a real browser.
export interface Hop {
  url: string;
  status: number;
  location: string | null;
}

export class CookieClient {
  /** host → cookie name → value (browsers share cookies across ports of one host; so do we). */
  private readonly jar = new Map<string, Map<string, string>>();

  /** GETs `url` and follows up to `maxHops` redirects; stops early when `stop` says so. */
  async follow(url: string, opts: { maxHops?: number; stop?: (u: URL) => boolean } = {}): Promise<{ hops: Hop[]; final: Response; body: string }> {
    const hops: Hop[] = [];
    let current = url;
    for (let i = 0; i <= (opts.maxHops ?? 10); i++) {
      const res = await this.get(current);
      const location = res.headers.get('location');
      hops.push({ url: current, status: res.status, location });
      if (res.status < 300 || res.status > 399 || !location) return { hops, final: res, body: await res.text() };
      await res.arrayBuffer();
      const next = new URL(location, current);
      if (opts.stop?.(next)) return { hops, final: res, body: '' };
      current = next.href;
    }
    throw new Error(`more than ${opts.maxHops ?? 10} redirects: ${hops.map((h) => h.url).join(' → ')}`);
  }

  async get(url: string): Promise<Response> {
    const u = new URL(url);
    const cookies = [...(this.jar.get(u.hostname) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(u, { redirect: 'manual', headers: cookies ? { cookie: cookies } : {} });
    this.store(u.hostname, res.headers.getSetCookie());
    return res;
  }

  private store(host: string, setCookies: string[]): void {
    const jar = this.jar.get(host) ?? new Map<string, string>();
    this.jar.set(host, jar);
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now()));
      if (expired) jar.delete(name);
      else jar.set(name, pair.slice(eq + 1).trim());
    }
  }
}
