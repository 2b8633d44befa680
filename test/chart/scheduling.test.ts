// The chart's scheduling objects (z2jh's scheduling.*): the user scheduler (kube-scheduler with a
// packing profile), PriorityClasses and user placeholders, and their wiring to the hub's config:
// the profile's schedulerName is the spawner's schedulerName, placeholders look like the user pods
// the hub would create (built here with the Kubernetes spawner's own code), and each part
// disappears, with its hub config key, when disabled.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { parse } from 'yaml';
import type { Config } from '../../src/config/index.ts';
import { makePod } from '../../src/spawner/kubernetes/objects.ts';
import { buildPodSpec, serverNames, type PodContext } from '../../src/spawner/kubernetes/podSpec.ts';
import { resolveProfile } from '../../src/spawner/kubernetes/profiles.ts';
import { kubeSettingsFromConfig } from '../../src/spawner/kubernetes/settings.ts';
import { REPO, loadRenderedConfig, render, template, type K8sObject, type PodSpec, type Rendered } from './helm.ts';

const RELEASE = 'nbhub-test';
const SCHEDULER = `${RELEASE}-user-scheduler`;

interface SchedulerConfig {
  apiVersion: string;
  kind: string;
  leaderElection: { leaderElect: boolean; resourceLock: string; resourceName: string; resourceNamespace: string };
  profiles: { schedulerName: string; plugins?: Record<string, unknown>; pluginConfig?: { name: string; args: Record<string, unknown> }[] }[];
}

interface Workload {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec & Record<string, unknown> };
  };
}

function workload(o: K8sObject): Workload {
  return o as unknown as Workload;
}

function schedulerConfig(r: Rendered): SchedulerConfig {
  const data = (r.get('ConfigMap', 'user-scheduler') as unknown as { data: Record<string, string> }).data;
  return parse(data['config.yaml']) as SchedulerConfig;
}

function priorityValue(r: Rendered, name: string): number {
  return (r.get('PriorityClass', name) as unknown as { value: number }).value;
}

/** The pod the hub would create for alice with the rendered config (the Kubernetes spawner's own code). */
function userPod(config: Config): V1Pod {
  const k = kubeSettingsFromConfig(config);
  const ctx: PodContext = {
    namespace: 'hubns',
    appLabel: k.appLabel,
    releaseName: k.releaseName,
    podNameTemplate: k.podNameTemplate,
    schedulerName: k.schedulerName,
    priorityClassName: k.priorityClassName,
  };
  const spawn = { userName: 'alice', serverName: '', env: {}, servicePrefix: '/user/alice/', cmd: ['jupyterhub-singleuser'], args: [], userOptions: {} };
  const { settings } = resolveProfile(k.base, k.profiles, {});
  return makePod(buildPodSpec(ctx, settings, serverNames(ctx, settings, 'alice', ''), spawn));
}

const SCHEDULER_OBJECTS: [string, string][] = [
  ['ConfigMap', 'user-scheduler'],
  ['Deployment', 'user-scheduler'],
  ['PodDisruptionBudget', 'user-scheduler'],
  ['ServiceAccount', 'user-scheduler'],
  ['Role', 'user-scheduler'],
  ['RoleBinding', 'user-scheduler'],
  ['ClusterRoleBinding', `${SCHEDULER}-kube-scheduler`],
  ['ClusterRoleBinding', `${SCHEDULER}-volume-scheduler`],
];

test('user scheduler (on by default): kube-scheduler with a packing profile whose name the hub gives user pods', async () => {
  const r = await render();
  for (const [kind, name] of SCHEDULER_OBJECTS) r.get(kind, name);
  const { config } = loadRenderedConfig(r);
  assert.equal(config.spawner.kubernetes.schedulerName, SCHEDULER);
  assert.equal(userPod(config).spec?.schedulerName, SCHEDULER);

  // The configuration: one profile of that name, scoring MostAllocated; leader election on a Lease here.
  const sc = schedulerConfig(r);
  assert.equal(sc.apiVersion, 'kubescheduler.config.k8s.io/v1');
  assert.equal(sc.kind, 'KubeSchedulerConfiguration');
  assert.deepEqual(sc.profiles.map((p) => p.schedulerName), [SCHEDULER]);
  const fit = sc.profiles[0].pluginConfig?.find((p) => p.name === 'NodeResourcesFit');
  assert.equal((fit?.args.scoringStrategy as { type: string }).type, 'MostAllocated');
  assert.deepEqual(sc.leaderElection, { leaderElect: true, resourceLock: 'leases', resourceName: 'user-scheduler', resourceNamespace: 'hubns' });

  // The Deployment runs kube-scheduler on that file, from the mounted ConfigMap.
  const d = workload(r.get('Deployment', 'user-scheduler'));
  assert.equal(d.spec.replicas, 2);
  const pod = d.spec.template.spec;
  const c = r.container('Deployment', 'user-scheduler', 'kube-scheduler');
  const configArg = c.command?.find((a) => a.startsWith('--config='))?.slice('--config='.length);
  assert.ok(configArg, `no --config in ${JSON.stringify(c.command)}`);
  const mount = c.volumeMounts?.find((m) => configArg.startsWith(`${m.mountPath}/`));
  assert.ok(mount, 'the --config file is on a mounted volume');
  const volume = pod.volumes?.find((v) => v.name === mount.name) as { configMap?: { name: string } } | undefined;
  assert.equal(volume?.configMap?.name, 'user-scheduler');
  assert.equal(configArg.slice(mount.mountPath.length + 1), 'config.yaml');
  // The image is the kube-scheduler of the Kubernetes version the test cluster runs.
  const k8sVersion = /K8S_VERSION="\$\{K8S_VERSION:-(v[0-9.]+)\}"/.exec(readFileSync(join(REPO, 'scripts/k8s/versions.sh'), 'utf8'))?.[1];
  assert.equal(c.image, `registry.k8s.io/kube-scheduler:${k8sVersion}`);
  assert.equal(pod.serviceAccountName, 'user-scheduler');
  assert.match(d.spec.template.metadata.annotations?.['checksum/config'] ?? '', /^[0-9a-f]{64}$/);
  const changed = await render([{ scheduling: { userScheduler: { logLevel: 2, pluginConfig: [] } } }]);
  assert.notEqual(workload(changed.get('Deployment', 'user-scheduler')).spec.template.metadata.annotations?.['checksum/config'], d.spec.template.metadata.annotations?.['checksum/config']);
  assert.ok(r.container('Deployment', 'user-scheduler', 'kube-scheduler').command?.includes('--v=4'));
  assert.ok(changed.container('Deployment', 'user-scheduler', 'kube-scheduler').command?.includes('--v=2'));

  // RBAC: the cluster scheduler's roles, and its own Lease.
  const roleRefs = r.all('ClusterRoleBinding').map((b) => (b as unknown as { roleRef: { name: string } }).roleRef.name);
  assert.deepEqual(roleRefs, ['system:kube-scheduler', 'system:volume-scheduler']);
  for (const b of [...r.all('ClusterRoleBinding'), r.get('RoleBinding', 'user-scheduler')]) {
    assert.deepEqual((b as unknown as { subjects: unknown[] }).subjects, [{ kind: 'ServiceAccount', name: 'user-scheduler', namespace: 'hubns' }]);
  }
  assert.deepEqual((r.get('Role', 'user-scheduler') as unknown as { rules: unknown[] }).rules, [
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: [sc.leaderElection.resourceName], verbs: ['get', 'update', 'list', 'watch'] },
  ]);

  // The PDB covers exactly the scheduler's pods.
  const pdb = r.get('PodDisruptionBudget', 'user-scheduler') as unknown as { spec: { maxUnavailable: number; selector: { matchLabels: Record<string, string> } } };
  assert.equal(pdb.spec.maxUnavailable, 1);
  assert.deepEqual(pdb.spec.selector.matchLabels, d.spec.selector.matchLabels);
  for (const [k, v] of Object.entries(d.spec.selector.matchLabels)) assert.equal(d.spec.template.metadata.labels[k], v);
  const noPdb = await render([{ scheduling: { userScheduler: { pdb: { enabled: false } } } }]);
  assert.equal(noPdb.find('PodDisruptionBudget', 'user-scheduler'), undefined);

  // By default: no priority classes, no placeholders (0 replicas), no priority in the hub's config.
  assert.deepEqual(r.all('PriorityClass'), []);
  assert.deepEqual(r.all('StatefulSet'), []);
  assert.equal(config.spawner.kubernetes.priorityClassName, null);
});

test('user scheduler disabled: none of its objects, and user pods keep the default scheduler', async () => {
  const r = await render([{ scheduling: { userScheduler: { enabled: false } } }]);
  for (const [kind, name] of SCHEDULER_OBJECTS) assert.equal(r.find(kind, name), undefined, `${kind}/${name}`);
  const { config } = loadRenderedConfig(r);
  assert.equal(config.spawner.kubernetes.schedulerName, null);
  assert.equal(userPod(config).spec?.schedulerName, undefined);

  // A scheduler name the values give wins over the chart's.
  const own = await render([{ spawner: { kubernetes: { schedulerName: 'my-scheduler' } } }]);
  assert.equal(loadRenderedConfig(own).config.spawner.kubernetes.schedulerName, 'my-scheduler');

  // rbac.enabled: false: the scheduler runs with the namespace's default account, no RBAC objects.
  const noRbac = await render([{ rbac: { enabled: false } }]);
  assert.equal(noRbac.podSpec('Deployment', 'user-scheduler').serviceAccountName, undefined);
  for (const kind of ['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRoleBinding']) assert.deepEqual(noRbac.all(kind), [], kind);
});

const WITH_PLACEHOLDERS = {
  singleuser: {
    cpu: { guarantee: 0.5, limit: 2 },
    memory: { guarantee: '1G', limit: '2G' },
    nodeSelector: { pool: 'users' },
    extraTolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }],
    extraNodeAffinity: { required: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] },
  },
  scheduling: {
    podPriority: { enabled: true },
    userPlaceholder: { replicas: 3 },
    userPods: { tolerations: [{ key: 'spot', operator: 'Exists' }] },
  },
};

test('pod priority and user placeholders: placeholders are user pods of a lower priority on the user scheduler', async () => {
  const r = await render([WITH_PLACEHOLDERS]);
  const { config } = loadRenderedConfig(r);
  assert.equal(config.spawner.kubernetes.priorityClassName, `${RELEASE}-default-priority`);
  const user = userPod(config);
  assert.equal(user.spec?.priorityClassName, `${RELEASE}-default-priority`);

  const defaultPriority = priorityValue(r, `${RELEASE}-default-priority`);
  const placeholderPriority = priorityValue(r, `${RELEASE}-user-placeholder-priority`);
  assert.equal(defaultPriority, 0);
  assert.equal(placeholderPriority, -10);
  assert.ok(placeholderPriority < defaultPriority, 'user pods must be able to evict placeholders');
  assert.equal((r.get('PriorityClass', `${RELEASE}-default-priority`) as unknown as { globalDefault: boolean }).globalDefault, false);

  const sts = workload(r.get('StatefulSet', 'user-placeholder'));
  assert.equal(sts.spec.replicas, 3);
  for (const [k, v] of Object.entries(sts.spec.selector.matchLabels)) assert.equal(sts.spec.template.metadata.labels[k], v);
  const ph = sts.spec.template.spec;
  assert.equal(ph.priorityClassName, `${RELEASE}-user-placeholder-priority`);
  // Placed like the user pod: same scheduler (the user scheduler's profile), tolerations, node selector and affinity.
  assert.equal(ph.schedulerName, schedulerConfig(r).profiles[0].schedulerName);
  assert.equal(ph.schedulerName, user.spec?.schedulerName);
  assert.deepEqual(ph.tolerations, user.spec?.tolerations);
  assert.deepEqual(ph.nodeSelector, user.spec?.nodeSelector);
  assert.deepEqual(ph.affinity, user.spec?.affinity);
  // And as big: the user pod's requests (the guarantees) and limits.
  const pause = ph.containers[0];
  assert.equal(pause.image, 'registry.k8s.io/pause:3.10');
  assert.deepEqual(pause.resources, { requests: { cpu: '0.5', memory: '1G' }, limits: { cpu: '2', memory: '2G' } });
  assert.deepEqual(pause.resources, user.spec?.containers[0].resources);
  assert.equal(ph.automountServiceAccountToken, false);

  // userPlaceholder.resources replaces the user pod's size.
  const sized = await render([WITH_PLACEHOLDERS, { scheduling: { userPlaceholder: { resources: { requests: { cpu: '100m' } } } } }]);
  assert.deepEqual(sized.podSpec('StatefulSet', 'user-placeholder').containers[0].resources, { requests: { cpu: '100m' } });
  // Memory sizes nbhub reads (1K = 1000 bytes, a number of bytes) become quantities Kubernetes reads the same way.
  const bytes = await render([WITH_PLACEHOLDERS, { singleuser: { memory: { guarantee: '1K', limit: 2_000_000 } } }]);
  assert.deepEqual(bytes.podSpec('StatefulSet', 'user-placeholder').containers[0].resources, {
    requests: { cpu: '0.5', memory: '1k' },
    limits: { cpu: '2', memory: '2000000' },
  });

  // Configured values, and their order enforced.
  const custom = await render([WITH_PLACEHOLDERS, { scheduling: { podPriority: { defaultPriority: 10, userPlaceholderPriority: -5, imagePullerPriority: 0, globalDefault: true } } }]);
  assert.equal(priorityValue(custom, `${RELEASE}-default-priority`), 10);
  assert.equal(priorityValue(custom, `${RELEASE}-user-placeholder-priority`), -5);
  assert.equal((custom.get('PriorityClass', `${RELEASE}-default-priority`) as unknown as { globalDefault: boolean }).globalDefault, true);
  const inverted = await template([WITH_PLACEHOLDERS, { scheduling: { podPriority: { defaultPriority: -20 } } }]);
  assert.notEqual(inverted.code, 0);
  assert.match(inverted.stderr, /scheduling\.podPriority: defaultPriority must be above userPlaceholderPriority/);
});

test('image pullers get a priority between user pods and placeholders (z2jh imagePullerPriority)', async () => {
  const r = await render([WITH_PLACEHOLDERS]);
  const name = `${RELEASE}-image-puller-priority`;
  const value = priorityValue(r, name);
  assert.ok(value < priorityValue(r, `${RELEASE}-default-priority`) && value > priorityValue(r, `${RELEASE}-user-placeholder-priority`), String(value));
  for (const ds of ['hook-image-puller', 'continuous-image-puller']) assert.equal(r.podSpec('DaemonSet', ds).priorityClassName, name, ds);
  // The hook's pullers run before the release's objects: their class is a hook created before them.
  type Annotated = { metadata: { annotations?: Record<string, string> } };
  const hookOf = (o: unknown) => (o as Annotated).metadata.annotations ?? {};
  const classHook = hookOf(r.get('PriorityClass', name));
  assert.equal(classHook['helm.sh/hook'], 'pre-install,pre-upgrade');
  assert.ok(Number(classHook['helm.sh/hook-weight']) < Number(hookOf(r.get('DaemonSet', 'hook-image-puller'))['helm.sh/hook-weight']));
  const noHook = await render([WITH_PLACEHOLDERS, { prePuller: { hook: { enabled: false } } }]);
  assert.equal(hookOf(noHook.get('PriorityClass', name))['helm.sh/hook'], undefined, 'a plain object without the hook');
  const off = await render([WITH_PLACEHOLDERS, { scheduling: { podPriority: { enabled: false } } }]);
  assert.equal(off.find('PriorityClass', name), undefined);
  assert.equal(off.podSpec('DaemonSet', 'continuous-image-puller').priorityClassName, undefined);
  const outOfOrder = await template([WITH_PLACEHOLDERS, { scheduling: { podPriority: { imagePullerPriority: 5 } } }]);
  assert.notEqual(outOfOrder.code, 0);
  assert.match(outOfOrder.stderr, /imagePullerPriority must be between userPlaceholderPriority and defaultPriority/);
});

test('disabling pod priority or placeholders removes their objects and the hub config key', async () => {
  // No pod priority: no PriorityClass, placeholders without one, nothing in the hub's config.
  const noPriority = await render([WITH_PLACEHOLDERS, { scheduling: { podPriority: { enabled: false } } }]);
  assert.deepEqual(noPriority.all('PriorityClass'), []);
  assert.equal(loadRenderedConfig(noPriority).config.spawner.kubernetes.priorityClassName, null);
  assert.equal(noPriority.podSpec('StatefulSet', 'user-placeholder').priorityClassName, undefined);

  // No placeholders: no StatefulSet and no placeholder priority; user pods keep theirs.
  for (const off of [{ enabled: false }, { replicas: 0 }]) {
    const r = await render([WITH_PLACEHOLDERS, { scheduling: { userPlaceholder: off } }]);
    assert.deepEqual(r.all('StatefulSet'), [], JSON.stringify(off));
    assert.equal(loadRenderedConfig(r).config.spawner.kubernetes.priorityClassName, `${RELEASE}-default-priority`);
    assert.equal(r.find('PriorityClass', `${RELEASE}-user-placeholder-priority`) !== undefined, off.enabled !== false, JSON.stringify(off));
  }

  // Placeholders without the user scheduler use the default scheduler, like user pods then.
  const noScheduler = await render([WITH_PLACEHOLDERS, { scheduling: { userScheduler: { enabled: false } } }]);
  assert.equal(noScheduler.podSpec('StatefulSet', 'user-placeholder').schedulerName, undefined);
  assert.equal(userPod(loadRenderedConfig(noScheduler).config).spec?.schedulerName, undefined);
});
