// The chart with test/z2jh/all-keys.yaml (every key of z2jh 4's values schema): `helm template`
// renders the security contexts, extra pod spec fields, probes, init containers, extra files,
// services and policies it asks for, and the hub loads the config.yaml the chart gives it.
// (test/z2jh/allKeys.test.ts checks the same file key by key against nbhub's config.)
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { REPO, helmBinary, loadRenderedConfig, render, type Rendered } from './helm.ts';
import { loadConfig } from '../../src/config/index.ts';

const ALL_KEYS = join(REPO, 'test/z2jh/all-keys.yaml');
const SHAPES = join(REPO, 'test/z2jh/all-keys-shapes.yaml');

let r: Rendered;
before(async () => {
  await helmBinary();
  r = await render([ALL_KEYS, { httpRoute: { enabled: true } }]);
}, { timeout: 75 * 60_000 });

type Obj = Record<string, unknown> & { spec: Record<string, unknown> };
const spec = (kind: string, name: string) => r.get(kind, name) as unknown as Obj;
const podTemplate = (kind: string, name: string) => (spec(kind, name).spec as { template: { metadata: Record<string, Record<string, string>>; spec: Record<string, unknown> } }).template;

test('hub: security contexts, extra pod spec, probes, init containers, lifecycle, command, strategy, service account', () => {
  const pod = r.podSpec('Deployment', 'hub') as unknown as Record<string, unknown>;
  assert.deepEqual(pod.securityContext, { runAsNonRoot: true, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' }, runAsUser: 1000, runAsGroup: 1000 });
  assert.equal(pod.terminationGracePeriodSeconds, 20, 'hub.extraPodSpec');
  assert.equal(pod.dnsPolicy, 'ClusterFirst');
  assert.equal(pod.serviceAccountName, 'hub-sa');
  assert.deepEqual((pod.initContainers as { name: string }[]).map((c) => c.name), ['wait-for-db']);
  assert.ok((pod.tolerations as { key?: string }[]).some((t) => t.key === 'hub-only'), 'hub.tolerations');
  assert.deepEqual((pod.imagePullSecrets as { name: string }[]).map((s) => s.name), ['hub-pull-secret', 'release-pull-secret', 'image-pull-secret']);
  const hub = r.container('Deployment', 'hub', 'hub') as unknown as Record<string, unknown>;
  assert.deepEqual(hub.securityContext, { runAsUser: 1000, runAsGroup: 1000, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  assert.deepEqual(hub.livenessProbe, { httpGet: { path: '/hub/health', port: 'http' }, initialDelaySeconds: 120, periodSeconds: 15, failureThreshold: 8, timeoutSeconds: 4 });
  assert.deepEqual(hub.readinessProbe, { httpGet: { path: '/hub/health', port: 'http' }, initialDelaySeconds: 1, periodSeconds: 3, failureThreshold: 20, timeoutSeconds: 2 });
  assert.deepEqual((hub.lifecycle as { postStart: unknown }).postStart, { exec: { command: ['sh', '-c', 'echo started'] } });
  assert.deepEqual(hub.command, ['nbhub', 'start', '--config=/etc/nbhub/config.yaml', '--data-dir=/srv/nbhub/data', '--log-level=info']);
  assert.ok((hub.env as { name: string; value?: string }[]).some((e) => e.name === 'HUB_NUMBER' && e.value === '42'));
  const d = spec('Deployment', 'hub').spec;
  assert.equal(d.revisionHistoryLimit, 3);
  assert.deepEqual(d.strategy, { type: 'Recreate' });
  assert.equal(podTemplate('Deployment', 'hub').metadata.labels.team, 'platform');
  assert.equal((r.get('ServiceAccount', 'hub-sa').metadata.annotations ?? {})['iam.example.org/role'], 'hub');
});

test('extra files: a Secret per component, one mount per file at its mountPath, with its mode', () => {
  const secret = r.get('Secret', 'hub-files') as unknown as { stringData: Record<string, string>; data: Record<string, string> };
  assert.deepEqual(secret.stringData, { 'jupyterhub-config': 'greeting: hello', motd: 'welcome' });
  assert.deepEqual(secret.data, { logo: 'aGVsbG8=' });
  const hub = r.container('Deployment', 'hub', 'hub') as unknown as { volumeMounts: { name: string; mountPath: string; subPath?: string }[] };
  assert.deepEqual(
    hub.volumeMounts.filter((m) => m.name === 'files').map((m) => [m.mountPath, m.subPath]),
    [
      ['/etc/nbhub/extra/settings.yaml', 'jupyterhub-config'],
      ['/etc/nbhub/extra/logo.bin', 'logo'],
      ['/etc/nbhub/extra/motd.txt', 'motd'],
    ].sort((a, b) => a[1].localeCompare(b[1])),
  );
  const volume = (r.podSpec('Deployment', 'hub').volumes ?? []).find((v) => v.name === 'files') as unknown as { secret: { secretName: string; items: { key: string; mode?: number }[] } };
  assert.equal(volume.secret.secretName, 'hub-files');
  assert.equal(volume.secret.items.find((i) => i.key === 'jupyterhub-config')?.mode, 0o444);
  assert.equal(hub.volumeMounts.find((m) => m.mountPath === '/srv/nbhub')?.subPath, 'hubdata', 'hub.db.pvc.subPath');

  // singleuser.extraFiles: a Secret in the user namespace; the hub's config mounts it into user pods.
  const userFiles = r.get('Secret', 'singleuser-files') as unknown as { stringData: Record<string, string> };
  assert.deepEqual(JSON.parse(userFiles.stringData['jupyter-server-config']), { ServerApp: { shutdown_no_activity_timeout: 3600 } });
  const { config } = loadRenderedConfig(r);
  assert.deepEqual(config.singleuser.storage.extraVolumeMounts.at(-1), { name: 'files', mountPath: '/etc/jupyter/jupyter_server_config.json', subPath: 'jupyter-server-config' });
  assert.equal((config.singleuser.storage.extraVolumes.at(-1) as { secret: { secretName: string } }).secret.secretName, 'singleuser-files');
  assert.deepEqual(config.singleuser.storage.extraVolumes[0], { name: 'shared', emptyDir: {} }, 'the mapping shape, as a list');
});

test('proxy: security context, probes, env, targets, extra pod spec, strategy; services; network policies', () => {
  const proxy = r.container('Deployment', 'proxy', 'proxy') as unknown as Record<string, unknown>;
  assert.deepEqual(proxy.securityContext, { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  assert.deepEqual(proxy.livenessProbe, { tcpSocket: { port: 'api' }, initialDelaySeconds: 30, periodSeconds: 11, failureThreshold: 9, timeoutSeconds: 3 });
  assert.equal((proxy.readinessProbe as { periodSeconds: number }).periodSeconds, 4);
  assert.ok((proxy.env as { name: string; value?: string }[]).some((e) => e.name === 'PROXY_GREETING' && e.value === 'hello'));
  assert.ok((proxy.command as string[]).includes('--default-target=http://hub:8081'));
  assert.ok((proxy.command as string[]).includes('--error-target=http://hub:8081/hub/error'));
  const pod = r.podSpec('Deployment', 'proxy') as unknown as Record<string, unknown>;
  assert.equal(pod.dnsPolicy, 'ClusterFirst');
  assert.ok((pod.tolerations as { key?: string }[]).some((t) => t.key === 'proxy-only'));
  assert.equal(spec('Deployment', 'proxy').spec.revisionHistoryLimit, 4);

  const hubSvc = spec('Service', 'hub').spec as { type: string; ports: Record<string, unknown>[]; ipFamilyPolicy: string; loadBalancerIP?: string };
  assert.equal(hubSvc.type, 'NodePort');
  assert.deepEqual(hubSvc.ports[0], { name: 'http', port: 8081, targetPort: 'http', protocol: 'TCP', appProtocol: 'http', nodePort: 31081 });
  assert.equal(hubSvc.ports[1].name, 'metrics');
  assert.equal(hubSvc.ipFamilyPolicy, 'SingleStack');
  assert.equal(hubSvc.loadBalancerIP, undefined, 'only for type LoadBalancer');
  const pub = spec('Service', 'proxy-public').spec as { externalIPs: string[]; ipFamilies: string[]; ports: { name: string; nodePort?: number }[] };
  assert.deepEqual(pub.externalIPs, ['192.0.2.10']);
  assert.deepEqual(pub.ipFamilies, ['IPv4']);
  assert.deepEqual(pub.ports.map((p) => [p.name, p.nodePort]), [['http', 31080], ['https', 31443], ['ssh', undefined]]);

  // proxy.chp.networkPolicy (z2jh 1.x+) folded into the proxy's policy: privateIPs false.
  const egress = (spec('NetworkPolicy', 'proxy').spec as { egress: { to?: { ipBlock?: { cidr: string } }[] }[] }).egress;
  assert.ok(!egress.some((e) => e.to?.some((t) => t.ipBlock?.cidr === '10.0.0.0/8') && !('ports' in e)), 'no open private ranges');
  const hubEgress = JSON.stringify((spec('NetworkPolicy', 'hub').spec as { egress: unknown }).egress);
  assert.match(hubEgress, /kube-system/, 'dnsPortsKubeSystemNamespace');
  assert.match(hubEgress, /10\.99\.0\.0\/16/, 'hub.networkPolicy.egress');
});

test('scheduler, placeholders, image pullers: labels, annotations, security contexts, extra pod spec, service accounts', () => {
  const sched = podTemplate('Deployment', 'user-scheduler');
  assert.equal(sched.metadata.labels.team, 'platform');
  assert.equal(sched.metadata.annotations['sched.example.org/pod'], 'yes');
  assert.equal(sched.spec.dnsPolicy, 'ClusterFirst');
  assert.equal(sched.spec.serviceAccountName, 'user-scheduler');
  assert.deepEqual((sched.spec.containers as { securityContext: Record<string, unknown> }[])[0].securityContext.runAsUser, 65534);
  assert.equal(spec('Deployment', 'user-scheduler').spec.revisionHistoryLimit, 2);
  const ph = podTemplate('StatefulSet', 'user-placeholder');
  assert.equal(ph.metadata.annotations['placeholder.example.org/pod'], 'yes');
  assert.equal(ph.spec.dnsPolicy, 'ClusterFirst');

  const hookDs = r.get('DaemonSet', 'hook-image-puller') as unknown as Obj & { metadata: { annotations: Record<string, string> } };
  assert.equal(hookDs.metadata.annotations['puller.example.org/ds'], 'hook');
  const hookPod = podTemplate('DaemonSet', 'hook-image-puller');
  assert.equal(hookPod.metadata.labels.team, 'platform');
  assert.equal(hookPod.spec.serviceAccountName, 'hook-image-puller');
  assert.ok((hookPod.spec.tolerations as { key?: string }[]).some((t) => t.key === 'puller'), 'prePuller.extraTolerations');
  const initNames = (hookPod.spec.initContainers as { name: string; imagePullPolicy?: string }[]).map((c) => [c.name, c.imagePullPolicy]);
  assert.ok(initNames.some(([n, p]) => n === 'image-pull-ubuntu' && p === 'IfNotPresent'), 'extraImages pullPolicy');
  const awaiter = r.container('Job', 'hook-image-awaiter', 'hook-image-awaiter') as unknown as { args: string[]; resources: unknown };
  assert.ok(awaiter.args.includes('-pod-scheduling-wait-duration=10'));
  assert.deepEqual(awaiter.resources, { requests: { cpu: '5m' } });
  assert.equal((r.get('DaemonSet', 'continuous-image-puller').metadata.annotations ?? {})['puller.example.org/ds'], 'continuous');
});

test('ingress pathType and extraPaths; the Gateway API HTTPRoute; the release pull secret', () => {
  const paths = ((spec('Ingress', 'nbhub').spec as { rules: { http: { paths: { path: string; pathType: string }[] } }[] }).rules[0].http.paths).map((p) => [p.path, p.pathType]);
  assert.deepEqual(paths, [['/healthz', 'Exact'], ['/', 'Prefix']]);
  const route = spec('HTTPRoute', 'nbhub').spec as { parentRefs: unknown[]; hostnames: string[] };
  assert.deepEqual(route.parentRefs, [{ name: 'main-gateway', namespace: 'gateways', sectionName: 'https' }]);
  assert.deepEqual(route.hostnames, ['hub.example.org']);
  const pull = r.secretData('image-pull-secret')['.dockerconfigjson'];
  assert.ok(JSON.parse(pull).auths['registry.example.org']);
  assert.doesNotMatch(r.hubConfigYaml(), /pull-pass-7c1f/, 'the registry password stays out of the hub config');
});

test('the hub loads the config.yaml the chart renders from all-keys.yaml and from all-keys-shapes.yaml', async () => {
  const { config, warnings } = loadRenderedConfig(r);
  assert.equal(config.hub.db.type, 'postgres');
  assert.equal(config.singleuser.httpTimeout, 60, 'hub.extraConfig ran');
  assert.ok(warnings.some((w) => w.path === 'proxy.traefik'));
  // extraEnv as a list of EnvVar objects reaches the hub container as it is, and the hub's config.
  const shapes = await render([SHAPES]);
  const env = shapes.container('Deployment', 'hub', 'hub').env ?? [];
  assert.deepEqual(env.find((e) => e.name === 'FROM_SECRET')?.valueFrom, { secretKeyRef: { name: 's', key: 'k' } });
  assert.equal(env.find((e) => e.name === 'FROM_LIST')?.value, 'yes');
  assert.equal(loadConfig({ text: shapes.hubConfigYaml(), file: 'config.yaml', env: { CONFIGPROXY_AUTH_TOKEN: 'x'.repeat(64) } }).config.hub.extraEnv.FROM_LIST, 'yes');
});
