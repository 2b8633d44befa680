// NativeAuthenticator: accounts with passwords kept by the hub (argon2id; bcrypt hashes from
// the Python NativeAuthenticator verify and are upgraded on login).
//
// Sign-up rules:
// - the name is normalized and validated like every hub user name;
// - the password must pass passwordPolicy.ts (minimum length, not the username, not common);
// - names in `auth.admin.users` can only be signed up with the admin's one-time bootstrap
//   token (bootstrap.ts) — otherwise anyone could claim an admin name first; such accounts
//   are approved at once and the token is consumed;
// - any other account is approved at once when `openSignup` is true, else it waits for an
//   admin (`approve`); logging in before that says so (after the password was checked).
import type { Logger } from 'pino';
import type { Store } from '../store/types.ts';
import { StoreConflictError } from '../store/types.ts';
import { normalizeUsername, validateUsername } from '../domain/names.ts';
import { hashPassword, needsRehash, verifyPassword } from './passwords.ts';
import { passwordProblem } from './passwordPolicy.ts';
import type { AdminBootstrap } from './bootstrap.ts';
import type { AuthRejected, Authenticated, PasswordAuthenticator, LoginCredentials } from './types.ts';

/** The part of the Store the native authenticator needs (an in-memory fake works in tests). */
export type NativeAccounts = Pick<Store, 'getNativeUser' | 'createNativeUser' | 'updateNativeUser'>;

export interface NativeAuthenticatorOptions {
  store: NativeAccounts;
  openSignup: boolean;
  /** Default 8. */
  minimumPasswordLength?: number;
  /** `auth.admin.users`: these names need a bootstrap token to sign up. */
  adminUsers?: ReadonlySet<string>;
  /** Required for admins to sign up; null = admin names cannot sign up. */
  bootstrap?: Pick<AdminBootstrap, 'check' | 'consume'> | null;
  logger: Logger;
  now?: () => Date;
}

export type SignUpResult = { ok: true; approved: boolean } | { ok: false; message: string };
export type ChangeResult = { ok: true } | { ok: false; message: string };

export const PENDING_APPROVAL_MESSAGE = 'Your account has not been approved by an administrator yet.';

export class NativeAuthenticator implements PasswordAuthenticator {
  readonly kind = 'native';
  readonly displayName = 'Native';
  readonly usesPasswordForm = true as const;
  readonly openSignup: boolean;
  private readonly minimumPasswordLength: number;
  private readonly adminUsers: ReadonlySet<string>;
  private readonly now: () => Date;
  /** Verified against when the user is unknown, so unknown names cost the same time. */
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly opts: NativeAuthenticatorOptions) {
    this.openSignup = opts.openSignup;
    this.minimumPasswordLength = opts.minimumPasswordLength ?? 8;
    this.adminUsers = opts.adminUsers ?? new Set();
    this.now = opts.now ?? (() => new Date());
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= hashPassword('nbhub: no such account');
    return this.dummyHash;
  }

  async authenticate(creds: LoginCredentials): Promise<Authenticated | AuthRejected | null> {
    if (typeof creds.username !== 'string' || typeof creds.password !== 'string') return null;
    const name = normalizeUsername(creds.username);
    const rec = validateUsername(name) === null ? await this.opts.store.getNativeUser(name) : null;
    if (!rec) {
      await verifyPassword(await this.dummy(), creds.password);
      return null;
    }
    if (!(await verifyPassword(rec.passwordHash, creds.password))) return null;
    if (needsRehash(rec.passwordHash)) await this.upgradeHash(name, creds.password);
    if (!rec.approved) return { rejected: 'pending-approval', userMessage: PENDING_APPROVAL_MESSAGE };
    return { name, admin: null, authState: null };
  }

  private async upgradeHash(name: string, password: string): Promise<void> {
    try {
      await this.opts.store.updateNativeUser(name, { passwordHash: await hashPassword(password) });
      this.opts.logger.info({ user: name }, 'upgraded password hash to argon2id');
    } catch (err) {
      this.opts.logger.warn({ err, user: name }, 'could not upgrade password hash');
    }
  }

  /** Why this password is not acceptable for this (normalized) name, or null. */
  passwordProblem(name: string, password: string): string | null {
    return passwordProblem(name, password, { minimumLength: this.minimumPasswordLength });
  }

  /** Creates an account; see the rules at the top of this file. */
  async signUp(rawName: string, password: string, bootstrapToken?: string): Promise<SignUpResult> {
    const name = normalizeUsername(rawName);
    const nameProblem = validateUsername(name);
    if (nameProblem) return { ok: false, message: `${nameProblem}.` };
    const pwProblem = this.passwordProblem(name, password);
    if (pwProblem) return { ok: false, message: pwProblem };
    const isAdmin = this.adminUsers.has(name);
    if (isAdmin) {
      const valid = !!bootstrapToken && !!this.opts.bootstrap && (await this.opts.bootstrap.check(name, bootstrapToken));
      if (!valid) return { ok: false, message: `${name} is an admin account: enter the admin set-up token printed by the hub at its first start.` };
    }
    if (await this.opts.store.getNativeUser(name)) return { ok: false, message: `The username ${name} is already taken.` };
    const approved = isAdmin || this.openSignup;
    try {
      await this.opts.store.createNativeUser({ name, passwordHash: await hashPassword(password), approved, created: this.now() });
    } catch (err) {
      if (err instanceof StoreConflictError) return { ok: false, message: `The username ${name} is already taken.` };
      throw err;
    }
    if (isAdmin) await this.opts.bootstrap!.consume(name);
    this.opts.logger.info({ user: name, approved, admin: isAdmin }, 'native account created');
    return { ok: true, approved };
  }

  /** Sets a new password (the caller has checked who may do this). */
  async setPassword(rawName: string, password: string): Promise<ChangeResult> {
    const name = normalizeUsername(rawName);
    if (!(await this.opts.store.getNativeUser(name))) return { ok: false, message: `No account named ${name}.` };
    const problem = this.passwordProblem(name, password);
    if (problem) return { ok: false, message: problem };
    await this.opts.store.updateNativeUser(name, { passwordHash: await hashPassword(password) });
    return { ok: true };
  }

  /** Approves (or with `approved=false` revokes) an account; false when there is no such account. */
  async approve(rawName: string, approved = true): Promise<boolean> {
    const name = normalizeUsername(rawName);
    if (!(await this.opts.store.getNativeUser(name))) return false;
    await this.opts.store.updateNativeUser(name, { approved });
    return true;
  }
}
