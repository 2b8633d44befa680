// Secrets in config values, found by key name, replaced by '<redacted>' wherever config is shown
// (config check's effective config, the report of what hub.extraConfig set).
import { isPlainObject } from './dataPath.ts';

export const REDACTED = '<redacted>';

/** Keys whose string values are secrets wherever they appear. */
const SECRET_KEYS = new Set(['cookieSecret', 'secretToken', 'apiToken', 'api_token', 'clientSecret', 'client_secret', 'password', 'cryptoKey']);
/** In free-form maps (extraEnv, auth.custom.config, custom): names that look like secrets. */
const SECRETISH = /secret|passw|token|credential|private_?key|crypt_?key|api_?key/i;
/** Names that contain a secret-looking word but hold none (token_url, userdataTokenMethod, ...). */
const NOT_SECRET = /url$|_uri$|_path$|_file$|method$/i;

/** A copy with every secret string replaced; `path` is where the value sits in the config. */
export function redactValue(value: unknown, path: string[] = []): unknown {
  if (Array.isArray(value)) return value.map((v, i) => redactValue(v, [...path, String(i)]));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const here = [...path, key];
    if (typeof v === 'string' && isSecret(key, here)) out[key] = REDACTED;
    else if (typeof v === 'string' && (here.join('.') === 'hub.db.url' || key === 'db_url')) out[key] = redactUrlPassword(v);
    else out[key] = redactValue(v, here);
  }
  return out;
}

function isSecret(key: string, path: string[]): boolean {
  if (SECRET_KEYS.has(key)) return true;
  if (path.join('.') === 'proxy.https.manual.key') return true;
  return SECRETISH.test(key) && !NOT_SECRET.test(key);
}

/** postgresql://user:pass@host/db → postgresql://user:<redacted>@host/db */
export function redactUrlPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)([^@]*)@/i, `$1${REDACTED}@`);
}
