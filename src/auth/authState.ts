// Auth state encryption at rest (JupyterHub's JUPYTERHUB_CRYPT_KEY): AES-256-GCM, so a row that
// was changed or moved to another user fails to open instead of yielding a forged state.
// Keys come from auth.state.cryptoKey: one or more 32-byte keys, hex or base64, separated by `;`.
// The first key seals; every key opens, so keys are rotated by putting a new one first and
// dropping the old one once every user has logged in (or been refreshed) since.
//
// Envelope (one ASCII line, stored in users.auth_state):
//   nbhub-as1.<key id>.<iv>.<ciphertext>.<tag>       (base64url parts)
// key id = first 8 bytes of SHA-256 over a label and the key: names the key without revealing it.
// Additional authenticated data = the envelope version and the user's id.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const VERSION = 'nbhub-as1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** A key problem in auth.state.cryptoKey; the message never contains key material. */
export class CryptoKeyError extends Error {
  readonly code = 'AUTH_STATE_KEY_INVALID';
  override readonly name = 'CryptoKeyError';
}

/** A sealed state that cannot be opened: wrong key, changed bytes, another user's row, not an envelope. */
export class AuthStateOpenError extends Error {
  readonly code = 'AUTH_STATE_UNREADABLE';
  override readonly name = 'AuthStateOpenError';
}

export interface CryptoKey {
  /** 16 hex chars naming the key (safe to log). */
  id: string;
  secret: Buffer;
}

function keyId(secret: Buffer): string {
  return createHash('sha256').update('nbhub auth state key id\0').update(secret).digest().subarray(0, 8).toString('hex');
}

function decodeKey(text: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    const bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === KEY_BYTES) return bytes;
  }
  return null;
}

/**
 * Parses auth.state.cryptoKey. `source` names where the text came from (config key or
 * environment variable) for the error message.
 */
export function parseCryptoKeys(text: string, source = 'auth.state.cryptoKey'): CryptoKey[] {
  const parts = text.split(';').map((p) => p.trim());
  const keys: CryptoKey[] = [];
  parts.forEach((part, i) => {
    if (!part) return;
    const secret = decodeKey(part);
    if (!secret) {
      const which = parts.length > 1 ? `key ${i + 1} of ${parts.length} in ${source}` : source;
      throw new CryptoKeyError(
        `${which} is not a 32-byte key: give 64 hex characters or 32 bytes in base64 (e.g. from \`openssl rand -hex 32\`); it has ${part.length} characters`,
      );
    }
    keys.push({ id: keyId(secret), secret });
  });
  if (keys.length === 0) throw new CryptoKeyError(`${source} holds no key: give one or more 32-byte keys (hex or base64) separated by ;`);
  return keys;
}

function aad(userId: number): Buffer {
  return Buffer.from(`${VERSION}:user:${userId}`);
}

/** Encrypts `state` for the user with the first key. */
export function sealAuthState(keys: readonly CryptoKey[], userId: number, state: Record<string, unknown>): string {
  const key = keys[0];
  if (!key) throw new CryptoKeyError('no auth state key configured');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.secret, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(userId));
  const body = Buffer.concat([cipher.update(JSON.stringify(state), 'utf8'), cipher.final()]);
  return [VERSION, key.id, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/** Decrypts a sealed state of the user with whichever configured key sealed it. */
export function openAuthState(keys: readonly CryptoKey[], userId: number, sealed: string): Record<string, unknown> {
  const parts = sealed.split('.');
  if (parts.length !== 5 || parts[0] !== VERSION) {
    throw new AuthStateOpenError(`not an nbhub auth state envelope (expected ${VERSION})`);
  }
  const [, id, ivText, bodyText, tagText] = parts;
  const key = keys.find((k) => k.id === id);
  if (!key) throw new AuthStateOpenError(`sealed with key ${id}, which is not among the configured keys (auth.state.cryptoKey)`);
  const iv = Buffer.from(ivText, 'base64url');
  const tag = Buffer.from(tagText, 'base64url');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new AuthStateOpenError('malformed envelope');
  let plain: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.secret, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(userId));
    decipher.setAuthTag(tag);
    plain = Buffer.concat([decipher.update(Buffer.from(bodyText, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new AuthStateOpenError('authentication failed: the stored value was changed, or belongs to another user');
  }
  const value: unknown = JSON.parse(plain);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new AuthStateOpenError('sealed value is not an object');
  return value as Record<string, unknown>;
}

/** The key id that sealed `sealed`, or null when it is not an envelope (for rotation reports). */
export function sealedKeyId(sealed: string): string | null {
  const parts = sealed.split('.');
  return parts.length === 5 && parts[0] === VERSION ? parts[1] : null;
}

/**
 * Looks up a key or dotted path in an auth state (`access_token`, `user.groups`, `a.0.b`).
 * A key that itself contains dots is found too (tried whole first, as oauthenticator does).
 */
export function authStatePath(state: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(state, path)) return state[path];
  let cur: unknown = state;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (!Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
