// API token strings: random, shown once, stored only as a sha256 hash.
import { randomBytes } from 'node:crypto';
import { hashSecret } from '../domain/oauth.ts';

export function newTokenString(): string {
  return randomBytes(16).toString('hex');
}

/** sha256 hex: tokens are random (128 bits), so a fast unsalted hash is safe for lookup. */
export const hashToken: (token: string) => string = hashSecret;
