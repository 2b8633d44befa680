// Shared plumbing of the Store conformance cases: fresh stores per test, fixtures, helpers.
import type { TestContext } from 'node:test';
import type { NewToken, Store, TokenOwner } from '../types.ts';

export interface StoreConformanceOptions {
  /**
   * Opens a second Store on the same database as `store` (a restarted hub, or a second
   * replica). Enables the persistence and cross-connection cases.
   */
  openSame?: (store: Store) => Promise<Store>;
  /** Two stores on one database may migrate and write at the same time (not SQLite in one process). */
  concurrentReplicas?: boolean;
  /** Users in the large listing case (default 50,000; 0 skips it). */
  largeUserCount?: number;
}

export interface Harness {
  /** A migrated store on an empty database, closed when the test ends. */
  fresh(t: TestContext): Promise<Store>;
  /** A store on an empty database that has not been migrated yet, closed when the test ends. */
  unmigrated(t: TestContext): Promise<Store>;
  /** Another store on the same database, closed when the test ends (only with `openSame`). */
  same?: (t: TestContext, store: Store) => Promise<Store>;
  options: StoreConformanceOptions;
}

export function makeHarness(
  open: () => Promise<Store>,
  close: (store: Store) => Promise<void>,
  options: StoreConformanceOptions,
): Harness {
  const unmigrated = async (t: TestContext): Promise<Store> => {
    const store = await open();
    t.after(() => close(store));
    return store;
  };
  const openSame = options.openSame;
  return {
    unmigrated,
    fresh: async (t) => {
      const store = await unmigrated(t);
      await store.migrate();
      return store;
    },
    same: openSame
      ? async (t, store) => {
          const other = await openSame(store);
          t.after(() => close(other));
          return other;
        }
      : undefined,
    options,
  };
}

/** Timestamps with millisecond detail, to prove exact round-trips. */
export const T0 = new Date('2024-02-29T23:59:58.123Z');
export function at(msAfterT0: number): Date {
  return new Date(T0.getTime() + msAfterT0);
}

export function newToken(owner: TokenOwner, hash: string, extra: Partial<NewToken> = {}): NewToken {
  return {
    owner,
    hash,
    scopes: ['read:users', 'access:servers!user=alice'],
    note: '',
    expiresAt: null,
    sessionId: null,
    oauthClientId: null,
    ...extra,
  };
}

export function names(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`);
}

export function isStoreError(code: string): (err: unknown) => boolean {
  return (err) => (err as { code?: unknown } | null)?.code === code;
}
