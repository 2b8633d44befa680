// Per-user home directories: `<homeDir>/<escaped name>`, mode 0700, owned by the user's
// account. For an account other than the hub's to reach its home, every ancestor directory
// must be traversable by others (o+x). nbhub fixes its own directories (the data dir, the
// homes dir and anything between them) to at least 0711 and refuses, with the path, when a
// directory it does not own blocks the way.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';

export class HomeDirError extends Error {
  constructor(
    readonly code: 'HOME_NOT_TRAVERSABLE' | 'HOME_INVALID',
    message: string,
  ) {
    super(message);
  }
}

const octal = (mode: number) => `0${(mode & 0o7777).toString(8)}`;

function isWithin(dir: string, root: string): boolean {
  const rel = path.relative(root, dir);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Makes sure other accounts can traverse from '/' down to `homeDir`. Directories that
 * belong to nbhub (`ownedRoot` itself and everything under it on the way, plus `homeDir`)
 * get g+x,o+x; any other blocking directory is an error.
 */
export async function ensureTraversable(homeDir: string, ownedRoot: string, logger: Logger): Promise<void> {
  const home = path.resolve(homeDir);
  const owned = path.resolve(ownedRoot);
  for (let dir = home; ; dir = path.dirname(dir)) {
    const st = await fsp.stat(dir);
    if ((st.mode & 0o001) === 0) {
      if (dir === home || isWithin(dir, owned)) {
        const mode = (st.mode & 0o7777) | 0o011;
        await fsp.chmod(dir, mode);
        logger.info({ dir, mode: octal(mode) }, 'made an nbhub directory traversable for per-user accounts');
      } else {
        throw new HomeDirError(
          'HOME_NOT_TRAVERSABLE',
          `directory ${dir} (mode ${octal(st.mode)}) is not traversable by other users, so per-user accounts cannot reach ` +
            `their homes under ${home}; run 'chmod o+x ${dir}' or put the data/home directory elsewhere`,
        );
      }
    }
    if (dir === path.dirname(dir)) return;
  }
}

/**
 * Creates the user's home (mode 0700) or repairs its mode and owner. `owner` null: the hub's
 * own account (no isolation).
 */
export async function ensureHome(home: string, owner: { uid: number; gid: number } | null, logger: Logger): Promise<void> {
  let created = false;
  try {
    await fsp.mkdir(home, { mode: 0o700 });
    created = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const st = await fsp.lstat(home);
  if (!st.isDirectory()) {
    throw new HomeDirError('HOME_INVALID', `home ${home} exists but is not a directory${st.isSymbolicLink() ? ' (a symlink)' : ''}`);
  }
  if (owner && (st.uid !== owner.uid || st.gid !== owner.gid)) {
    if (!created) logger.warn({ home, from: st.uid, to: owner.uid }, 'home directory had another owner; giving it to the account');
    await fsp.lchown(home, owner.uid, owner.gid);
  }
  if ((st.mode & 0o7777) !== 0o700) await fsp.chmod(home, 0o700);
}
