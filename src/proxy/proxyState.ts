// The state file `nbhub proxy --state-file` writes once it listens, and `nbhub start` reads to
// find and re-use a proxy it started before (src/hub/proxyProcess.ts): who runs, where, with
// which arguments, and the sha256 of its API token — never the token itself.

import { createHash } from 'node:crypto';
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';

export interface ProxyState {
  pid: number;
  scheme: 'http' | 'https';
  /** Public interface, null for all. */
  ip: string | null;
  port: number;
  apiIp: string;
  apiPort: number;
  /** sha256 (hex) of CONFIGPROXY_AUTH_TOKEN, null when the API is open. */
  tokenSha256: string | null;
  /** The command line after `nbhub proxy`. */
  argv: string[];
  startedAt: string;
}

export function tokenSha256(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Written as a temp file renamed into place, mode 0600. */
export function writeProxyState(file: string, state: ProxyState): void {
  const temp = `${file}.tmp-${process.pid}`;
  writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}

/** The state, or null when the file is missing or not a proxy state. */
export function readProxyState(file: string): ProxyState | null {
  let parsed: Partial<ProxyState>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<ProxyState>;
  } catch {
    return null;
  }
  if (
    typeof parsed.pid !== 'number' ||
    typeof parsed.port !== 'number' ||
    typeof parsed.apiPort !== 'number' ||
    typeof parsed.apiIp !== 'string' ||
    !Array.isArray(parsed.argv)
  ) {
    return null;
  }
  return parsed as ProxyState;
}

/** Removes the state file if it still describes process `pid`. */
export function removeProxyState(file: string, pid: number): void {
  if (readProxyState(file)?.pid !== pid) return;
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
