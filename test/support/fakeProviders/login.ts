// Drives one login through a redirect authenticator against a fake provider, as a browser
// would: beginLogin → GET the authorize URL (the fake redirects straight back) → completeLogin
// with the callback's query → the login pipeline with the given policy.
import { decideLogin } from '../../../src/auth/pipeline.ts';
import type { Authenticated, AuthDenied, LoginOutcome, LoginPolicy, RedirectAuthenticator } from '../../../src/auth/types.ts';
import type { OAuthFake } from './oauthFake.ts';

/** Never contacted: the fake redirects to it and the test reads the redirect. */
export const CALLBACK_URL = 'http://127.0.0.1:9/hub/oauth_callback';

export function testPolicy(p: Partial<LoginPolicy> = {}): LoginPolicy {
  return {
    adminUsers: new Set(),
    allowedUsers: new Set(),
    blockedUsers: new Set(),
    allowAll: false,
    allowExistingUsers: false,
    isExistingUser: async () => false,
    manageGroups: false,
    allowedGroups: new Set(),
    adminGroups: new Set(),
    ...p,
  };
}

export interface LoginRun {
  /** What the authenticator said. */
  result: Authenticated | AuthDenied;
  /** What the pipeline decided. */
  outcome: LoginOutcome;
  /** The authorize request as the provider received it. */
  authorize: URL;
}

export async function loginAs(auth: RedirectAuthenticator, fake: OAuthFake, user: string, policy: LoginPolicy = testPolicy()): Promise<LoginRun> {
  fake.currentUser = user;
  const { redirectUrl, pending } = await auth.beginLogin({ callbackUrl: CALLBACK_URL });
  const res = await fetch(redirectUrl, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new Error(`fake authorize answered ${res.status}: ${await res.text()}`);
  const back = new URL(location);
  if (`${back.origin}${back.pathname}` !== CALLBACK_URL) throw new Error(`redirected to ${back.origin}${back.pathname}, not the callback`);
  const result = await auth.completeLogin({ callbackUrl: CALLBACK_URL, query: back.searchParams, pending });
  const outcome = await decideLogin(auth, result, policy);
  return { result, outcome, authorize: new URL(redirectUrl) };
}

/** The admitted name, or the refusal reason: what most assertions compare. */
export function verdict(run: LoginRun): string {
  return run.outcome.ok ? `ok:${run.outcome.name}` : `refused:${run.outcome.reason}`;
}
