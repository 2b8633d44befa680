// Config checks of singleuser.* under the local spawner: Kubernetes-only keys (top level, storage,
// and in profiles, naming the profile) are CONFIG_IGNORED warnings; extraEnv with valueFrom is an
// error; keys the local spawner applies, and defaults written out, say nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './index.ts';
import { ignoredByLocalSpawner } from './localSpawnerChecks.ts';
import pino from 'pino';
import { buildSpawner } from '../hub/spawnerSetup.ts';

function load(text: string) {
  try {
    return { warnings: loadConfig({ file: 'config.yaml', text, env: {} }).warnings, problems: [] };
  } catch (e) {
    if (e instanceof ConfigError) return { warnings: e.warnings, problems: e.problems };
    throw e;
  }
}

const PROFILES = `singleuser:
  profileList:
    - display_name: Small
      kubespawner_override:
        mem_limit: 256M
        cpu_limit: 0.5
        environment: { SIZE: small }
    - display_name: GPU
      kubespawner_override:
        image: quay.io/jupyter/pytorch-notebook:latest
        node_selector: { gpu: "true" }
        mem_guarantee: 1G
`;

test('Kubernetes-only keys in a profile are warnings naming the profile; local keys are not', () => {
  const { warnings, problems } = load(PROFILES);
  assert.deepEqual(problems, []);
  const paths = warnings.filter((w) => w.code === 'CONFIG_IGNORED').map((w) => w.path);
  assert.deepEqual(paths.sort(), [
    'singleuser.profileList[1].kubespawner_override.image',
    'singleuser.profileList[1].kubespawner_override.mem_guarantee',
    'singleuser.profileList[1].kubespawner_override.node_selector',
  ]);
  const image = warnings.find((w) => w.path.endsWith('.image'))!;
  assert.match(image.message, /profile "GPU"\) only means something on Kubernetes; the local spawner ignores it/);
  assert.ok(image.line > 0, 'points at the line');
  assert.match(warnings.find((w) => w.path.endsWith('mem_guarantee'))!.message, /no meaning on one machine/);
});

test('the same profiles under the Kubernetes spawner say nothing', () => {
  const { warnings } = load(`spawner:\n  kind: kubernetes\n${PROFILES}`);
  assert.deepEqual(warnings.filter((w) => w.path.startsWith('singleuser.profileList')), []);
});

test('singleuser keys without local meaning are listed for the hub log; applied keys and defaults are not', () => {
  const { config } = loadConfig({
    text: `singleuser:
  cmd: [jupyterhub-singleuser]
  memory: { limit: 1G }
  cpu: { limit: 1 }
  defaultUrl: /tree
  uid: 1000
  nodeSelector: { disk: ssd }
  extraLabels: { team: a }
  storage:
    type: none
    capacity: 20Gi
    homeMountPath: /home/jovyan
`,
    env: {},
  });
  assert.deepEqual(ignoredByLocalSpawner(config).sort(), ['singleuser.extraLabels', 'singleuser.nodeSelector', 'singleuser.storage.capacity']);
});

test('extraEnv with valueFrom is a config check warning; starting the local spawner with it is an error naming the key', () => {
  const text = `singleuser:
  extraEnv:
    PLAIN: value
    DB_PASSWORD:
      valueFrom:
        secretKeyRef: { name: db, key: password }
`;
  const { problems, warnings } = load(text);
  assert.deepEqual(problems, []);
  const w = warnings.filter((x) => x.path.startsWith('singleuser.extraEnv'));
  assert.deepEqual(w.map((x) => [x.path, x.line]), [['singleuser.extraEnv.DB_PASSWORD', 5]]);
  assert.match(w[0].message, /valueFrom.*local spawner cannot resolve.*nbhub start refuses it/);
  const { config } = loadConfig({ text, env: {} });
  assert.throws(() => buildSpawner(config, '/nonexistent-nbhub-data', pino({ level: 'silent' })), (e: Error) => /singleuser\.extraEnv\.DB_PASSWORD takes its value from Kubernetes/.test(e.message));
});

test('python_env is reported as ignored under the Kubernetes spawner', () => {
  const { warnings } = load(`spawner:\n  kind: kubernetes\nsingleuser:\n  profileList:\n    - display_name: Py\n      kubespawner_override: { python_env: /opt/envs/py }\n`);
  assert.deepEqual(warnings.filter((w) => w.path.includes('python_env')).map((w) => w.path), ['singleuser.profileList[0].kubespawner_override.python_env']);
  assert.deepEqual(load(`singleuser:\n  profileList:\n    - display_name: Py\n      kubespawner_override: { python_env: /opt/envs/py }\n`).warnings, []);
});
