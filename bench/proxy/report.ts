// The proxy benchmark's Markdown report: throughput and latency per cell, websocket echo,
// route-add latency, with nbhub ÷ CHP and nbhub ÷ direct ratios and the targets checked.
import { mdTable, num, ratio } from '../lib/markdown.ts';
import type { RouteAddResult, WsResult } from './extras.ts';
import type { LoadResult } from './wrk.ts';

export interface Cell {
  label: string;
  direct: LoadResult;
  chp: LoadResult;
  nbhub: LoadResult;
  /** The nginx reference (when installed). */
  nginx: LoadResult | null;
}

export interface Report {
  date: Date;
  durationS: number;
  repeat: number;
  manyRoutes: number;
  node: string;
  chpVersion: string;
  nginxVersion: string | null;
  cpus: number;
  commit: string;
  cells: Cell[];
  paced: Cell;
  download: Cell;
  ws: { direct: WsResult; chp: WsResult; nbhub: WsResult; nginx: WsResult | null };
  routeAdd: { chp: RouteAddResult; nbhub: RouteAddResult };
  installS: { chp: number; nbhub: number };
}

const ms = (x: number) => `${x < 10 ? x.toFixed(2) : num(x)} ms`;
const mbps = (bytesPerS: number) => `${num(bytesPerS / 1e6)} MB/s`;
const pct = (a: number, b: number) => `${Math.round((100 * a) / b)}%`;
const us = (x: number | undefined) => (x === undefined ? 'n/a' : `${num(x)} µs`);

export function renderReport(r: Report): string {
  const small = r.cells.filter((c) => c !== r.download && c !== r.paced);
  const ref = r.nginxVersion !== null;
  /** The reference columns: nginx's figure and nginx ÷ CHP, when nginx ran. */
  const refCols = (value: number | undefined, chp: number, show: (x: number) => string): string[] =>
    !ref ? [] : value === undefined ? ['n/a', 'n/a'] : [show(value), ratio(value, chp)];
  const throughput = mdTable(
    ['scenario', 'direct', 'CHP', 'nbhub', 'nbhub ÷ CHP', 'nbhub ÷ direct', ...(ref ? ['nginx (reference)', 'nginx ÷ CHP'] : [])],
    [
      ...small.map((c) => [
        c.label + ' (req/s)',
        num(c.direct.rps),
        num(c.chp.rps),
        num(c.nbhub.rps),
        ratio(c.nbhub.rps, c.chp.rps),
        pct(c.nbhub.rps, c.direct.rps),
        ...refCols(c.nginx?.rps, c.chp.rps, num),
      ]),
      [
        r.download.label,
        mbps(r.download.direct.bytesPerS),
        mbps(r.download.chp.bytesPerS),
        mbps(r.download.nbhub.bytesPerS),
        ratio(r.download.nbhub.bytesPerS, r.download.chp.bytesPerS),
        pct(r.download.nbhub.bytesPerS, r.download.direct.bytesPerS),
        ...refCols(r.download.nginx?.bytesPerS, r.download.chp.bytesPerS, mbps),
      ],
      [
        'websocket echo, 10 connections, 64-byte messages (msg/s)',
        num(r.ws.direct.messagesPerS),
        num(r.ws.chp.messagesPerS),
        num(r.ws.nbhub.messagesPerS),
        ratio(r.ws.nbhub.messagesPerS, r.ws.chp.messagesPerS),
        pct(r.ws.nbhub.messagesPerS, r.ws.direct.messagesPerS),
        ...refCols(r.ws.nginx?.messagesPerS, r.ws.chp.messagesPerS, num),
      ],
    ],
  );
  const latencyRows = [...small, r.paced].map((c) => [
    c.label,
    `${ms(c.direct.p50Ms)} / ${ms(c.direct.p99Ms)}`,
    `${ms(c.chp.p50Ms)} / ${ms(c.chp.p99Ms)}`,
    `${ms(c.nbhub.p50Ms)} / ${ms(c.nbhub.p99Ms)}`,
    ms(c.chp.p99Ms - c.direct.p99Ms),
    ms(c.nbhub.p99Ms - c.direct.p99Ms),
    ...(!ref ? [] : c.nginx ? [`${ms(c.nginx.p50Ms)} / ${ms(c.nginx.p99Ms)}`, ms(c.nginx.p99Ms - c.direct.p99Ms)] : ['n/a', 'n/a']),
  ]);
  const latency = mdTable(
    ['scenario', 'direct p50 / p99', 'CHP p50 / p99', 'nbhub p50 / p99', 'CHP added p99', 'nbhub added p99', ...(ref ? ['nginx p50 / p99 (reference)', 'nginx added p99'] : [])],
    latencyRows,
  );
  const cpu = mdTable(
    ['scenario', 'backend (direct run)', 'CHP process', 'nbhub process', 'CHP ÷ nbhub', ...(ref ? ['nginx process (reference)'] : [])],
    small.map((c) => [
      c.label,
      us(c.direct.cpuUsPerRequest),
      us(c.chp.cpuUsPerRequest),
      us(c.nbhub.cpuUsPerRequest),
      ratio(c.chp.cpuUsPerRequest, c.nbhub.cpuUsPerRequest),
      ...(ref ? [us(c.nginx?.cpuUsPerRequest)] : []),
    ]),
  );
  const routes = mdTable(
    ['route API', 'CHP', 'nbhub', 'nbhub ÷ CHP'],
    [
      ['route add, p50 (1,000 sequential POSTs)', ms(r.routeAdd.chp.p50Ms), ms(r.routeAdd.nbhub.p50Ms), ratio(r.routeAdd.nbhub.p50Ms, r.routeAdd.chp.p50Ms)],
      ['route add, p99', ms(r.routeAdd.chp.p99Ms), ms(r.routeAdd.nbhub.p99Ms), ratio(r.routeAdd.nbhub.p99Ms, r.routeAdd.chp.p99Ms)],
      [`installing ${r.manyRoutes.toLocaleString('en-US')} routes, 16 in flight`, `${num(r.installS.chp)} s`, `${num(r.installS.nbhub)} s`, ratio(r.installS.nbhub, r.installS.chp)],
    ],
  );

  const worstVsChp = Math.min(...small.map((c) => c.nbhub.rps / c.chp.rps));
  const worstVsDirect = Math.min(...small.map((c) => c.nbhub.rps / c.direct.rps));
  const added = r.paced.nbhub.p99Ms - r.paced.direct.p99Ms;
  const check = (ok: boolean) => (ok ? 'met' : '**not met**');
  const targets = mdTable(
    ['target (anchors-numbers.md, design.md)', 'measured', ''],
    [
      ['small requests ≥ 4× CHP (every small-request row)', `${num(worstVsChp)}× (lowest row)`, check(worstVsChp >= 4)],
      ['small requests ≥ 40% of direct (every small-request row)', `${Math.round(worstVsDirect * 100)}% (lowest row)`, check(worstVsDirect >= 0.4)],
      ['p99 added latency < 2 ms at 50 connections (paced row)', ms(added), check(added < 2)],
      ['route add < 1 ms (p50)', ms(r.routeAdd.nbhub.p50Ms), check(r.routeAdd.nbhub.p50Ms < 1)],
    ],
  );

  return [
    `# Proxy benchmark — ${r.date.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Command: \`node --import tsx bench/proxy/run.ts --duration ${r.durationS} --repeat ${r.repeat}\`. ` +
      `Machine: ${r.cpus} CPUs, Node ${r.node}; configurable-http-proxy ${r.chpVersion} (npm); nbhub ${r.commit} plus working tree. ` +
      `Load: \`wrk -t1\` on 127.0.0.1 against a tiny Node backend (12-byte answers); the backend, each proxy and wrk share the machine. ` +
      `Each cell ran direct → CHP → nbhub in rotation ${r.repeat}× for ${r.durationS} s and shows the median run. ` +
      `Both proxies log at warn; all routes point at the one backend; requests spread over the routes at random.` +
      (ref
        ? ` Reference: nginx ${r.nginxVersion} (Debian), one process, keep-alive to the backend, one location for all paths (no route table): ` +
          `what a proxy written in C gets from the same two cores, which wrk and the backend share.`
        : ''),
    '',
    '## Throughput',
    '',
    throughput,
    '',
    '## Latency (wrk, p50 / p99; "added" = proxied p99 − direct p99)',
    '',
    'Saturated rows measure queueing at full load (a closed loop: latency ≈ connections ÷ throughput); the paced row (each connection waits a random 0–20 ms before each request, about 5,000 req/s offered) measures what the proxy adds at a moderate load. ' +
      'Every peer gets the same load in the paced row, so it shows the run with the median p99 instead of the median throughput.',
    '',
    latency,
    '',
    '## CPU per request (user + system time of the one process, from /proc, same runs as above)',
    '',
    'On 2 cores the three processes (wrk, proxy, backend) share the CPUs, so throughput ratios also depend on how the CPU is split; ' +
      'CPU time per request is what each proxy itself costs.',
    '',
    cpu,
    '',
    '## Route API',
    '',
    routes,
    '',
    '## Targets',
    '',
    targets,
    '',
  ].join('\n');
}
