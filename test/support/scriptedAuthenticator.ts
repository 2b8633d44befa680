// An in-process identity source for hub tests of what happens around authentication (auth
// state, groups, refresh): a PasswordAuthenticator whose users, groups, tokens and refresh
// answers the test sets. Any password is accepted for a known user. Refreshes are recorded and
// can be held at a gate to prove that concurrent requests share one refresh.
import type { Authenticated, LoginCredentials, PasswordAuthenticator, RefreshOutcome } from '../../src/auth/types.ts';

export interface ScriptedIdentity {
  authState: Record<string, unknown> | null;
  groups?: string[] | null;
  admin?: boolean | null;
}

export class ScriptedAuthenticator implements PasswordAuthenticator {
  readonly kind = 'scripted';
  readonly displayName = 'Scripted IdP';
  readonly usesPasswordForm = true;
  /** What a login of each user returns. */
  readonly identities = new Map<string, ScriptedIdentity>();
  /** What the next refreshes of a user answer (default fresh); an Error is thrown. */
  readonly refreshPlan = new Map<string, RefreshOutcome | Error>();
  /** Every refreshUser call, in order. */
  readonly refreshCalls: { name: string; authState: Record<string, unknown> | null }[] = [];
  private gate: Promise<void> | null = null;

  async authenticate(creds: LoginCredentials): Promise<Authenticated | null> {
    const i = this.identities.get(creds.username);
    if (!i) return null;
    return { name: creds.username, admin: i.admin ?? null, authState: i.authState, groups: i.groups ?? null };
  }

  async refreshUser(user: { name: string; authState: Record<string, unknown> | null }): Promise<RefreshOutcome> {
    this.refreshCalls.push(user);
    await this.gate;
    const planned = this.refreshPlan.get(user.name) ?? { kind: 'fresh' };
    if (planned instanceof Error) throw planned;
    return planned;
  }

  /** Holds every refresh until the returned function is called. */
  hold(): () => void {
    let release = () => undefined as void;
    this.gate = new Promise<void>((r) => (release = r));
    return () => {
      this.gate = null;
      release();
    };
  }
}
