// The z2jh 4 user-pod keys (test/z2jh/all-keys.yaml, every key of z2jh's schema) in the pod
// the Kubernetes spawner builds: extra resources, pod (anti-)affinity, the network-tools init
// container's resources, the home subPath of dynamic storage, the release's pull secrets, the
// pod name template spelled singleuser.podNameTemplate.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../config/index.ts';
import { makePod } from './objects.ts';
import { buildPodSpec, serverNames, type PodContext } from './podSpec.ts';
import { resolveProfile } from './profiles.ts';
import { kubeSettingsFromConfig } from './settings.ts';

const ALL_KEYS = fileURLToPath(new URL('../../../test/z2jh/all-keys.yaml', import.meta.url));

test('z2jh 4 user-pod keys reach the pod', () => {
  const { config } = loadConfig({ file: ALL_KEYS });
  const k = kubeSettingsFromConfig(config);
  const ctx: PodContext = {
    namespace: 'jhub',
    appLabel: k.appLabel,
    releaseName: k.releaseName,
    podNameTemplate: k.podNameTemplate,
    schedulerName: k.schedulerName,
    priorityClassName: k.priorityClassName,
  };
  const { settings } = resolveProfile(k.base, k.profiles, {});
  const names = serverNames(ctx, settings, 'alice', 'gpu');
  assert.equal(names.pod, 'jupyter-alice---gpu', 'singleuser.podNameTemplate ({servername} expands to -gpu)');
  const pod = makePod(
    buildPodSpec(ctx, settings, names, {
      userName: 'alice',
      serverName: 'gpu',
      servicePrefix: '/user/alice/gpu/',
      env: {},
      cmd: ['jupyterhub-singleuser'],
      args: [],
      userOptions: {},
    }),
  );
  const spec = pod.spec!;
  const notebook = spec.containers.find((c) => c.name === 'notebook')!;
  assert.equal(notebook.resources?.limits?.['example.org/widget'], '1');
  assert.equal(notebook.resources?.requests?.['example.org/widget'], '1');
  assert.equal(notebook.resources?.limits?.cpu, '1', 'the default profile (Small) overrides cpu_limit');
  assert.deepEqual(spec.affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0].weight, 50);
  assert.deepEqual(spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0].podAffinityTerm.topologyKey, 'topology.kubernetes.io/zone');
  assert.ok(spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, 'node affinity kept next to pod affinity');
  const block = spec.initContainers?.find((c) => c.name === 'block-cloud-metadata');
  assert.deepEqual(block?.resources, { requests: { cpu: '10m' } });
  const home = notebook.volumeMounts?.find((m) => m.mountPath === '/home/jovyan');
  assert.equal(home?.subPath, 'home', 'singleuser.storage.dynamic.subPath');
  assert.deepEqual(
    spec.imagePullSecrets?.map((s) => s.name),
    ['user-image-secret', 'image-pull-secret', 'release-pull-secret'],
    "the user image's, then the release's (created and listed)",
  );
});
