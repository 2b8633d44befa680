// Where a user's home directory and server log live, and how hub names become file names.
//
// Hub user and server names may contain anything ('/', '..', spaces, unicode), so they are
// escaped into one path component. The escape is injective (two names never share a home
// or a log file):
//   - [A-Za-z0-9.-] stay as they are, every other UTF-8 byte becomes `_xx` (lowercase hex),
//     so '_' itself is always an escape and the result decodes uniquely;
//   - a leading '.' is escaped (no '.', '..' or hidden files);
//   - a '-' followed by another '-', or at the end, is escaped, so an escaped name never
//     contains '--' and never ends in '-': '<user>--<server>.log' splits unambiguously;
//   - results longer than 100 characters are cut to 88 and get '__' + a 10-character hash
//     of the full name ('__' never occurs in an untruncated escape).
import { createHash } from 'node:crypto';
import path from 'node:path';

const MAX_COMPONENT = 100;

export function escapeName(name: string): string {
  const bytes = Buffer.from(name, 'utf8');
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    const c = String.fromCharCode(b);
    const alnum = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
    const dotOk = c === '.' && i > 0;
    const dashOk = c === '-' && i < bytes.length - 1 && bytes[i + 1] !== 0x2d;
    out += alnum || dotOk || dashOk ? c : `_${b.toString(16).padStart(2, '0')}`;
  }
  if (out === '') return '_';
  if (out.length <= MAX_COMPONENT) return out;
  return `${out.slice(0, MAX_COMPONENT - 12)}__${shortHash(name)}`;
}

/** 10 characters of base32 (a-z, 2-7) over sha256: 50 bits. */
export function shortHash(s: string): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let n = BigInt(`0x${createHash('sha256').update(s, 'utf8').digest('hex').slice(0, 13)}`) >> 2n; // 50 bits
  let out = '';
  for (let i = 0; i < 10; i++, n >>= 5n) out = alphabet[Number(n & 31n)] + out;
  return out;
}

/** A user's home: named servers share the user's home. */
export function homePath(homeDir: string, userName: string): string {
  return path.join(homeDir, escapeName(userName));
}

/** `<logsDir>/<user>.log`, or `<logsDir>/<user>--<server>.log` for a named server. */
export function logPath(logsDir: string, userName: string, serverName: string): string {
  const base = serverName === '' ? escapeName(userName) : `${escapeName(userName)}--${escapeName(serverName)}`;
  return path.join(logsDir, `${base}.log`);
}
