// The Store conformance suite: every Store implementation's test calls runStoreConformance.
// `open` returns a store on a fresh, empty database (not yet migrated; the cases migrate).
import { describe } from 'node:test';
import { makeHarness, type StoreConformanceOptions } from './cases/harness.ts';
import { groupCases } from './cases/groups.ts';
import { lifecycleCases } from './cases/lifecycle.ts';
import { listingCases } from './cases/listing.ts';
import { oauthCases } from './cases/oauth.ts';
import { serverCases } from './cases/servers.ts';
import { serverLifecycleCases } from './cases/serverLifecycle.ts';
import { nativeUserCases, settingCases } from './cases/settings.ts';
import { tokenCases } from './cases/tokens.ts';
import { userCases } from './cases/users.ts';
import type { Store } from './types.ts';

export type { StoreConformanceOptions } from './cases/harness.ts';

export function runStoreConformance(
  label: string,
  open: () => Promise<Store>,
  close: (store: Store) => Promise<void> = (store) => store.close(),
  options: StoreConformanceOptions = {},
): void {
  const h = makeHarness(open, close, options);
  describe(`Store conformance: ${label}`, () => {
    describe('lifecycle', () => lifecycleCases(h));
    describe('users', () => userCases(h));
    describe('listUsers', () => listingCases(h));
    describe('groups', () => groupCases(h));
    describe('servers', () => serverCases(h));
    describe('server lifecycle and replicas', () => serverLifecycleCases(h));
    describe('tokens', () => tokenCases(h));
    describe('oauth and sessions', () => oauthCases(h));
    describe('native users', () => nativeUserCases(h));
    describe('settings', () => settingCases(h));
  });
}
