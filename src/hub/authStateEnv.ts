// singleuser.authStateEnv: environment variables of a user's server taken from their decrypted
// auth state ({ACCESS_TOKEN: 'access_token', GROUPS: 'userinfo.groups'}), what deployments wrote
// pre_spawn_start hooks for. A path the state lacks leaves the variable unset, with one log line
// naming the variable and the path (never a value).
import type { Logger } from 'pino';
import { authStatePath } from '../auth/authState.ts';

/** Strings as they are, numbers and booleans as text, objects and arrays as JSON. */
function envValue(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

export function authStateEnv(
  mapping: Readonly<Record<string, string>>,
  state: Record<string, unknown> | null,
  log: Pick<Logger, 'warn'>,
  userName: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [variable, path] of Object.entries(mapping)) {
    const value = state ? envValue(authStatePath(state, path)) : null;
    if (value === null) {
      log.warn(
        { user: userName, variable, path, reason: state ? 'no value at this path' : 'the user has no auth state' },
        'singleuser.authStateEnv: variable not set',
      );
      continue;
    }
    env[variable] = value;
  }
  return env;
}
