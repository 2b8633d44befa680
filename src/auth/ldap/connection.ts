// One connection to the directory for one login, opened the way tlsStrategy says, with every
// step bounded in time. The directory answering "no" (a result code: wrong password, no such
// entry) is told apart from the directory not answering (refused connection, TLS failure,
// timeout): the first is a refused login, the second an AuthSourceError the login page shows
// as "the directory is unreachable". No error text here ever contains a password.
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Client, ResultCodeError, SizeLimitExceededError, type Entry } from 'ldapts';
import { AuthSourceError } from '../types.ts';
import type { LdapTlsStrategy } from '../../config/schema/ldap.ts';

export interface DirectoryEndpoint {
  address: string;
  port: number;
  tlsStrategy: LdapTlsStrategy;
  /** CA bundle, client certificate and key (PEM), already read. */
  tls: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  timeoutMs: number;
}

export const UNREACHABLE_MESSAGE = 'The directory is unreachable, so nobody can log in right now. Please try again in a few minutes, or tell an administrator.';

/** What a search found: the entries, or `tooMany` when more matched than were asked for. */
export interface SearchOutcome {
  entries: Entry[];
  tooMany: boolean;
}

export interface SearchRequest {
  base: string;
  scope: 'base' | 'sub';
  filter: string;
  attributes: string[];
  /** Stop after this many entries (0: no limit). */
  sizeLimit?: number;
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return `${e?.name ?? 'Error'}${e?.code ? ` ${e.code}` : ''}: ${e?.message ?? String(err)}`;
}

export class DirectoryConnection {
  private readonly client: Client;

  constructor(private readonly endpoint: DirectoryEndpoint) {
    const { address, port, tlsStrategy, tls, timeoutMs } = endpoint;
    const host = isIP(address) === 6 ? `[${address}]` : address;
    this.client = new Client({
      url: `${tlsStrategy === 'on_connect' ? 'ldaps' : 'ldap'}://${host}:${port}`,
      connectTimeout: timeoutMs,
      timeout: timeoutMs,
      tlsOptions: tlsStrategy === 'on_connect' ? this.tlsOptions(tls) : undefined,
    });
  }

  private tlsOptions(tls: DirectoryEndpoint['tls']): ConnectionOptions {
    const { address } = this.endpoint;
    return {
      host: address,
      // SNI only carries DNS names; an IP address is still checked against the certificate's SANs via host
      ...(isIP(address) ? {} : { servername: address }),
      ...(tls.ca ? { ca: tls.ca } : {}),
      ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
      minVersion: 'TLSv1.2',
    };
  }

  /** Connects (and upgrades with StartTLS for before_bind); throws AuthSourceError when that fails. */
  async open(): Promise<void> {
    if (this.endpoint.tlsStrategy !== 'before_bind') return; // ldapts connects on the first request
    await this.guard('StartTLS', () => this.client.startTLS(this.tlsOptions(this.endpoint.tls)));
  }

  /** True when the directory accepted the DN and password; false when it refused them. */
  async bind(dn: string, password: string): Promise<boolean> {
    try {
      await this.guard('bind', () => this.client.bind(dn, password));
      return true;
    } catch (e) {
      if (e instanceof ResultCodeError) return false;
      throw e;
    }
  }

  /** A search; a result code (no such base entry, …) counts as "found nothing". */
  async search(req: SearchRequest): Promise<SearchOutcome> {
    try {
      const r = await this.guard('search', () =>
        this.client.search(req.base, { scope: req.scope, filter: req.filter, attributes: req.attributes, sizeLimit: req.sizeLimit ?? 0 }),
      );
      return { entries: r.searchEntries, tooMany: false };
    } catch (e) {
      if (e instanceof SizeLimitExceededError) return { entries: [], tooMany: true };
      if (e instanceof ResultCodeError) return { entries: [], tooMany: false };
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.client.unbind().catch(() => undefined);
  }

  /**
   * Runs one request with a deadline (ldapts bounds connect and requests, not a TLS handshake
   * that stalls); a failure that is not the directory's answer becomes an AuthSourceError.
   */
  private async guard<T>(what: string, step: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${this.endpoint.timeoutMs} ms`), { code: 'ETIMEDOUT' })), this.endpoint.timeoutMs + 500);
    });
    try {
      return await Promise.race([step(), deadline]);
    } catch (e) {
      if (e instanceof ResultCodeError) throw e;
      await this.close();
      const { address, port, tlsStrategy } = this.endpoint;
      throw new AuthSourceError(UNREACHABLE_MESSAGE, `LDAP ${what} at ${address}:${port} (tlsStrategy ${tlsStrategy}) failed: ${describe(e)}`, 503);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** An entry's attributes as lists of strings (ldap3's entry_attributes_as_dict), without the DN. */
export function entryAttributes(entry: Entry): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(entry)) {
    if (name === 'dn') continue;
    const list = Array.isArray(value) ? value : [value];
    out[name] = list.map((v) => (Buffer.isBuffer(v) ? v.toString('base64') : String(v)));
  }
  return out;
}
