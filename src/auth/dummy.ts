// DummyAuthenticator: any username with any password, or with one shared password. For
// trials and tests only; it says so once, loudly, when created.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { Authenticated, PasswordAuthenticator, LoginCredentials } from './types.ts';

export interface DummyAuthenticatorOptions {
  /** null = any password is accepted; otherwise only this shared password. */
  password: string | null;
  logger: Logger;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

export class DummyAuthenticator implements PasswordAuthenticator {
  readonly kind = 'dummy';
  readonly displayName = 'Dummy';
  readonly usesPasswordForm = true as const;
  private readonly passwordDigest: Buffer | null;

  constructor(opts: DummyAuthenticatorOptions) {
    this.passwordDigest = opts.password === null ? null : digest(opts.password);
    opts.logger.warn(
      { authenticator: 'dummy', sharedPassword: opts.password !== null },
      opts.password === null
        ? 'DummyAuthenticator is insecure: anyone can log in as any user with any password. Use it for testing only.'
        : 'DummyAuthenticator is insecure: everyone shares one password and can log in as any user. Use it for testing only.',
    );
  }

  async authenticate(creds: LoginCredentials): Promise<Authenticated | null> {
    if (typeof creds.username !== 'string' || typeof creds.password !== 'string') return null;
    if (creds.username.trim() === '') return null;
    if (this.passwordDigest && !timingSafeEqual(digest(creds.password), this.passwordDigest)) return null;
    return { name: creds.username, admin: null, authState: null };
  }
}
