// The hub's view of users' auth state: decrypted on read, sealed on write (src/auth/authState.ts).
// With auth.state.enabled false nothing is kept: writes are dropped and reads answer null.
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import type { Store, UserRecord } from '../store/types.ts';
import {
  AuthStateOpenError,
  CryptoKeyError,
  openAuthState,
  parseCryptoKeys,
  sealAuthState,
  sealedKeyId,
  type CryptoKey,
} from '../auth/authState.ts';

export type AuthState = Record<string, unknown>;

export class AuthStates {
  constructor(
    private readonly store: Store,
    /** null: auth state is disabled. */
    private readonly keys: readonly CryptoKey[] | null,
    private readonly logger: Logger,
  ) {}

  get enabled(): boolean {
    return this.keys !== null;
  }

  /** The user's decrypted auth state; null when none, disabled, or unreadable (logged). */
  async read(user: UserRecord | string): Promise<AuthState | null> {
    if (!this.keys) return null;
    const u = typeof user === 'string' ? await this.store.getUser(user) : user;
    if (!u?.encryptedAuthState) return null;
    try {
      const state = openAuthState(this.keys, u.id, u.encryptedAuthState);
      if (sealedKeyId(u.encryptedAuthState) !== this.keys[0].id) await this.reseal(u, state);
      return state;
    } catch (e) {
      if (!(e instanceof AuthStateOpenError) && !(e instanceof SyntaxError)) throw e;
      this.logger.warn({ user: u.name, reason: e.message }, 'auth state of the user cannot be read; treating it as empty');
      return null;
    }
  }

  /**
   * Key rotation: a state sealed with an older key is sealed again with the first key when it is
   * read, so the old key can be dropped once every active user's state was read or rewritten.
   * Compare-and-set on the old value, so a state written meanwhile is not overwritten.
   */
  private async reseal(u: UserRecord, state: AuthState): Promise<void> {
    await this.store
      .updateUser(u.name, { encryptedAuthState: this.seal(u, state), ifEncryptedAuthState: u.encryptedAuthState })
      .then(() => this.logger.info({ user: u.name, key: this.keys![0].id }, 'auth state sealed again with the current key'))
      .catch((err: unknown) => this.logger.warn({ user: u.name, err }, 'could not seal auth state with the current key'));
  }

  /** The sealed value to store for `state` (null clears); undefined when auth state is disabled. */
  seal(user: Pick<UserRecord, 'id'>, state: AuthState | null): string | null | undefined {
    if (!this.keys) return undefined;
    return state === null ? null : sealAuthState(this.keys, user.id, state);
  }

  /** Stores the user's state sealed (null clears it); false for an unknown user. No-op when disabled. */
  async write(userName: string, state: AuthState | null): Promise<boolean> {
    if (!this.keys) return true;
    const u = await this.store.getUser(userName);
    if (!u) return false;
    await this.store.updateUser(userName, { encryptedAuthState: this.seal(u, state) });
    return true;
  }
}

/**
 * From config: disabled, or enabled with parsed keys. Throws CryptoKeyError (a clear start
 * error, no key material in it) when enabled without a usable key.
 */
export function buildAuthStates(config: Config, store: Store, logger: Logger): AuthStates {
  const { enabled, cryptoKey } = config.auth.state;
  if (!enabled) return new AuthStates(store, null, logger);
  if (!cryptoKey) {
    throw new CryptoKeyError('auth.state.enabled is true but no key is set: set auth.state.cryptoKey or NBHUB_CRYPT_KEY (`openssl rand -hex 32`)');
  }
  const keys = parseCryptoKeys(cryptoKey);
  logger.info({ keys: keys.map((k) => k.id) }, 'auth state is kept encrypted (sealing with the first key)');
  return new AuthStates(store, keys, logger);
}
