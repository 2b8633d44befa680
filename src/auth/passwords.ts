// Password hashing for the native authenticator: new hashes are argon2id; argon2 and bcrypt
// (`$2a$` / `$2b$` / `$2y$`, as written by the Python NativeAuthenticator) verify, so imported
// accounts keep working and are re-hashed to argon2id on their next successful login.
import argon2 from 'argon2';
import bcrypt from 'bcryptjs';

/**
 * argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): ~20 ms per hash, so a
 * class logging in at 9:00 does not turn into a memory spike (argon2's own default is 64 MiB × 4).
 */
export const ARGON2_PARAMS = Object.freeze({ memoryCost: 19456, timeCost: 2, parallelism: 1 });

export type PasswordHashKind = 'argon2id' | 'argon2' | 'bcrypt' | 'unknown';

export function hashKind(hash: string): PasswordHashKind {
  if (hash.startsWith('$argon2id$')) return 'argon2id';
  if (hash.startsWith('$argon2i$') || hash.startsWith('$argon2d$')) return 'argon2';
  if (/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) return 'bcrypt';
  return 'unknown';
}

export async function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id, ...ARGON2_PARAMS });
}

/** True when `password` matches `hash`. Malformed or unknown hashes are simply false (never throws). */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    switch (hashKind(hash)) {
      case 'argon2id':
      case 'argon2':
        return await argon2.verify(hash, password);
      case 'bcrypt':
        return await bcrypt.compare(password, hash);
      default:
        return false;
    }
  } catch {
    return false;
  }
}

/** True for anything but argon2id with at least the current parameters. */
export function needsRehash(hash: string): boolean {
  if (hashKind(hash) !== 'argon2id') return true;
  // PHC string: $argon2id$v=19$m=19456,p=1,t=2$salt$hash (parameter order varies by writer)
  const params = new Map<string, number>();
  for (const part of hash.split('$')[3]?.split(',') ?? []) {
    const [k, v] = part.split('=');
    if (k && v && /^\d+$/.test(v)) params.set(k, Number(v));
  }
  const m = params.get('m');
  const t = params.get('t');
  const p = params.get('p');
  if (m === undefined || t === undefined || p === undefined) return true;
  return m < ARGON2_PARAMS.memoryCost || t < ARGON2_PARAMS.timeCost || p < ARGON2_PARAMS.parallelism;
}
