// A tiny REST client for the hub API in tests.
export class HubApi {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
    const res = await fetch(`${this.baseUrl}hub/api${path}`, {
      method,
      headers: { Authorization: `token ${this.token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual',
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  get(path: string) {
    return this.call('GET', path);
  }

  /** Polls until `check` returns a value (bounded). */
  async until<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = await check();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async startServer(user: string): Promise<void> {
    const r = await this.call('POST', `/users/${encodeURIComponent(user)}/server`);
    if (r.status !== 201 && r.status !== 202) throw new Error(`spawn of ${user} failed: ${r.status} ${JSON.stringify(r.body)}`);
    await this.until(`${user}'s server to be ready`, async () => {
      const u = await this.get(`/users/${encodeURIComponent(user)}`);
      return u.body?.servers?.['']?.ready === true;
    });
  }
}
