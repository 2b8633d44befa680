// Golden-file tests of the manifest builders (KubeSpawner's test_objects.py pattern): a config
// file with z2jh keys + a spawn → the pod and PVC nbhub would create, compared with the
// expected manifests in golden/. After an intended change: UPDATE_GOLDEN=1, then review the diff.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { loadConfig, type Config } from '../../config/index.ts';
import type { SpawnSpec } from '../types.ts';
import { makePod, makePvc, toQuantity } from './objects.ts';
import { buildPodSpec, buildPvcSpec, serverNames, type PodContext } from './podSpec.ts';
import { resolveProfile } from './profiles.ts';
import { kubeSettingsFromConfig } from './settings.ts';

const golden = (name: string) => fileURLToPath(new URL(`./golden/${name}`, import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../../config/fixtures/${name}`, import.meta.url));

/**
 * What the hub passes for this config (src/hub/servers.ts): the protocol environment (fixed
 * here, so these goldens test the builders, not the hub's env code), defaultUrl and the string
 * extraEnv entries, the resolved command.
 */
function spawnSpec(userName: string, serverName = '', userOptions: Record<string, unknown> = {}) {
  return (config: Config): SpawnSpec => {
    const servicePrefix = `/user/${userName}/${serverName ? `${serverName}/` : ''}`;
    const su = config.singleuser;
    const env: Record<string, string> = {
      JUPYTERHUB_API_TOKEN: 'golden-token',
      JUPYTERHUB_CLIENT_ID: `jupyterhub-user-${userName}${serverName ? `-${serverName}` : ''}`,
      JUPYTERHUB_API_URL: 'http://hub:8081/hub/api',
      JUPYTERHUB_ACTIVITY_URL: `http://hub:8081/hub/api/users/${userName}/activity`,
      JUPYTERHUB_BASE_URL: '/',
      JUPYTERHUB_SERVICE_PREFIX: servicePrefix,
      JUPYTERHUB_USER: userName,
      JUPYTERHUB_SERVER_NAME: serverName,
      ...(su.defaultUrl ? { JUPYTERHUB_DEFAULT_URL: su.defaultUrl } : {}),
      ...Object.fromEntries(Object.entries(su.extraEnv).filter((e): e is [string, string] => typeof e[1] === 'string')),
    };
    const cmd = Array.isArray(su.cmd) && su.cmd.length ? su.cmd : typeof su.cmd === 'string' && su.cmd ? [su.cmd] : ['jupyterhub-singleuser'];
    return { userName, serverName, servicePrefix, env, cmd, args: su.args, userOptions };
  };
}

interface Case {
  name: string;
  config: { file: string } | { text: string };
  spawn: (config: Config) => SpawnSpec;
}

const FULL = `
singleuser:
  image: {name: registry.example.org/lab, tag: "2024.1", pullPolicy: Always, pullSecrets: [team-registry]}
  imagePullSecret: {create: true, registry: registry.example.org, username: bot, password: hunter2}
  imagePullSecrets: [other-registry, {name: third-registry}]
  cmd: [start-singleuser.sh, --SingleUserApp.default_url=/lab]
  args: [--debug]
  defaultUrl: /tree
  extraEnv:
    EDITOR: vim
    JUPYTER_ENABLE_LAB: 1
    NODE_NAME: {valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
    DB_PASSWORD: {valueFrom: {secretKeyRef: {name: db, key: password}}}
  lifecycleHooks:
    postStart:
      exec: {command: [gitpuller, "https://github.com/data-8/materials-fa17", master, materials-fa]}
  memory: {limit: 4Gi, guarantee: 512M}
  cpu: {limit: 2, guarantee: 0.25}
  serviceAccountName: notebook-reader
  uid: 1001
  fsGid: 101
  nodeSelector: {disktype: ssd}
  extraTolerations:
    - {key: gpu, operator: Exists, effect: NoSchedule}
  extraNodeAffinity:
    required:
      - matchExpressions: [{key: zone, operator: In, values: [a, b]}]
  extraLabels: {course: physics-101}
  extraAnnotations: {example.org/owner: physics}
  storage:
    capacity: 2Gi
    dynamic: {storageClass: jupyterhub-user-ssd}
    extraLabels: {backup: daily}
    extraVolumes:
      - name: shared-data
        persistentVolumeClaim: {claimName: shared-data}
    extraVolumeMounts:
      - {name: shared-data, mountPath: /home/jovyan/shared, readOnly: true}
  cloudMetadata: {blockWithIptables: false}
scheduling:
  userPods:
    nodeAffinity: {matchNodePurpose: require}
spawner:
  kind: kubernetes
  kubernetes: {releaseName: physics, schedulerName: physics-user-scheduler}
`;

const STATIC = `
singleuser:
  storage:
    type: static
    static: {pvcName: home-nfs, subPath: "homes/{username}"}
    homeMountPath: /home/jovyan/work
scheduling:
  userPods:
    nodeAffinity: {matchNodePurpose: ignore}
`;

const PROFILES = `
singleuser:
  storage: {type: none}
  memory: {guarantee: 1G}
  profileList:
    - display_name: Small (default)
      default: true
    - display_name: Datascience GPU
      description: A GPU and 8 GB of memory
      kubespawner_override:
        image: quay.io/jupyter/pytorch-notebook:cuda12-latest
        mem_limit: 8G
        mem_guarantee: 4G
        cpu_limit: 4
        extra_resource_limits: {nvidia.com/gpu: "1"}
        environment: {CUDA_VISIBLE_DEVICES: "0"}
        node_selector: {gpu: nvidia-t4}
        tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]
`;

const CASES: Case[] = [
  { name: 'z2jh-minimal', config: { file: fixture('z2jh-minimal.yaml') }, spawn: spawnSpec('alice') },
  { name: 'up2u', config: { file: fixture('up2u-values.yaml') }, spawn: spawnSpec('Ursula.Up2U@example.org') },
  { name: 'full', config: { text: FULL }, spawn: spawnSpec('bob') },
  { name: 'static-named-server', config: { text: STATIC }, spawn: spawnSpec('carol', 'gpu-run') },
  { name: 'profile-gpu-no-storage', config: { text: PROFILES }, spawn: spawnSpec('dave', '', { profile: 'datascience-gpu' }) },
];

function build(c: Case) {
  const { config } = loadConfig('file' in c.config ? { file: c.config.file } : { text: c.config.text });
  const k = kubeSettingsFromConfig(config);
  const ctx: PodContext = {
    namespace: 'jhub',
    appLabel: k.appLabel,
    releaseName: k.releaseName,
    podNameTemplate: k.podNameTemplate,
    schedulerName: k.schedulerName,
    priorityClassName: k.priorityClassName,
  };
  const spawn = c.spawn(config);
  const { settings } = resolveProfile(k.base, k.profiles, spawn.userOptions);
  const names = serverNames(ctx, settings, spawn.userName, spawn.serverName);
  return {
    pod: makePod(buildPodSpec(ctx, settings, names, spawn)),
    pvc: names.pvc ? makePvc(buildPvcSpec(ctx, settings, names.pvc, spawn.userName, spawn.serverName)) : null,
  };
}

function checkGolden(file: string, actual: unknown): void {
  const path = golden(file);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
    writeFileSync(path, stringify(actual, { lineWidth: 0 }));
    if (process.env.UPDATE_GOLDEN !== '1') assert.fail(`${file} did not exist; written: review it and run again`);
    return;
  }
  assert.deepEqual(JSON.parse(JSON.stringify(actual)), parse(readFileSync(path, 'utf8')), `${file} differs (UPDATE_GOLDEN=1 rewrites it)`);
}

describe('golden manifests', () => {
  for (const c of CASES) {
    it(`${c.name}: pod`, () => checkGolden(`${c.name}.pod.yaml`, build(c).pod));
    it(`${c.name}: volume claim`, () => {
      const { pvc } = build(c);
      if (pvc) checkGolden(`${c.name}.pvc.yaml`, pvc);
      else assert.ok(!existsSync(golden(`${c.name}.pvc.yaml`)), 'no claim expected for this case');
    });
  }
});

describe('documented keys reach the manifest', () => {
  it('Up2U: limits, guarantees, 10G storage, /lab', () => {
    const { pod, pvc } = build(CASES[1]);
    const c = pod.spec!.containers[0];
    assert.deepEqual(c.resources, { requests: { cpu: '0.5', memory: '1G' }, limits: { cpu: '2', memory: '2G' } });
    assert.equal(c.image, 'OUR-PROJECT/k8s-single-user:v1.0');
    assert.equal(pvc!.spec!.resources!.requests!.storage, '10G');
    assert.ok(c.env!.some((e) => e.name === 'JUPYTERHUB_DEFAULT_URL' && e.value === '/lab'));
    assert.ok(c.env!.some((e) => e.name === 'MEM_LIMIT' && e.value === '2000000000'));
    assert.equal(pod.metadata!.name, 'jupyter--55rsula-2e-55p2-55-40example-2eorg');
  });
  it('the server binds all interfaces on port 8888 under its prefix', () => {
    const { pod } = build(CASES[0]);
    const c = pod.spec!.containers[0];
    assert.equal(c.env!.find((e) => e.name === 'JUPYTERHUB_SERVICE_URL')!.value, 'http://0.0.0.0:8888/user/alice/');
    assert.deepEqual(c.ports, [{ name: 'notebook-port', containerPort: 8888, protocol: 'TCP' }]);
    assert.equal(pod.spec!.automountServiceAccountToken, false);
    assert.equal(pod.spec!.serviceAccountName, undefined);
  });
  it('sizes stay Kubernetes quantities when Kubernetes reads them the same way, else bytes', () => {
    assert.equal(toQuantity('2G'), '2G');
    assert.equal(toQuantity('1.5Gi'), '1.5Gi');
    assert.equal(toQuantity('1K'), '1000'); // Kubernetes spells kilo with a lower-case k
    assert.equal(toQuantity(1073741824), '1073741824');
    assert.equal(toQuantity('1e9'), '1000000000');
  });
});
