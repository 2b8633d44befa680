// Measurement 3: creating many users in one POST /hub/api/users call (wall time). The answer
// is large (one model per user, ~1 MB for 5,000); a few small requests right after check
// that the hub (and its proxy) still answer promptly.
import { performance } from 'node:perf_hooks';
import type { HubUnderTest } from './types.ts';
import type { CreateUsersMeasurement } from './measurements.ts';
import { HubApi } from './hubApi.ts';

/** Bound on the one call: JupyterHub 3.0 took ~16 s for 2,000 users on this kind of machine. */
const CALL_LIMIT_MS = 600_000;
const FOLLOW_UPS = 3;
const FOLLOW_UP_LIMIT_MS = 10_000;

export async function measureCreateUsers(hub: HubUnderTest, prefix: string, count: number, probeUser: string): Promise<CreateUsersMeasurement> {
  const usernames = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  const api = new HubApi(hub);
  const t0 = performance.now();
  const created = await api.expect('POST', 'users', [201], { usernames }, CALL_LIMIT_MS);
  const wallMs = performance.now() - t0;
  if (!Array.isArray(created) || created.length !== count) {
    throw new Error(`${hub.label}: POST /hub/api/users returned ${Array.isArray(created) ? created.length : typeof created} users, not ${count}`);
  }
  const notes: string[] = [];
  for (let i = 1; i <= FOLLOW_UPS; i++) {
    const t = performance.now();
    try {
      const r = await api.call('GET', `users/${encodeURIComponent(probeUser)}`, undefined, FOLLOW_UP_LIMIT_MS);
      await r.arrayBuffer();
      if (r.status !== 200) notes.push(`follow-up GET #${i} through the proxy after the bulk call answered ${r.status}`);
    } catch (e) {
      const timedOut = (e as Error).name === 'TimeoutError';
      notes.push(
        `follow-up GET /hub/api/users/${probeUser} #${i} through the public proxy right after the bulk call ${
          timedOut ? `got no answer within ${FOLLOW_UP_LIMIT_MS / 1000} s (hung)` : `failed after ${Math.round(performance.now() - t)} ms: ${(e as Error).message}`
        }`,
      );
    }
  }
  return { count, wallMs, notes };
}
