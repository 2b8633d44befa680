// /hub/metrics: JupyterHub 5.5's 14 metrics (names, labels, up-front status labels) plus nbhub's
// own, read:metrics required unless hub.authenticatePrometheus is false, and scraped by a real
// Prometheus (Debian package) started by the test, whose queries find what the community
// Grafana dashboards select.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { freePort } from '../support/nbhubProcess.ts';
import { startTestHub, waitFor, type TestHub } from './support.ts';

const PROMETHEUS = '/usr/bin/prometheus';
const JUPYTERHUB_METRICS = [
  'jupyterhub_request_duration_seconds',
  'jupyterhub_server_spawn_duration_seconds',
  'jupyterhub_running_servers',
  'jupyterhub_total_users',
  'jupyterhub_active_users',
  'jupyterhub_check_routes_duration_seconds',
  'jupyterhub_proxy_poll_duration_seconds',
  'jupyterhub_hub_startup_duration_seconds',
  'jupyterhub_init_spawners_duration_seconds',
  'jupyterhub_proxy_add_duration_seconds',
  'jupyterhub_proxy_delete_duration_seconds',
  'jupyterhub_server_poll_duration_seconds',
  'jupyterhub_server_stop_seconds',
  'jupyterhub_event_loop_interval_seconds',
];

let t: TestHub;
const prometheusToken = randomBytes(32).toString('hex');

before(async () => {
  t = await startTestHub({
    config: {
      hub: {
        services: { prometheus: { apiToken: prometheusToken } },
        loadRoles: { metrics: { scopes: ['read:metrics'], services: ['prometheus'] } },
      },
    },
  });
});

after(async () => {
  await t?.close();
});

async function scrape(url: string, token?: string): Promise<{ status: number; text: string; type: string | null }> {
  const res = await fetch(url, { headers: token ? { Authorization: `token ${token}` } : {} });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}

/** Value of one sample line `name{labels} value`, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('read:metrics is required; the 14 JupyterHub metrics and nbhub’s are served in the text format', async () => {
  assert.equal((await scrape(`${t.url}hub/metrics`)).status, 403);
  await t.createUsers('metric-user');
  const plain = await scrape(`${t.url}hub/metrics`, await t.tokenFor('metric-user'));
  assert.equal(plain.status, 403);
  const reader = await t.tokenFor('metric-user', { scopes: [] });
  assert.equal((await scrape(`${t.url}hub/metrics`, reader)).status, 403);

  const r = await scrape(`${t.url}hub/metrics`, t.token);
  assert.equal(r.status, 200);
  assert.match(String(r.type), /^text\/plain; version=0\.0\.4/);
  for (const name of JUPYTERHUB_METRICS) assert.match(r.text, new RegExp(`^# TYPE ${name} `, 'm'), name);
  // status labels exist before any event, as JupyterHub creates them up front
  for (const s of ['success', 'failure', 'already-pending', 'throttled', 'too-many-users']) {
    assert.equal(sample(r.text, `jupyterhub_server_spawn_duration_seconds_count{status="${s}"}`), 0, s);
  }
  for (const p of ['24h', '7d', '30d']) assert.ok(sample(r.text, `jupyterhub_active_users{period="${p}"}`) !== undefined, p);
  assert.equal(sample(r.text, 'jupyterhub_hub_startup_duration_seconds_count'), 1);
  for (const name of ['nbhub_spawn_queue_length', 'nbhub_spawn_queue_wait_seconds', 'nbhub_proxy_routes', 'process_cpu_seconds_total']) {
    assert.match(r.text, new RegExp(`^# TYPE ${name} `, 'm'), name);
  }
  // the same at /hub/api/metrics
  assert.equal((await scrape(`${t.url}hub/api/metrics`, t.token)).status, 200);
});

test('a spawn and a stop are counted; requests are labelled with JupyterHub handler names', async () => {
  await t.createUsers('counted');
  assert.equal((await t.api.call('POST', '/users/counted/server')).status, 201);
  let text = (await scrape(`${t.url}hub/metrics`, t.token)).text;
  assert.equal(sample(text, 'jupyterhub_server_spawn_duration_seconds_count{status="success"}'), 1);
  assert.equal(sample(text, 'jupyterhub_running_servers'), 1);
  assert.ok(sample(text, 'jupyterhub_total_users')! >= 2);
  assert.ok(sample(text, 'jupyterhub_proxy_add_duration_seconds_count{status="success"}')! >= 1);
  assert.ok(sample(text, 'nbhub_spawn_queue_wait_seconds_count')! >= 1);
  assert.match(text, /jupyterhub_request_duration_seconds_count\{method="POST",handler="jupyterhub\.apihandlers\.users\.UserServerAPIHandler",code="201"\} 1/);
  assert.equal((await t.api.call('DELETE', '/users/counted/server')).status, 204);
  text = (await scrape(`${t.url}hub/metrics`, t.token)).text;
  assert.equal(sample(text, 'jupyterhub_server_stop_seconds_count{status="success"}'), 1);
  assert.equal(sample(text, 'jupyterhub_running_servers'), 0);
});

test('a real Prometheus scrapes /hub/metrics with a read:metrics token; the dashboards’ series are there', { skip: !existsSync(PROMETHEUS) && `no ${PROMETHEUS}` }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nbhub-prom-'));
  let prom: ChildProcess | null = null;
  try {
    // the token of a service holding only read:metrics (hub.loadRoles)
    const token = prometheusToken;
    assert.deepEqual((await t.as(token).get('/user')).body.roles, ['metrics']);
    await writeFile(path.join(dir, 'token'), token, { mode: 0o600 });
    const hub = new URL(t.url);
    await writeFile(
      path.join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'scrape_configs:',
        '  - job_name: jupyterhub',
        '    metrics_path: /hub/metrics',
        `    authorization: { type: Bearer, credentials_file: ${path.join(dir, 'token')} }`,
        `    static_configs: [ { targets: ['${hub.host}'], labels: { app: jupyterhub } } ]`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    let out = '';
    prom = spawn(PROMETHEUS, [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    prom.stdout!.on('data', (b) => (out += b));
    prom.stderr!.on('data', (b) => (out += b));
    const query = async (q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> => {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(q)}`);
      const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      assert.equal(body.status, 'success', JSON.stringify(body));
      return body.data.result;
    };
    const up = async () => {
      try {
        const r = await query('up{job="jupyterhub"}');
        return r.length === 1 && r[0].value[1] === '1';
      } catch {
        return false;
      }
    };
    await waitFor(`Prometheus to scrape the hub (its output: ${out.slice(-2000)})`, up, 60_000);
    // what the Activity and JupyterHub dashboards query, with the app label they select on
    assert.equal((await query('jupyterhub_running_servers{app="jupyterhub"}')).length, 1);
    assert.deepEqual((await query('jupyterhub_active_users{app="jupyterhub"}')).map((r) => r.metric.period).sort(), ['24h', '30d', '7d']);
    const spawnCounts = await query('jupyterhub_server_spawn_duration_seconds_count{app="jupyterhub"}');
    assert.deepEqual(spawnCounts.map((r) => r.metric.status).sort(), ['already-pending', 'failure', 'success', 'throttled', 'too-many-users']);
    const latency = await query(
      'histogram_quantile(0.99, sum(jupyterhub_request_duration_seconds_bucket{app="jupyterhub", handler!="jupyterhub.apihandlers.users.SpawnProgressAPIHandler"}) by (le))',
    );
    assert.equal(latency.length, 1);
    const codes = await query('sum(jupyterhub_request_duration_seconds_count{app="jupyterhub"}) by (code)');
    assert.ok(codes.some((r) => r.metric.code === '200'));
    assert.ok(!out.includes(token), 'the token is not in Prometheus output');
  } finally {
    if (prom && prom.exitCode === null && prom.signalCode === null) {
      const exited = new Promise((r) => prom!.once('exit', r));
      prom.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  }
});

test('hub.authenticatePrometheus: false serves the metrics to anyone', async () => {
  const open = await startTestHub({ config: { hub: { authenticatePrometheus: false } } });
  try {
    const r = await scrape(`${open.url}hub/metrics`);
    assert.equal(r.status, 200);
    assert.match(r.text, /^# TYPE jupyterhub_running_servers gauge/m);
  } finally {
    await open.close();
  }
});
