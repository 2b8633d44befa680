// The Authenticator conformance suite: every implementation's test calls
// runAuthenticatorConformance with a factory that returns an authenticator plus credentials
// that must work and credentials that must not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeUsername } from '../domain/names.ts';
import { runLogin } from './pipeline.ts';
import { isAuthDenied, isAuthRejected, type PasswordAuthenticator, type LoginCredentials, type LoginPolicy } from './types.ts';

export interface AuthenticatorFixture {
  authenticator: PasswordAuthenticator;
  /** Credentials that authenticate. */
  good: LoginCredentials;
  /** The name `authenticate(good)` reports, before the pipeline normalizes it. */
  goodName: string;
  /** Credentials that must be rejected (wrong password, unknown user, …). */
  bad: LoginCredentials[];
  cleanup?: () => Promise<void>;
}

const openPolicy: LoginPolicy = {
  adminUsers: new Set(),
  allowedUsers: new Set(),
  blockedUsers: new Set(),
  allowAll: true,
  allowExistingUsers: false,
  isExistingUser: async () => false,
  manageGroups: false,
  allowedGroups: new Set(),
  adminGroups: new Set(),
};

const HOSTILE: LoginCredentials[] = [
  { username: '', password: '' },
  { username: '', password: 'x' },
  { username: 'x', password: '' },
  { username: 'a'.repeat(10_000), password: 'b'.repeat(10_000) },
  { username: '../../etc/passwd', password: 'x' },
  { username: "' OR 1=1 --", password: "' OR 1=1 --" },
  { username: 'a\u0000b', password: 'x\u0000' },
  { username: 'a/b', password: 'x' },
];

export function runAuthenticatorConformance(label: string, make: () => Promise<AuthenticatorFixture>): void {
  describe(`Authenticator conformance: ${label}`, () => {
    const withFixture = (fn: (f: AuthenticatorFixture) => Promise<void>) => async () => {
      const f = await make();
      try {
        await fn(f);
      } finally {
        await f.cleanup?.();
      }
    };

    it('describes itself', withFixture(async ({ authenticator: a }) => {
      assert.equal(typeof a.kind, 'string');
      assert.ok(a.kind.length > 0);
      assert.equal(typeof a.displayName, 'string');
      assert.ok(a.displayName.length > 0);
      assert.equal(typeof a.usesPasswordForm, 'boolean');
    }));

    it('accepts good credentials and reports the name', withFixture(async ({ authenticator: a, good, goodName }) => {
      const r = await a.authenticate(good);
      assert.ok(r !== null && !isAuthRejected(r) && !isAuthDenied(r), 'good credentials must authenticate');
      if (r && !isAuthRejected(r) && !isAuthDenied(r)) {
        assert.equal(r.name, goodName);
        assert.ok(r.admin === null || typeof r.admin === 'boolean');
        assert.ok(r.authState === null || typeof r.authState === 'object');
      }
    }));

    it('rejects bad credentials with null, never throwing', withFixture(async ({ authenticator: a, bad }) => {
      assert.ok(bad.length > 0, 'the fixture must list bad credentials');
      for (const c of bad) assert.equal(await a.authenticate(c), null, JSON.stringify(c).slice(0, 80));
    }));

    it('survives hostile input without throwing', withFixture(async ({ authenticator: a }) => {
      for (const c of HOSTILE) {
        const r = await a.authenticate(c);
        assert.ok(r === null || typeof r === 'object', JSON.stringify(c).slice(0, 80));
      }
    }));

    it('a password form means the password matters', withFixture(async ({ authenticator: a, good, bad }) => {
      if (!a.usesPasswordForm) return;
      const sameUser = bad.filter((c) => normalizeUsername(c.username) === normalizeUsername(good.username));
      const wrongPassword = await a.authenticate({ username: good.username, password: `${good.password}-wrong` });
      // open authenticators (dummy without a shared password) list no same-user bad credentials
      if (sameUser.length) assert.equal(wrongPassword, null);
    }));

    it('normalizeName, if any, is idempotent', withFixture(async ({ authenticator: a, goodName }) => {
      if (!a.normalizeName) return;
      const once = a.normalizeName(normalizeUsername(goodName));
      assert.equal(typeof once, 'string');
      assert.equal(a.normalizeName(once), once);
    }));

    it('logs in through the pipeline with the normalized name', withFixture(async ({ authenticator: a, good, goodName }) => {
      const out = await runLogin(a, good, openPolicy);
      assert.ok(out.ok, JSON.stringify(out));
      if (out.ok) {
        const want = a.normalizeName ? a.normalizeName(normalizeUsername(goodName)) : normalizeUsername(goodName);
        assert.equal(out.name, want);
      }
    }));

    it('handles concurrent logins', withFixture(async ({ authenticator: a, good, bad }) => {
      const results = await Promise.all([...Array.from({ length: 10 }, () => a.authenticate(good)), ...bad.map((c) => a.authenticate(c))]);
      for (const r of results.slice(0, 10)) assert.ok(r !== null && !isAuthRejected(r));
      for (const r of results.slice(10)) assert.equal(r, null);
    }));
  });
}
