// One Unix account per hub user, so user servers cannot read each other's files.
//
// Naming (`accountNameFor`): the account is `<prefix><name>` when the hub name is already a
// valid account suffix: [a-z0-9][a-z0-9-]* and the whole account name ≤ 32 characters.
// Every other name (upper case, '.', '_', '@', unicode, too long) is mapped to
// `<prefix><sanitized>_<hash>`: sanitized = lower-cased, runs of characters outside
// [a-z0-9-] replaced by '-', cut so the whole name fits in 32 characters; hash = 10 base32
// characters of sha256(name). Direct names never contain '_' and mapped names always do
// (after the prefix), so the two forms cannot collide.
//
// As a second line of defence each account nbhub creates carries the comment
// `nbhub user <percent-encoded hub name>`; an existing account whose comment names another
// hub user (a hash collision, or an account nbhub did not create) is refused, never shared.
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { shortHash } from './paths.ts';

export const MAX_ACCOUNT_NAME = 32;
const PREFIX_RE = /^[a-z_][a-z0-9_-]{0,15}$/;
const DIRECT_SUFFIX_RE = /^[a-z0-9][a-z0-9-]*$/;

export interface UnixAccount {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

interface PasswdEntry extends UnixAccount {
  comment: string;
}

export class UnixAccountError extends Error {
  constructor(
    readonly code: 'UNIX_ACCOUNT_PREFIX_INVALID' | 'UNIX_ACCOUNT_CONFLICT' | 'UNIX_ACCOUNT_CREATE_FAILED',
    message: string,
  ) {
    super(message);
  }
}

export function validateAccountPrefix(prefix: string, where = 'accountPrefix'): void {
  if (!PREFIX_RE.test(prefix)) {
    throw new UnixAccountError(
      'UNIX_ACCOUNT_PREFIX_INVALID',
      `${where} ${JSON.stringify(prefix)} is not a valid start of a Unix account name: use 1-16 of [a-z0-9_-], starting with a letter or '_'`,
    );
  }
}

/** The Unix account name for a hub user (see the mapping at the top of this file). */
export function accountNameFor(prefix: string, userName: string): string {
  validateAccountPrefix(prefix);
  if (DIRECT_SUFFIX_RE.test(userName) && prefix.length + userName.length <= MAX_ACCOUNT_NAME) return prefix + userName;
  const hash = shortHash(userName);
  const room = MAX_ACCOUNT_NAME - prefix.length - hash.length - 1;
  const sanitized = userName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, Math.max(room, 0));
  return `${prefix}${sanitized}_${hash}`;
}

/** The passwd comment that marks an account as belonging to one hub user. */
export function accountComment(userName: string): string {
  return `nbhub user ${encodeURIComponent(userName)}`;
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 30_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        reject(new UnixAccountError('UNIX_ACCOUNT_CREATE_FAILED', `cannot run ${cmd}: ${err.code ?? err.message}`));
        return;
      }
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}

/** The passwd entry of `name` (through NSS), or null when there is none. */
export async function lookupAccount(name: string): Promise<PasswdEntry | null> {
  const r = await run('getent', ['passwd', name]);
  if (r.code === 2) return null;
  if (r.code !== 0) throw new UnixAccountError('UNIX_ACCOUNT_CREATE_FAILED', `getent passwd ${name} failed: ${r.stderr.trim()}`);
  const f = r.stdout.trim().split('\n')[0].split(':');
  if (f.length < 7) throw new UnixAccountError('UNIX_ACCOUNT_CREATE_FAILED', `unexpected passwd entry for ${name}`);
  return { name: f[0], uid: Number(f[2]), gid: Number(f[3]), comment: f[4], home: f[5], shell: f[6] };
}

/** Removes an account (and its user group). Missing accounts are fine. Homes are kept. */
export async function deleteUnixAccount(name: string): Promise<void> {
  const r = await run('userdel', [name]);
  if (r.code !== 0 && r.code !== 6 /* no such user */) {
    throw new UnixAccountError('UNIX_ACCOUNT_CREATE_FAILED', `userdel ${name} failed: ${r.stderr.trim()}`);
  }
}

export interface UnixAccountsOptions {
  prefix: string;
  shell: string;
  logger: Logger;
}

/** Creates and looks up per-user accounts. One instance per hub; needs root. */
export class UnixAccounts {
  private readonly inFlight = new Map<string, Promise<UnixAccount>>();
  private useraddChain: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: UnixAccountsOptions) {
    validateAccountPrefix(opts.prefix);
  }

  nameFor(userName: string): string {
    return accountNameFor(this.opts.prefix, userName);
  }

  /** The hub user's account with `home` as its home, created on first use. */
  ensure(userName: string, home: string): Promise<UnixAccount> {
    const name = this.nameFor(userName);
    const pending = this.inFlight.get(name);
    if (pending) return pending;
    const p = this.ensureUnlocked(userName, name, home).finally(() => this.inFlight.delete(name));
    this.inFlight.set(name, p);
    return p;
  }

  private async ensureUnlocked(userName: string, name: string, home: string): Promise<UnixAccount> {
    let entry = await lookupAccount(name);
    if (!entry) {
      await this.serialized(() => this.create(name, userName, home));
      entry = await lookupAccount(name);
      if (!entry) throw new UnixAccountError('UNIX_ACCOUNT_CREATE_FAILED', `account ${name} was created but cannot be looked up`);
    }
    this.checkOwnership(entry, userName);
    if (entry.home !== home) {
      const r = await this.serialized(() => run('usermod', ['--home', home, name]));
      if (r.code !== 0) this.opts.logger.warn({ account: name, stderr: r.stderr.trim() }, 'could not update the home of a Unix account');
    }
    return { name, uid: entry.uid, gid: entry.gid, home, shell: entry.shell || this.opts.shell };
  }

  private checkOwnership(entry: PasswdEntry, userName: string): void {
    if (entry.uid === 0 || entry.gid === 0) {
      throw new UnixAccountError('UNIX_ACCOUNT_CONFLICT', `Unix account ${entry.name} has uid or gid 0; refusing to run a user server as it`);
    }
    if (entry.comment !== accountComment(userName)) {
      throw new UnixAccountError(
        'UNIX_ACCOUNT_CONFLICT',
        `Unix account ${entry.name} exists but does not belong to hub user ${JSON.stringify(userName)} ` +
          `(its comment is ${JSON.stringify(entry.comment)}, expected ${JSON.stringify(accountComment(userName))}); ` +
          'remove that account or change the account prefix',
      );
    }
  }

  /** useradd takes a lock on /etc/passwd; one at a time from this process. */
  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.useraddChain.then(fn, fn);
    this.useraddChain = p.catch(() => undefined);
    return p;
  }

  private async create(name: string, userName: string, home: string): Promise<void> {
    const common = ['--user-group', '--no-create-home', '--home-dir', home, '--shell', this.opts.shell, '--comment', accountComment(userName)];
    let system = true;
    for (let attempt = 1; ; attempt++) {
      const r = await run('useradd', [...(system ? ['--system'] : []), ...common, name]);
      if (r.code === 0) {
        this.opts.logger.info({ account: name, user: userName }, 'created Unix account');
        return;
      }
      const stderr = r.stderr.trim();
      if (r.code === 9 /* name in use: another process created it */) return;
      if (system && /unique system [UG]ID/i.test(stderr)) {
        // The system range (100-999 on Debian) is small; a big class needs regular UIDs.
        this.opts.logger.warn({ account: name }, 'system UID range exhausted; creating a regular account');
        system = false;
        continue;
      }
      if ((r.code === 1 || r.code === 10 || /lock/i.test(stderr)) && attempt < 6) {
        await sleep(100 * attempt); // another process holds the passwd lock
        continue;
      }
      throw new UnixAccountError('UNIX_ACCOUNT_CREATE_FAILED', `useradd ${name} (for hub user ${JSON.stringify(userName)}) failed with code ${r.code}: ${stderr}`);
    }
  }
}
