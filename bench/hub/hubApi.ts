// The few JupyterHub REST API calls the benchmark makes, with the admin token, through the
// public proxy URL.
import { fetchBounded } from '../lib/http.ts';
import type { HubUnderTest } from './types.ts';

export class HubApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface ServerModel {
  ready?: boolean;
  pending?: string | null;
  url?: string;
}

export interface UserModel {
  name: string;
  servers?: Record<string, ServerModel>;
  server?: string | null;
  pending?: string | null;
}

export class HubApi {
  constructor(private readonly hub: HubUnderTest) {}

  url(p: string): string {
    return `${this.hub.publicUrl}hub/api/${p}`;
  }

  async call(method: string, p: string, body?: unknown, timeoutMs = 60_000, headers: Record<string, string> = {}): Promise<Response> {
    return fetchBounded(this.url(p), {
      method,
      timeoutMs,
      headers: { Authorization: `token ${this.hub.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /** Calls and insists on one of `ok` statuses; returns the parsed JSON body (or null). */
  async expect(method: string, p: string, ok: number[], body?: unknown, timeoutMs?: number): Promise<unknown> {
    const r = await this.call(method, p, body, timeoutMs);
    const text = await r.text();
    if (!ok.includes(r.status)) {
      throw new HubApiError(r.status, `${this.hub.label}: ${method} /hub/api/${p} answered ${r.status} (wanted ${ok.join(' or ')}): ${text.slice(0, 300)}`);
    }
    return text ? (JSON.parse(text) as unknown) : null;
  }

  async createUser(name: string): Promise<void> {
    await this.expect('POST', `users/${encodeURIComponent(name)}`, [201]);
  }

  /** Total number of users, from the paginated list (JupyterHub 2.0+ pagination). */
  async countUsers(): Promise<number> {
    const r = await this.call('GET', 'users?limit=1', undefined, 60_000, { Accept: 'application/jupyterhub-pagination+json' });
    const text = await r.text();
    const total = r.status === 200 ? (JSON.parse(text) as { _pagination?: { total?: number } })._pagination?.total : undefined;
    if (typeof total !== 'number') throw new HubApiError(r.status, `${this.hub.label}: GET /hub/api/users?limit=1 gave no _pagination.total (${r.status}): ${text.slice(0, 200)}`);
    return total;
  }

  async getUser(name: string): Promise<UserModel> {
    return (await this.expect('GET', `users/${encodeURIComponent(name)}`, [200])) as UserModel;
  }
}
