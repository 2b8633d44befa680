// Re-checking a logged-in user with the identity provider (JupyterHub's refresh_user):
// - on a cookie- or token-authenticated request of a user whose auth is older than
//   auth.refresh.maxAgeSeconds (0: never on requests); a fresh user costs no I/O at all,
// - before a spawn when auth.refresh.preSpawn (default: when auth state is enabled).
// At most one refresh per user is in flight; concurrent callers share it.
// Outcomes (RefreshOutcome): fresh → the time is recorded; updated → new auth state, admin and
// groups are applied through the login pipeline's rules; relogin → the user's sessions end, their
// requests are refused until they log in again, and with stopServers their servers stop.
// A provider that fails (throws) is not the user's fault: requests go on and the check is
// retried after a short pause, but a spawn is refused until the provider answers.
import type { Logger } from 'pino';
import type { Store } from '../store/types.ts';
import { AuthSourceError, type Authenticator, type LoginPolicy } from '../auth/types.ts';
import { decideLogin } from '../auth/pipeline.ts';
import type { AuthStates } from './authStates.ts';

export type RefreshResult =
  | { ok: true }
  /** The user must log in again (`reason` is safe to show and log). */
  | { ok: false; relogin: true; reason: string }
  /** The identity provider could not be asked (`reason` is safe to show and log). */
  | { ok: false; relogin: false; reason: string };

export interface AuthRefreshDeps {
  store: Store;
  authenticator: Authenticator;
  policy: LoginPolicy;
  authStates: AuthStates;
  /** auth.refresh.maxAgeSeconds in ms; 0: no refresh on requests. */
  maxAgeMs: number;
  /** Refresh before every spawn. */
  preSpawn: boolean;
  logger: Logger;
  now: () => Date;
  /** Users' admin flag, groups or sessions changed: drop cached identities. */
  onChanged: () => void;
  /** Stops every server of the user (relogin with stopServers). */
  stopServers: (userName: string) => Promise<void>;
  /** Pause before asking again after the provider failed (default 30 s). */
  retryAfterFailureMs?: number;
}

const OK: RefreshResult = { ok: true };
const MEMORY_MAX = 100_000;

export class AuthRefresher {
  private readonly inFlight = new Map<string, Promise<RefreshResult>>();
  /** Last time this hub confirmed (or failed to reach the provider for) each user, in ms. */
  private readonly checked = new Map<string, number>();
  /** Users who must log in again, with the reason. */
  private readonly relogin = new Map<string, string>();

  constructor(private readonly d: AuthRefreshDeps) {}

  /** Whether the authenticator can refresh at all. */
  get active(): boolean {
    return typeof this.d.authenticator.refreshUser === 'function';
  }

  /** For an authenticated request of a user; answers at once unless their auth is stale. */
  async onRequest(user: { name: string; authRefreshed: Date | null }): Promise<RefreshResult> {
    if (!this.active) return OK;
    const mustRelogin = this.relogin.get(user.name);
    if (mustRelogin !== undefined) return { ok: false, relogin: true, reason: mustRelogin };
    if (this.d.maxAgeMs <= 0) return OK;
    const last = Math.max(this.checked.get(user.name) ?? 0, user.authRefreshed?.getTime() ?? 0);
    if (this.d.now().getTime() - last < this.d.maxAgeMs) return OK;
    const r = await this.refresh(user.name);
    return r.ok || r.relogin ? r : OK;
  }

  /** Before spawning a server of `userName` (auth.refresh.preSpawn). */
  async beforeSpawn(userName: string): Promise<RefreshResult> {
    if (!this.active || !this.d.preSpawn) return OK;
    return this.refresh(userName);
  }

  /** The user just logged in: their auth is fresh and any relogin demand is met. */
  loggedIn(userName: string): void {
    this.relogin.delete(userName);
    this.remember(userName, this.d.now().getTime());
  }

  /** Refreshes now, sharing a refresh already in flight for the user. */
  refresh(userName: string): Promise<RefreshResult> {
    const running = this.inFlight.get(userName);
    if (running) return running;
    const p = this.run(userName).finally(() => this.inFlight.delete(userName));
    this.inFlight.set(userName, p);
    return p;
  }

  private remember(userName: string, ms: number): void {
    if (this.checked.size >= MEMORY_MAX) this.checked.clear();
    this.checked.set(userName, ms);
  }

  private async run(userName: string): Promise<RefreshResult> {
    const { store, authenticator, authStates, logger } = this.d;
    const log = logger.child({ user: userName, component: 'auth-refresh' });
    const user = await store.getUser(userName);
    if (!user) return { ok: false, relogin: true, reason: 'This user no longer exists.' };
    const state = await authStates.read(user);
    let outcome;
    try {
      outcome = await authenticator.refreshUser!({ name: userName, authState: state });
    } catch (e) {
      const why = e instanceof AuthSourceError ? e.logDetail : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      log.warn({ reason: why }, 'could not re-check the user with the identity provider');
      const retry = this.d.retryAfterFailureMs ?? 30_000;
      this.remember(userName, this.d.now().getTime() - this.d.maxAgeMs + retry);
      return { ok: false, relogin: false, reason: `Could not re-check your login with ${authenticator.displayName}; try again in a moment.` };
    }
    const now = this.d.now();
    if (outcome.kind === 'fresh') {
      await store.updateUser(userName, { authRefreshed: now });
      this.remember(userName, now.getTime());
      return OK;
    }
    if (outcome.kind === 'updated') {
      const decided = await decideLogin(authenticator, { ...outcome.authenticated, name: userName }, this.d.policy);
      if (!decided.ok) return this.demandRelogin(userName, `the login pipeline now refuses the user (${decided.reason})`, false, log);
      await store.updateUser(userName, {
        authRefreshed: now,
        ...(decided.admin !== null && decided.admin !== user.admin ? { admin: decided.admin } : {}),
        ...(authStates.enabled ? { encryptedAuthState: authStates.seal(user, decided.authState) } : {}),
      });
      if (decided.groups !== null) await store.setUserGroups(userName, decided.groups, { createMissing: true });
      this.remember(userName, now.getTime());
      this.d.onChanged();
      log.info('auth refreshed with new information from the identity provider');
      return OK;
    }
    return this.demandRelogin(userName, outcome.reason, outcome.stopServers, log);
  }

  /** `why` is for the log (the provider's reason); the user is told to log in again. */
  private async demandRelogin(userName: string, why: string, stopServers: boolean, log: Logger): Promise<RefreshResult> {
    const reason = `Your login with ${this.d.authenticator.displayName} has expired or was revoked: please log in again.`;
    this.relogin.set(userName, reason);
    if (this.relogin.size > MEMORY_MAX) this.relogin.delete(this.relogin.keys().next().value as string);
    const ended = await this.d.store.deleteSessionsOfUser(userName);
    this.d.onChanged();
    log.info({ reason: why, sessionsEnded: ended, stopServers }, 'user must log in again');
    if (stopServers) {
      await this.d.stopServers(userName).catch((err: unknown) => log.error({ err }, 'could not stop the servers of a user who must log in again'));
    }
    return { ok: false, relogin: true, reason };
  }
}
