// chart/values.schema.json and chart/values.yaml are generated from nbhub's config schema by
// scripts/chart-schema.ts: the committed files must be exactly what it produces, and the
// chart's defaults must be a config nbhub loads.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { chartValuesSchema, chartValuesYaml, CHART_DEFAULTS, OMITTED_KEYS } from '../../scripts/chart-schema.ts';
import { loadConfig, schemaAsJson } from '../../src/config/index.ts';
import { NBHUB_VERSION } from '../../src/hub/version.ts';
import { CHART } from './helm.ts';

const regenerate = 'regenerate with: node --import tsx scripts/chart-schema.ts';

test('chart/values.schema.json is the one generated from the config schema', () => {
  assert.equal(readFileSync(join(CHART, 'values.schema.json'), 'utf8'), chartValuesSchema(), `chart/values.schema.json is stale; ${regenerate}`);
});

test('chart/values.yaml is the one generated from the config schema', () => {
  assert.equal(readFileSync(join(CHART, 'values.yaml'), 'utf8'), chartValuesYaml(), `chart/values.yaml is stale; ${regenerate}`);
});

test('values.schema.json is schemaAsJson() plus Helm’s own `global` key', () => {
  const committed = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as { properties: Record<string, unknown> };
  // The config schema accepts `global` too (z2jh values files have it; the loader drops it); the chart's describes it as Helm's.
  const generated = schemaAsJson() as { properties: Record<string, unknown> };
  assert.deepEqual(Object.keys(committed.properties).filter((k) => k !== 'global'), Object.keys(generated.properties).filter((k) => k !== 'global'));
  const { global, ...rest } = committed.properties;
  assert.equal((global as { type: string }).type, 'object');
  const { global: _configGlobal, ...generatedRest } = generated.properties;
  assert.deepEqual({ ...committed, properties: rest }, { ...generated, properties: generatedRest });
});

test('values.yaml is a config nbhub loads without a warning, with the chart’s own defaults', () => {
  const file = join(CHART, 'values.yaml');
  const { config, warnings } = loadConfig({ file });
  assert.deepEqual(warnings, []);
  assert.equal(config.spawner.kind, 'kubernetes');
  assert.equal(config.hub.ip, '0.0.0.0');
  assert.equal(config.hub.port, 8081);
  const values = parse(readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>>;
  for (const d of CHART_DEFAULTS) assert.deepEqual(d.path.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], values), d.value);
  // Keys whose defaults would clash with deprecated spellings or auth.type custom are left to the hub.
  for (const path of OMITTED_KEYS) {
    assert.equal(path.reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], values), undefined, path.join('.'));
  }
  // The culler is on, with z2jh's defaults.
  assert.deepEqual(values.cull, { enabled: true, users: false, adminUsers: true, removeNamedServers: false, timeout: 3600, every: 600, concurrency: 10, maxAge: 0 });
});

test('the chart’s appVersion is this nbhub release (the default hub image tag)', () => {
  const chart = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as { appVersion: string; name: string };
  assert.equal(chart.name, 'nbhub');
  assert.equal(chart.appVersion, NBHUB_VERSION);
});
