// Kubernetes-safe spellings of user and server names, compatible with KubeSpawner so existing
// pods and PVCs keep their names when a hub moves to nbhub.
import { createHash } from 'node:crypto';

/**
 * KubeSpawner's legacy escaping (`escapism.escape(name, safe=a-z0-9, escape_char='-').lower()`):
 * lowercase letters and digits stay; every other character becomes `-xx` per UTF-8 byte
 * (lowercase hex), including '-' itself, so the mapping is injective.
 * `Alice.B` → `-41lice-2e-42`, `a-b` → `a-2db`, `é` → `-c3-a9`.
 */
export function escapeForPodName(name: string): string {
  let out = '';
  for (const ch of name) {
    if (/^[a-z0-9]$/.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, 'utf8')) out += `-${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

const HASH_LENGTH = 8;

/**
 * A Kubernetes object name (RFC 1035 DNS label): 1–63 chars, lowercase letters, digits and
 * '-', starting with a letter and ending with a letter or digit.
 */
export function isValidObjectName(s: string): boolean {
  return s.length >= 1 && s.length <= 63 && /^[a-z]([a-z0-9-]*[a-z0-9])?$/.test(s);
}

function extractSafeName(name: string, maxLength: number): string {
  let safe = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  safe = safe.replace(/^-+/, '').slice(0, maxLength).replace(/-+$/, '');
  if (safe && !/^[a-z]/.test(safe)) safe = `x-${safe.slice(0, maxLength - 2)}`;
  return safe || 'x';
}

/**
 * KubeSpawner 7's `safe_slug`: a name that is already a valid object name (and has no '--')
 * is kept; anything else becomes `<stripped name>---<first 8 hex of sha256(name)>`, which is
 * valid, collision-free, and never equal to a kept name.
 */
export function safeSlug(name: string, maxLength?: number): string {
  const fits = maxLength === undefined || name.length <= maxLength;
  if (!name.includes('--') && isValidObjectName(name) && fits) return name;
  const max = maxLength ?? 32;
  const nameLength = max - (HASH_LENGTH + 3);
  if (nameLength < 1) throw new RangeError(`safeSlug: cannot make names shorter than ${HASH_LENGTH + 4} characters`);
  const hash = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, HASH_LENGTH);
  return `${extractSafeName(name, nameLength)}---${hash}`;
}

/**
 * KubeSpawner 7's `multi_slug`: `{name1}--{name2}---{hash}` with one hash over all parts
 * (joined by the byte 0xFF, which never occurs in UTF-8), e.g. for `{user}--{server}`.
 */
export function multiSlug(names: readonly string[], maxLength = 48): string {
  if (names.length === 0) throw new RangeError('multiSlug: no names');
  const h = createHash('sha256');
  names.forEach((n, i) => {
    if (i > 0) h.update(Buffer.from([0xff]));
    h.update(n, 'utf8');
  });
  const hash = h.digest('hex').slice(0, HASH_LENGTH);
  const perName = Math.floor((maxLength - (HASH_LENGTH + 1)) / names.length);
  const nameMax = perName - 2;
  if (nameMax < 2) throw new RangeError(`multiSlug: not enough characters for ${names.length} names: ${maxLength}`);
  return `${names.map((n) => extractSafeName(n, nameMax)).join('--')}---${hash}`;
}
