// Markdown tables of the Kubernetes benchmark: a summary (one column per hub, and nbhub ÷ peer
// when both ran), the API requests each hub made by verb + resource, and the problems seen.
import { int, mdTable, ms, num, ratio } from '../lib/markdown.ts';
import { summarize, type ApiCall } from './countingProxy.ts';
import type { StormResult } from './spawnStorm.ts';

export interface SideResult {
  label: string;
  setup: string;
  result: StormResult | null;
  /** Why there is no (complete) result. */
  error: string | null;
  calls: ApiCall[];
  problems: string[];
  responder: { requests: number; addressesHit: number } | null;
  loadAverage: string;
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

const sec = (x: number | null | undefined) => (x == null || !Number.isFinite(x) ? 'n/a' : `${num(x / 1000)} s`);
const dist = (xs: number[]) => (xs.length ? `${ms(percentile(xs, 50))} / ${ms(percentile(xs, 90))} / ${ms(Math.max(...xs))}` : 'n/a');
/** "36.1 s", or "53.2 s (the 499 of 500 that got there)" when some never did. */
const last = (x: { ms: number; count: number } | null | undefined, of: number | undefined) =>
  !x ? 'n/a' : x.count === of ? sec(x.ms) : `${sec(x.ms)} (the ${int(x.count)} of ${int(of)} that got there)`;
const statuses = (m: Record<string, number>) => Object.entries(m).sort().map(([k, v]) => `${k}: ${int(v)}`).join(', ') || 'none';

function apiTotals(side: SideResult): { spawn: number; stop: number } {
  const r = side.result;
  if (!r) return { spawn: Number.NaN, stop: Number.NaN };
  const count = (from: number, to: number) => side.calls.filter((c) => c.at >= from && c.at < to).length;
  return { spawn: count(r.spawn.from, r.spawn.to), stop: count(r.stop.from, r.stop.to) };
}

/** ms from the first spawn POST until the apiserver answered the hub's last successful pod create. */
function lastCreate(side: SideResult): number | null {
  const r = side.result;
  if (!r) return null;
  const done = side.calls.filter((c) => c.kind === 'create pods' && c.status === 201 && c.at >= r.spawn.from && c.at < r.spawn.to).map((c) => c.at + c.ms);
  return done.length ? Math.max(...done) - r.spawn.from : null;
}

interface Row {
  label: string;
  value: (s: SideResult) => string;
  /** for the ratio column: a number where lower or higher is better is the reader's call */
  n?: (s: SideResult) => number | null | undefined;
}

export function summaryTable(sides: SideResult[]): string {
  const R = (s: SideResult) => s.result;
  const rows: Row[] = [
    { label: 'users, spawned all at once', value: (s) => int(R(s)?.users) },
    { label: 'create the users (one POST /hub/api/users)', value: (s) => ms(R(s)?.createUsersMs), n: (s) => R(s)?.createUsersMs },
    { label: 'first POST → the hub’s last pod create answered (counting proxy)', value: (s) => sec(lastCreate(s)), n: lastCreate },
    { label: 'first POST → all pods Running (bench’s own pod watch)', value: (s) => last(R(s)?.spawn.lastRunning, R(s)?.users), n: (s) => R(s)?.spawn.lastRunning?.ms },
    { label: 'first POST → all reported ready (last 201 / progress ready event)', value: (s) => last(R(s)?.spawn.lastReady, R(s)?.users), n: (s) => R(s)?.spawn.lastReady?.ms },
    { label: 'first POST → GET /hub/api/users?state=ready lists all (polled every 2 s)', value: (s) => sec(R(s)?.spawn.allListedReadyMs), n: (s) => R(s)?.spawn.allListedReadyMs },
    { label: 'per user: POST → ready, p50 / p90 / max', value: (s) => dist(R(s)?.spawn.readyMs ?? []), n: (s) => percentile(R(s)?.spawn.readyMs ?? [], 50) },
    { label: 'per user: pod Running → hub said ready, p50 / p90 / max', value: (s) => dist(R(s)?.spawn.runningToReadyMs ?? []), n: (s) => percentile(R(s)?.spawn.runningToReadyMs ?? [], 50) },
    { label: 'spawns ready / failed', value: (s) => (R(s) ? `${int(R(s)!.spawn.readyMs.length)} / ${int(R(s)!.spawn.failures.filter((f) => !f.startsWith('poll:')).length)}` : 'n/a') },
    { label: 'POST …/server statuses', value: (s) => (R(s) ? statuses(R(s)!.spawn.postStatuses) : 'n/a') },
    { label: 'GET /user/<name>/api through the hub’s proxy (sample)', value: (s) => (R(s) ? `${R(s)!.spawn.proxied.ok}/${R(s)!.spawn.proxied.tried} answered 200` : 'n/a') },
    { label: 'kube API requests by the hub during the spawns', value: (s) => int(apiTotals(s).spawn), n: (s) => apiTotals(s).spawn },
    { label: '  per spawn', value: (s) => num(apiTotals(s).spawn / (R(s)?.users ?? Number.NaN)), n: (s) => apiTotals(s).spawn / (R(s)?.users ?? Number.NaN) },
    { label: 'hub CPU during the spawns (hub process; with its children)', value: (s) => (R(s) ? `${num(R(s)!.spawn.cpu.hubS)} s; ${num(R(s)!.spawn.cpu.treeS)} s` : 'n/a'), n: (s) => R(s)?.spawn.cpu.treeS },
    { label: '  per spawn (with children)', value: (s) => ms(((R(s)?.spawn.cpu.treeS ?? Number.NaN) * 1000) / (R(s)?.users ?? Number.NaN)), n: (s) => (R(s)?.spawn.cpu.treeS ?? Number.NaN) / (R(s)?.users ?? Number.NaN) },
    { label: 'hub peak RSS (hub process, VmHWM; hub + children, sampled)', value: (s) => (R(s) ? `${num(R(s)!.peakRssMb)} MB; ${num(R(s)!.peakTreeRssMb)} MB` : 'n/a'), n: (s) => R(s)?.peakTreeRssMb },
    { label: 'first DELETE → all pods gone', value: (s) => sec(R(s)?.stop.allGoneMs), n: (s) => R(s)?.stop.allGoneMs },
    { label: 'first DELETE → hub lists no active server', value: (s) => sec(R(s)?.stop.allListedStoppedMs), n: (s) => R(s)?.stop.allListedStoppedMs },
    { label: 'DELETE …/server statuses', value: (s) => (R(s) ? statuses(R(s)!.stop.deleteStatuses) : 'n/a') },
    { label: 'kube API requests by the hub during the stops, per stop', value: (s) => num(apiTotals(s).stop / (R(s)?.users ?? Number.NaN)), n: (s) => apiTotals(s).stop / (R(s)?.users ?? Number.NaN) },
    { label: 'hub CPU during the stops (with children)', value: (s) => (R(s) ? `${num(R(s)!.stop.cpu.treeS)} s` : 'n/a'), n: (s) => R(s)?.stop.cpu.treeS },
  ];
  const both = sides.length === 2 && sides.every((s) => s.result);
  const header = ['figure', ...sides.map((s) => s.label), ...(both ? [`${sides[0].label} ÷ ${sides[1].label}`] : [])];
  return mdTable(header, rows.map((r) => [r.label, ...sides.map(r.value), ...(both ? [r.n ? ratio(r.n(sides[0]), r.n(sides[1])) : ''] : [])]));
}

export function apiTable(side: SideResult): string {
  const r = side.result;
  if (!r) return '(no result)';
  const spawn = summarize(side.calls, r.spawn.from, r.spawn.to);
  const stop = summarize(side.calls, r.stop.from, r.stop.to);
  const kinds = [...new Set([...spawn.map((c) => c.kind), ...stop.map((c) => c.kind)])];
  const st = (m: Record<string, number> | undefined) => (m ? Object.entries(m).map(([k, v]) => `${k}×${v}`).join(' ') : '');
  return mdTable(
    ['verb resource', 'during spawns', 'per spawn', 'statuses', 'mean latency', 'during stops', 'per stop', 'statuses'],
    kinds.map((k) => {
      const a = spawn.find((c) => c.kind === k);
      const b = stop.find((c) => c.kind === k);
      return [k, int(a?.count ?? 0), num((a?.count ?? 0) / r.users), st(a?.statuses), ms(a?.meanMs ?? b?.meanMs), int(b?.count ?? 0), num((b?.count ?? 0) / r.users), st(b?.statuses)];
    }),
  );
}

export function cpuTable(side: SideResult): string {
  const r = side.result;
  if (!r) return '(no result)';
  return mdTable(
    ['process', 'CPU during spawns', 'CPU during stops', 'RSS at end', 'peak RSS (VmHWM)'],
    r.spawn.cpu.procs.map((p) => {
      const stopCpu = r.stop.cpu.procs.find((q) => q.pid === p.pid);
      return [`${p.command} (pid ${p.pid})`, `${num(p.cpuS)} s`, stopCpu ? `${num(stopCpu.cpuS)} s` : 'n/a', `${num(stopCpu?.rssMb ?? p.rssMb)} MB`, `${num(stopCpu?.peakRssMb ?? p.peakRssMb)} MB`];
    }),
  );
}

export function sideDetails(side: SideResult): string {
  const r = side.result;
  const out = [`### ${side.label}`, '', side.setup, ''];
  if (side.error) out.push(`**Did not complete:** ${side.error}`, '');
  if (r) {
    out.push(
      `Spawn phase ${num(r.spawn.cpu.wallS)} s wall, stop phase ${num(r.stop.cpu.wallS)} s wall. Pods per node: ${Object.entries(r.spawn.podsPerNode).sort().map(([k, v]) => `${k} ${v}`).join(', ') || 'n/a'}.`,
      side.responder ? `The responder answered ${int(side.responder.requests)} HTTP requests on ${int(side.responder.addressesHit)} pod IPs.` : '',
      '',
      'Kube API requests the hub made (through the counting proxy), by verb and resource:',
      '',
      apiTable(side),
      '',
      'CPU and memory of the hub and its child processes:',
      '',
      cpuTable(side),
      '',
    );
  }
  out.push(`Load average at the end: ${side.loadAverage}.`, '');
  if (side.problems.length) {
    out.push('Problems seen:', '', ...side.problems.slice(0, 40).map((p) => `- ${p.replace(/\n/g, ' ').slice(0, 400)}`), '');
    if (side.problems.length > 40) out.push(`- … and ${side.problems.length - 40} more`, '');
  }
  return out.join('\n');
}
