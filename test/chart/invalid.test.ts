// Values the chart refuses: values.schema.json (nbhub's config schema) makes `helm lint` and
// `helm template` reject unknown keys and malformed values, naming the key's path; the
// templates refuse what only the chart knows is wrong.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHART, helm, template, valuesArgs } from './helm.ts';

async function lint(values: object) {
  return helm(['lint', CHART, ...valuesArgs([values])]);
}

const cases: { name: string; values: object; path: RegExp; why: RegExp }[] = [
  { name: 'an unknown key in a section', values: { hub: { cookieSecrets: 'x' } }, path: /at '\/hub'/, why: /additional propert(y|ies) 'cookieSecrets' not allowed/ },
  { name: 'an unknown top-level key', values: { singleusr: { defaultUrl: '/lab' } }, path: /at ''/, why: /additional propert(y|ies) 'singleusr' not allowed/ },
  { name: 'singleuser.memory.limit: lots', values: { singleuser: { memory: { limit: 'lots' } } }, path: /at '\/singleuser\/memory\/limit'/, why: /'lots' does not match pattern/ },
  { name: 'a wrong type', values: { cull: { timeout: 'an hour' } }, path: /at '\/cull\/timeout'/, why: /want integer/ },
  { name: 'a value outside its enum', values: { hub: { db: { type: 'oracle' } } }, path: /at '\/hub\/db\/type'/, why: /must be one of 'sqlite-pvc'/ },
];

for (const c of cases) {
  test(`rejected by values.schema.json: ${c.name}`, async () => {
    for (const [command, run] of [
      ['helm template', () => template([c.values])],
      ['helm lint', () => lint(c.values)],
    ] as const) {
      const r = await run();
      const output = `${r.stdout}\n${r.stderr}`;
      assert.notEqual(r.code, 0, `${command} accepted ${JSON.stringify(c.values)}`);
      assert.match(output, /don't meet the specifications of the schema/, `${command}: ${output}`);
      assert.match(output, c.path, `${command}: ${output}`);
      assert.match(output, c.why, `${command}: ${output}`);
    }
  });
}

test('all problems are reported at once', async () => {
  const r = await template([{ hub: { nope: 1 }, singleuser: { memory: { limit: 'lots' } } }]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /'nope'/);
  assert.match(r.stderr, /\/singleuser\/memory\/limit/);
});

test('the templates refuse what the chart cannot run', async () => {
  for (const [values, message] of [
    [{ spawner: { kind: 'local' } }, /spawner\.kind: the Helm chart runs user servers as pods \(kubernetes\), not local/],
    [{ hub: { port: 0 } }, /hub\.port: the Helm chart needs a fixed hub port/],
    [{ hub: { replicas: 2 } }, /hub\.replicas: must be 1: each hub replica still keeps server state/],
    [{ hub: { replicas: 3, db: { type: 'postgres', url: 'postgresql://db/nbhub' } } }, /hub\.replicas: must be 1/],
    [{ proxy: { https: { enabled: true, type: 'letsencrypt', letsencrypt: { contactEmail: 'a@example.org' } } } }, /proxy\.https\.hosts must name at least one domain/],
    [{ proxy: { https: { enabled: true, type: 'manual' } } }, /proxy\.https\.manual\.(cert|key) is required/],
  ] as const) {
    const r = await template([values]);
    assert.notEqual(r.code, 0, JSON.stringify(values));
    assert.match(r.stderr, message);
  }
});
