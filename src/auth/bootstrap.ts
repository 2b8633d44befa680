// First-admin bootstrap for the native authenticator. Admins listed in `auth.admin.users`
// who have no native account get a one-time sign-up token: the hub prints it ONCE (the replica
// that created it, at the start that created it); only its sha256 is stored, in the hub
// settings, with an expiry. Signing up as an admin name requires it; it is consumed on use.
//
// Hub side: at start `const fresh = await bootstrap.prepare(adminUsers)` → print each
// {name, token} once (console, not the structured log); the sign-up page passes the token to
// NativeAuthenticator.signUp, which checks and consumes it.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/types.ts';

export type BootstrapSettings = Pick<Store, 'getSetting' | 'setSettingIfAbsent' | 'deleteSetting'>;
export type BootstrapAccounts = Pick<Store, 'getNativeUser'>;

export interface AdminBootstrapOptions {
  settings: BootstrapSettings;
  accounts: BootstrapAccounts;
  /** Cryptographically random, URL-safe, ≥ 128 bits. */
  randomToken: () => string;
  now: () => Date;
  /** How long a printed token stays valid (default 7 days); a later start prints a new one. */
  ttlMs?: number;
}

interface StoredToken {
  hash: string;
  expires: number;
}

export const BOOTSTRAP_SETTING_PREFIX = 'native.bootstrap.';
const DEFAULT_TTL_MS = 7 * 24 * 3600 * 1000;

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

function parseStored(v: string | null): StoredToken | null {
  if (!v) return null;
  try {
    const o = JSON.parse(v) as Partial<StoredToken>;
    return typeof o.hash === 'string' && typeof o.expires === 'number' ? { hash: o.hash, expires: o.expires } : null;
  } catch {
    return null;
  }
}

export class AdminBootstrap {
  private readonly ttlMs: number;

  constructor(private readonly opts: AdminBootstrapOptions) {
    this.ttlMs = opts.ttlMs ?? DEFAULT_TTL_MS;
  }

  private key(name: string): string {
    return `${BOOTSTRAP_SETTING_PREFIX}${name}`;
  }

  /**
   * Creates tokens for admins without a native account and without a valid pending token.
   * Returns only the tokens this call created (print them once); safe to run on every start
   * and on several replicas at once (first writer wins, only the winner gets the token).
   */
  async prepare(adminUsers: Iterable<string>): Promise<{ name: string; token: string }[]> {
    const out: { name: string; token: string }[] = [];
    for (const name of adminUsers) {
      if (await this.opts.accounts.getNativeUser(name)) {
        await this.opts.settings.deleteSetting(this.key(name));
        continue;
      }
      const now = this.opts.now().getTime();
      const existing = parseStored(await this.opts.settings.getSetting(this.key(name)));
      if (existing && existing.expires > now) continue;
      if (existing) await this.opts.settings.deleteSetting(this.key(name));
      const token = this.opts.randomToken();
      const value = JSON.stringify({ hash: sha256(token).toString('hex'), expires: now + this.ttlMs } satisfies StoredToken);
      const stored = await this.opts.settings.setSettingIfAbsent(this.key(name), value);
      if (stored === value) out.push({ name, token });
    }
    return out;
  }

  /** True when a valid, unexpired token for this admin is pending. */
  async pending(name: string): Promise<boolean> {
    const s = parseStored(await this.opts.settings.getSetting(this.key(name)));
    return s !== null && s.expires > this.opts.now().getTime();
  }

  /** Constant-time check of a presented token. */
  async check(name: string, token: string): Promise<boolean> {
    const s = parseStored(await this.opts.settings.getSetting(this.key(name)));
    const presented = sha256(token);
    const stored = s && /^[0-9a-f]{64}$/.test(s.hash) ? Buffer.from(s.hash, 'hex') : Buffer.alloc(32);
    const same = timingSafeEqual(presented, stored);
    return same && s !== null && s.expires > this.opts.now().getTime();
  }

  /** Removes the token (after the admin's account was created). */
  async consume(name: string): Promise<void> {
    await this.opts.settings.deleteSetting(this.key(name));
  }
}
