// Tables of the hub benchmark: one per measurement (both hubs and their ratio), and the
// summary table for the README and bench/results/.
import { int, mdTable, ms, num, ratio } from '../lib/markdown.ts';
import type { HubResults, LoadMeasurement, Outcome } from './measurements.ts';

export interface RunInfo {
  date: string;
  command: string;
  machine: string;
  settings: { durationS: number; warmupS: number; connections: number; threads: number; users: number; spawns: number };
  versions: string[];
}

const val = <T>(o: Outcome<T>): T | null => (o.ok ? o.value : null);
/** A short reason for a table cell; the whole message is under "Problems seen". */
const why = (o: Outcome<unknown>): string => {
  if (o.ok) return '';
  const first = o.error.split('\n')[0];
  return `failed: ${first.length > 90 ? `${first.slice(0, 90)}…` : first}`;
};

function loadTable(title: string, hubs: HubResults[], pick: (h: HubResults) => Outcome<LoadMeasurement>): string {
  const rows = hubs.map((h) => {
    const o = pick(h);
    const m = val(o);
    if (!m) return [h.label, '', why(o), '', '', '', '', ''];
    const r = m.result;
    return [h.label, m.via, num(r.rps), ms(r.latencyMs.mean), ms(r.latencyMs.p50), ms(r.latencyMs.p99), int(r.requests), statusSummary(m)];
  });
  const [a, b] = hubs.map((h) => val(pick(h))?.result ?? null);
  if (hubs.length === 2) {
    rows.push([
      'nbhub / JupyterHub',
      '',
      ratio(b?.rps, a?.rps),
      ratio(b?.latencyMs.mean, a?.latencyMs.mean),
      ratio(b?.latencyMs.p50, a?.latencyMs.p50),
      ratio(b?.latencyMs.p99, a?.latencyMs.p99),
      '',
      '',
    ]);
  }
  return `### ${title}\n\n${mdTable(['hub', 'via', 'requests/s', 'mean', 'p50', 'p99', 'requests', 'errors (statuses)'], rows)}`;
}

function statusSummary(m: LoadMeasurement): string {
  const codes = Object.entries(m.result.statuses)
    .sort(([x], [y]) => Number(x) - Number(y))
    .map(([c, n]) => `${c}×${n}`)
    .join(' ');
  const e = m.result.errors;
  const sock = e.connect + e.read + e.write + e.timeout;
  return `${m.errors} (${codes || 'none'}${sock ? `; socket errors connect ${e.connect} read ${e.read} write ${e.write} timeout ${e.timeout}` : ''})`;
}

function spawnTable(hubs: HubResults[]): string {
  const rows: string[][] = [];
  const statuses = (xs: (number | string)[]) => [...new Set(xs)].join('/');
  for (const h of hubs) {
    const m = val(h.spawn);
    if (!m) {
      rows.push([h.label, why(h.spawn), '', '', '']);
      continue;
    }
    rows.push([
      `${h.label}: spawn → ready`,
      m.samples.map((x) => int(x.readyMs)).join(', '),
      ms(m.medianMs),
      ms(m.minMs),
      `POST …/server ${statuses(m.samples.map((x) => x.postStatus))}; GET /user/…/api via proxy ${statuses(m.samples.map((x) => x.proxiedStatus))}; stop took ${m.samples.map((x) => int(x.stopMs)).join(', ')} ms`,
    ]);
    rows.push([
      `${h.label}: server alone`,
      m.alone.samplesMs.map(int).join(', '),
      ms(m.alone.medianMs),
      ms(m.alone.minMs),
      `${m.alone.command}, stub hub; first GET …/api answered ${m.alone.firstStatus}`,
    ]);
    rows.push([
      `${h.label}: hub overhead`,
      m.samples.map((x, i) => int(x.readyMs - m.alone.samplesMs[i])).join(', '),
      ms(m.overheadMs),
      ms(m.overheadMinMs),
      `vs the server alone: median − median and min − min; median of the paired differences ${ms(m.overheadPairedMs)}`,
    ]);
    const tl = m.samples.map((x) => x.timeline);
    const seen = (f: (t: Exclude<(typeof tl)[number], string>) => number) => tl.map((t) => (typeof t === 'string' ? '?' : int(f(t)))).join(', ');
    rows.push([
      `${h.label}: seen from outside`,
      `before process start ${seen((t) => t.beforeStartMs)}; server start-up ${seen((t) => t.serverMs)}; first answer → ready ${seen((t) => t.afterAnswerMs)}`,
      m.direct ? ms(m.direct.overheadMs) : 'n/a',
      '',
      `hub overhead per spawn = spawn→ready − that server's own start-up: ${seen((t) => t.overheadMs)} ms${tl.some((t) => typeof t === 'string') ? `; not seen: ${tl.filter((t) => typeof t === 'string').join('; ')}` : ''}`,
    ]);
  }
  return `### Spawn → ready (ms), one server at a time, interleaved with the server started alone\n\n${mdTable(['', 'samples', 'median', 'min', 'notes'], rows)}`;
}

/** One row per figure; JupyterHub first, nbhub second. */
export function summaryTable(hubs: HubResults[], info: RunInfo): string {
  const [jh, nb] = hubs;
  const c = info.settings.connections;
  const loadRows = (name: string, pick: (h: HubResults) => Outcome<LoadMeasurement>, target: number | null): string[][] => {
    const a = val(pick(jh))?.result;
    const b = nb ? val(pick(nb))?.result : undefined;
    const cell = (h: HubResults | undefined) => {
      if (!h) return '';
      const m = val(pick(h));
      return m ? `${num(m.result.rps)} req/s${m.errors ? ` (${int(m.errors)} errors)` : ''}` : why(pick(h));
    };
    const lat = (r: typeof a) => (r ? `${num(r.latencyMs.mean)} / ${num(r.latencyMs.p50)} / ${num(r.latencyMs.p99)} ms` : '');
    const rt = a && b ? b.rps / a.rps : null;
    return [
      [name, cell(jh), cell(nb), rt === null ? 'n/a' : `${num(rt)}×`, target === null ? '' : targetCell(rt !== null && rt >= target, `≥ ${target}×`)],
      ['  latency mean / p50 / p99', lat(a), lat(b), a && b ? `${ratio(b.latencyMs.mean, a.latencyMs.mean)} (mean)` : '', ''],
    ];
  };
  const spawnOf = (h: HubResults | undefined) => (h ? val(h.spawn) : null);
  const spawnCell = (h: HubResults | undefined, f: (m: NonNullable<ReturnType<typeof spawnOf>>) => string) => {
    const m = spawnOf(h);
    return h ? (m ? f(m) : why(h.spawn)) : '';
  };
  const cu = (h: HubResults | undefined) => {
    const m = h ? val(h.createUsers) : null;
    if (!h) return '';
    return m ? `${num(m.wallMs / 1000)} s${m.notes.length ? ' (then a request hung or failed: see Problems seen)' : ''}` : why(h.createUsers);
  };
  const cuA = val(jh.createUsers)?.wallMs;
  const cuB = nb ? val(nb.createUsers)?.wallMs : undefined;
  const nbSpawn = spawnOf(nb);
  const rows: string[][] = [
    ...loadRows(`GET /hub/api/users/{name}, admin token, ${c} connections, via the public proxy port`, (h) => h.apiViaProxy, 10),
    ...loadRows("GET /hub/api/users/{name}, same, straight to the hub's port", (h) => h.apiDirect, null),
    ...loadRows(`POST /hub/login, dummy login, new user each time, ${c} connections`, (h) => h.login, 10),
    [
      `POST /hub/api/users creating ${int(info.settings.users)} users (wall time)`,
      cu(jh),
      cu(nb),
      cuA && cuB ? `${ratio(cuB, cuA)} (${ratio(cuA, cuB)} faster)` : 'n/a',
      '',
    ],
    [`spawn → ready, median of ${info.settings.spawns} (min)`, spawnCell(jh, (m) => `${ms(m.medianMs)} (min ${ms(m.minMs)})`), spawnCell(nb, (m) => `${ms(m.medianMs)} (min ${ms(m.minMs)})`), '', ''],
    [
      'user server start-up alone (stub hub), median (min)',
      spawnCell(jh, (m) => `${ms(m.alone.medianMs)} (min ${ms(m.alone.minMs)})`),
      spawnCell(nb, (m) => `${ms(m.alone.medianMs)} (min ${ms(m.alone.minMs)})`),
      '',
      '',
    ],
    [
      'hub overhead = spawn→ready − server start-up alone, medians (paired)',
      spawnCell(jh, (m) => `${ms(m.overheadMs)} (${ms(m.overheadPairedMs)})`),
      spawnCell(nb, (m) => `${ms(m.overheadMs)} (${ms(m.overheadPairedMs)})`),
      '',
      '',
    ],
    [
      "hub overhead per spawn = spawn→ready − that same server's start-up (process start → first answer), median (max)",
      spawnCell(jh, (m) => (m.direct ? `${ms(m.direct.overheadMs)} (max ${ms(m.direct.maxOverheadMs)})` : 'n/a')),
      spawnCell(nb, (m) => (m.direct ? `${ms(m.direct.overheadMs)} (max ${ms(m.direct.maxOverheadMs)})` : 'n/a')),
      '',
      nbSpawn?.direct ? targetCell(nbSpawn.direct.overheadMs <= 50, '≤ 50 ms') : '≤ 50 ms',
    ],
    [
      '  of which: POST → process started / server answered → hub said ready, medians',
      spawnCell(jh, (m) => (m.direct ? `${ms(m.direct.beforeStartMs)} / ${ms(m.direct.afterAnswerMs)}` : 'n/a')),
      spawnCell(nb, (m) => (m.direct ? `${ms(m.direct.beforeStartMs)} / ${ms(m.direct.afterAnswerMs)}` : 'n/a')),
      '',
      '',
    ],
  ];
  return mdTable(['figure', jh?.label ?? 'JupyterHub', nb?.label ?? 'nbhub', 'nbhub / JupyterHub', 'target'], rows);
}

function targetCell(met: boolean, target: string): string {
  return `${target}: ${met ? 'met' : 'NOT met'}`;
}

export function detailTables(hubs: HubResults[]): string {
  const parts = [
    loadTable('GET /hub/api/users/{name} (admin token), via the public proxy port', hubs, (h) => h.apiViaProxy),
    loadTable("GET /hub/api/users/{name} (admin token), straight to the hub's own port", hubs, (h) => h.apiDirect),
    loadTable('POST /hub/login (dummy login, a new user each time; success = 302)', hubs, (h) => h.login),
    `### POST /hub/api/users (one call)\n\n${mdTable(
      ['hub', 'users', 'wall time'],
      [
        ...hubs.map((h) => {
          const m = val(h.createUsers);
          return [h.label, m ? num(m.count) : '', m ? ms(m.wallMs) : why(h.createUsers)];
        }),
        ...(hubs.length === 2
          ? [['nbhub / JupyterHub', '', ratio(val(hubs[1].createUsers)?.wallMs, val(hubs[0].createUsers)?.wallMs)]]
          : []),
      ],
    )}`,
    spawnTable(hubs),
  ];
  return parts.join('\n\n');
}

export function setupSection(hubs: HubResults[], info: RunInfo): string {
  const s = hubs.map((h) => val(h.spawn)).find((m) => m !== null)?.alone;
  const lines = [
    `- Date: ${info.date}; machine: ${info.machine}`,
    `- Command: \`${info.command}\``,
    `- Versions: ${info.versions.join('; ')}`,
    `- Load: wrk -t${info.settings.threads} -c${info.settings.connections}, ${info.settings.durationS} s per figure after a ${info.settings.warmupS} s warm-up of the same load; loopback only; the hubs ran one after the other, each with a fresh data dir`,
    ...hubs.map((h) => `- ${h.label}: ${h.components}; spawner: ${h.spawnSetup}; machine load average (1/5/15 min) when its measurements began: ${h.loadAverage}`),
    `- Server alone: ${s ? `${s.command} against a stub hub API answering GET /hub/api (X-JupyterHub-Version: 5.5.4) and activity posts (requests it saw: ${Object.entries(s.stubRequests).map(([k, n]) => `${k} ×${n}`).join(', ') || 'none'})` : 'not measured'}; timed from process start until GET <server>/api answers, polled every 5 ms`,
  ];
  return lines.join('\n');
}

export function problemsSection(hubs: HubResults[], leftovers: string[], cleaned: string[]): string {
  const lines: string[] = [];
  for (const h of hubs) {
    if (h.failure) lines.push(`- ${h.label} stopped working during the run: ${h.failure.split('\n')[0]}`);
    for (const [name, o] of [
      ['API via proxy', h.apiViaProxy],
      ['API direct', h.apiDirect],
      ['login', h.login],
      ['create users', h.createUsers],
      ['spawn', h.spawn],
    ] as const) {
      if (!o.ok) lines.push(`- ${h.label}, ${name}: ${o.error.split('\n').slice(0, 4).join(' ⏎ ')}`);
      else if ('notes' in o.value) for (const n of o.value.notes) lines.push(`- ${h.label}, ${name}: ${n}`);
    }
    if (h.logErrors.count) {
      lines.push(`- ${h.label}: ${h.logErrors.count} error-level log lines; first ones:`);
      for (const l of h.logErrors.first) lines.push(`    ${l.slice(0, 300)}`);
    }
  }
  if (leftovers.length) lines.push(`- processes still running after the orderly stops, killed by PID: ${leftovers.join(', ')}`);
  if (cleaned.length) lines.push(`- removed after the run: ${cleaned.join(', ')}`);
  return lines.length ? lines.join('\n') : '- none';
}
