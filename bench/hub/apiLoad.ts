// Measurement 1: GET /hub/api/users/<name> with the admin token under wrk load, through the
// public proxy port or straight to the hub's own port.
import { fetchBounded } from '../lib/http.ts';
import { runWrk, unexpectedCount } from '../lib/wrk.ts';
import type { ProcessRegistry } from '../lib/processes.ts';
import type { HubUnderTest } from './types.ts';
import type { LoadMeasurement, LoadSettings } from './measurements.ts';

export type ApiTarget = 'proxy' | 'direct';

export async function measureApiGet(
  hub: HubUnderTest,
  target: ApiTarget,
  userName: string,
  s: LoadSettings,
  procs: ProcessRegistry,
): Promise<LoadMeasurement> {
  const base = target === 'proxy' ? hub.publicUrl : hub.hubUrl;
  const url = `${base}hub/api/users/${encodeURIComponent(userName)}`;
  const headers = { Authorization: `token ${hub.token}` };
  const check = await fetchBounded(url, { headers });
  const body = await check.text();
  if (check.status !== 200 || (JSON.parse(body) as { name?: string }).name !== userName) {
    throw new Error(`${hub.label}: GET ${url} answered ${check.status} before the load: ${body.slice(0, 300)}`);
  }
  const common = { url, connections: s.connections, threads: s.threads, timeoutS: 5, headers, workDir: s.workDir };
  const slug = `${hub.label}-api-${target}`;
  if (s.warmupS > 0) await runWrk({ ...common, durationS: s.warmupS, label: `${slug}-warmup` }, procs);
  const result = await runWrk({ ...common, durationS: s.durationS, label: slug }, procs);
  const via = target === 'proxy' ? 'public proxy port' : "hub's own port (no proxy)";
  return { via, result, expected: [200], errors: unexpectedCount(result, [200]), notes: [] };
}
