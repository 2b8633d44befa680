// What the chart allows: RBAC (least privilege, rbac.enabled), NetworkPolicies (access labels,
// egress switches, the cloud metadata server) and the image pre-puller's Helm hooks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadRenderedConfig, render, type K8sObject, type Rendered } from './helm.ts';

const METADATA = '169.254.169.254/32';

interface Rule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}

interface IpBlock {
  cidr: string;
  except?: string[];
}
interface EgressRule {
  to?: { ipBlock?: IpBlock; podSelector?: { matchLabels: Record<string, string> } }[];
  ports?: { port: string | number; protocol?: string }[];
}

function rules(o: K8sObject): Rule[] {
  return (o as unknown as { rules: Rule[] }).rules;
}

function egress(r: Rendered, name: string): EgressRule[] {
  return (r.get('NetworkPolicy', name).spec as { egress: EgressRule[] }).egress;
}

/** The ipBlocks of a policy's egress rules that allow any port. */
function openBlocks(rules: EgressRule[]): IpBlock[] {
  return rules.filter((r) => !r.ports).flatMap((r) => (r.to ?? []).flatMap((t) => (t.ipBlock ? [t.ipBlock] : [])));
}

/** Whether the egress rules let any traffic reach `cidr` (only whole-block reasoning: what the chart renders). */
function allowsMetadata(rules: EgressRule[]): boolean {
  return openBlocks(rules).some((b) => b.cidr === METADATA || (b.cidr === '0.0.0.0/0' && !(b.except ?? []).includes(METADATA)));
}

test('RBAC: the hub gets a namespaced Role with only what the spawner needs; nothing cluster-wide', async () => {
  const r = await render();
  // The only cluster-wide objects: the user scheduler's bindings to the cluster scheduler's own roles.
  assert.equal(r.all('ClusterRole').length, 0);
  assert.deepEqual(
    r.all('ClusterRoleBinding').map((b) => [b.metadata.name, (b as unknown as { subjects: { name: string }[] }).subjects.map((s) => s.name), (b as unknown as { roleRef: { name: string } }).roleRef.name]),
    [
      ['nbhub-test-user-scheduler-kube-scheduler', ['user-scheduler'], 'system:kube-scheduler'],
      ['nbhub-test-user-scheduler-volume-scheduler', ['user-scheduler'], 'system:volume-scheduler'],
    ],
  );
  const noScheduler = await render([{ scheduling: { userScheduler: { enabled: false } } }]);
  assert.equal(noScheduler.all('ClusterRole').length + noScheduler.all('ClusterRoleBinding').length, 0);
  assert.deepEqual(rules(r.get('Role', 'hub')), [
    { apiGroups: [''], resources: ['pods', 'persistentvolumeclaims', 'secrets'], verbs: ['get', 'watch', 'list', 'create', 'delete'] },
    { apiGroups: [''], resources: ['events'], verbs: ['get', 'watch', 'list'] },
  ]);
  for (const role of r.all('Role')) {
    for (const rule of rules(role)) {
      for (const field of [rule.apiGroups, rule.resources, rule.verbs]) assert.ok(!field.includes('*'), `${role.metadata.name} has a wildcard`);
      assert.ok(!rule.verbs.some((v) => ['escalate', 'bind', 'impersonate'].includes(v)), role.metadata.name);
    }
  }
  const binding = r.get('RoleBinding', 'hub') as unknown as { subjects: unknown[]; roleRef: unknown };
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'hub', namespace: 'hubns' }]);
  assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'hub' });
  assert.equal(r.podSpec('Deployment', 'hub').serviceAccountName, 'hub');
  // The pre-pull awaiter may read its own DaemonSet, nothing more.
  assert.deepEqual(rules(r.get('Role', 'hook-image-awaiter')), [{ apiGroups: ['apps'], resources: ['daemonsets'], resourceNames: ['hook-image-puller'], verbs: ['get'] }]);
});

test('user pods in another namespace (spawner.kubernetes.namespace): the Role and their policy go there, the hub is reached by its full name', async () => {
  const r = await render([{ spawner: { kubernetes: { namespace: 'users' } } }]);
  assert.equal(loadRenderedConfig(r).config.hub.connectUrl, 'http://hub.hubns.svc:8081');
  assert.equal(r.get('Role', 'hub').metadata.namespace, 'users');
  assert.equal(r.get('RoleBinding', 'hub').metadata.namespace, 'users');
  assert.equal(r.get('NetworkPolicy', 'singleuser').metadata.namespace, 'users');
  const hubIngress = (r.get('NetworkPolicy', 'hub').spec as { ingress: { from?: { namespaceSelector?: unknown }[] }[] }).ingress;
  assert.ok(hubIngress[0].from?.some((p) => JSON.stringify(p.namespaceSelector) === JSON.stringify({ matchLabels: { 'kubernetes.io/metadata.name': 'users' } })));
});

test('rbac.enabled: false renders no ServiceAccount, Role or RoleBinding, and pods use the default account', async () => {
  const r = await render([{ rbac: { enabled: false } }]);
  for (const kind of ['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']) assert.deepEqual(r.all(kind), [], kind);
  assert.equal(r.podSpec('Deployment', 'hub').serviceAccountName, undefined);
  assert.equal(r.podSpec('Job', 'hook-image-awaiter').serviceAccountName, undefined);
  // rbac.create: false: the account exists already, so the hub still uses it.
  const existing = await render([{ rbac: { create: false } }]);
  assert.deepEqual(existing.all('Role'), []);
  assert.equal(existing.podSpec('Deployment', 'hub').serviceAccountName, 'hub');
});

test('NetworkPolicies: hub, proxy and user pods, selected by their labels, reachable through access labels', async () => {
  const r = await render();
  const select = (name: string) => (r.get('NetworkPolicy', name).spec as { podSelector: { matchLabels: Record<string, string> } }).podSelector.matchLabels;
  assert.deepEqual(select('hub'), { 'app.kubernetes.io/name': 'nbhub', 'app.kubernetes.io/instance': 'nbhub-test', 'app.kubernetes.io/component': 'hub' });
  assert.deepEqual(select('proxy'), { 'app.kubernetes.io/name': 'nbhub', 'app.kubernetes.io/instance': 'nbhub-test', 'app.kubernetes.io/component': 'proxy' });
  // User pods carry z2jh's labels (the Kubernetes spawner sets them, release from the config).
  assert.deepEqual(select('singleuser'), { app: 'jupyterhub', release: 'nbhub-test', component: 'singleuser-server' });

  type Ingress = { ports: { port: string | number }[]; from?: { podSelector: { matchLabels: Record<string, string> } }[] }[];
  const ingress = (name: string) => (r.get('NetworkPolicy', name).spec as { ingress: Ingress }).ingress;
  const accessLabel = (name: string, port: string) =>
    ingress(name).find((i) => i.ports.some((p) => p.port === port) && i.from)?.from?.map((f) => Object.keys(f.podSelector.matchLabels)[0]);
  assert.deepEqual(accessLabel('hub', 'http'), ['hub.jupyter.org/network-access-hub']);
  assert.deepEqual(accessLabel('proxy', 'api'), ['hub.jupyter.org/network-access-proxy-api']);
  assert.deepEqual(accessLabel('singleuser', 'notebook-port'), ['hub.jupyter.org/network-access-singleuser']);
  // proxy.networkPolicy.allowedIngressPorts: http and https from anywhere.
  assert.deepEqual(ingress('proxy').filter((i) => !i.from).map((i) => i.ports[0].port), ['http', 'https']);
  // The pods that need access carry the labels.
  const podLabels = (name: string) => (r.get('Deployment', name).spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
  assert.equal(podLabels('hub')['hub.jupyter.org/network-access-proxy-api'], 'true');
  assert.equal(podLabels('hub')['hub.jupyter.org/network-access-singleuser'], 'true');
  assert.equal(podLabels('proxy')['hub.jupyter.org/network-access-hub'], 'true');
  assert.equal(podLabels('proxy')['hub.jupyter.org/network-access-singleuser'], 'true');

  const accept = await render([{ hub: { networkPolicy: { interNamespaceAccessLabels: 'accept' } } }]);
  const from = (accept.get('NetworkPolicy', 'hub').spec as { ingress: { from?: { namespaceSelector?: unknown }[] }[] }).ingress[0].from ?? [];
  assert.ok(from.some((p) => JSON.stringify(p.namespaceSelector) === '{}'));
});

test('the cloud metadata server is blocked for user pods by default, allowed by the z2jh switches', async () => {
  const dflt = await render();
  const userEgress = egress(dflt, 'singleuser');
  assert.ok(!allowsMetadata(userEgress), JSON.stringify(userEgress));
  const publicRule = openBlocks(userEgress).find((b) => b.cidr === '0.0.0.0/0');
  assert.ok(publicRule?.except?.includes(METADATA), 'the public-address rule cuts out 169.254.169.254/32');
  // Hub and proxy need it by default (z2jh's defaults).
  assert.ok(allowsMetadata(egress(dflt, 'hub')));
  assert.ok(allowsMetadata(egress(dflt, 'proxy')));

  for (const values of [
    { singleuser: { cloudMetadata: { blockWithIptables: false } } },
    { singleuser: { cloudMetadata: { enabled: true } } },
    { singleuser: { networkPolicy: { egressAllowRules: { cloudMetadataServer: true } } } },
  ]) {
    const rules = egress(await render([values]), 'singleuser');
    assert.ok(allowsMetadata(rules), JSON.stringify(values));
    assert.ok(!openBlocks(rules).some((b) => (b.except ?? []).includes(METADATA)), JSON.stringify(values));
    assert.ok(openBlocks(rules).some((b) => b.cidr === METADATA), JSON.stringify(values));
  }
  // Another metadata address (singleuser.cloudMetadata.ip).
  const other = egress(await render([{ singleuser: { cloudMetadata: { ip: '100.100.100.200' } } }]), 'singleuser');
  assert.ok(openBlocks(other).find((b) => b.cidr === '0.0.0.0/0')?.except?.includes('100.100.100.200/32'));
});

test('NetworkPolicy egress switches and extra rules; networkPolicy.enabled false removes the policy', async () => {
  const r = await render([
    {
      singleuser: {
        networkPolicy: {
          egressAllowRules: { nonPrivateIPs: false, dnsPortsPrivateIPs: true, privateIPs: true },
          egress: [{ ports: [{ port: 443, protocol: 'TCP' }] }],
        },
      },
    },
  ]);
  const rules = egress(r, 'singleuser');
  assert.ok(!openBlocks(rules).some((b) => b.cidr === '0.0.0.0/0'), 'no public addresses');
  assert.deepEqual(openBlocks(rules).map((b) => b.cidr), ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);
  assert.ok(rules.some((x) => x.ports?.[0]?.port === 53), 'DNS');
  assert.deepEqual(rules[rules.length - 1], { ports: [{ port: 443, protocol: 'TCP' }] });
  // The hub's API stays reachable from user pods.
  assert.deepEqual(rules[0].ports, [{ port: 'http' }]);

  const off = await render([{ hub: { networkPolicy: { enabled: false } }, proxy: { networkPolicy: { enabled: false } }, singleuser: { networkPolicy: { enabled: false } } }]);
  assert.deepEqual(off.all('NetworkPolicy'), []);
});

test('prePuller: hook (DaemonSet + awaiter Job as pre-install/pre-upgrade hooks) and continuous DaemonSet, per values', async () => {
  const dflt = await render();
  const hookDs = dflt.get('DaemonSet', 'hook-image-puller');
  const job = dflt.get('Job', 'hook-image-awaiter');
  assert.equal(hookDs.metadata.annotations?.['helm.sh/hook'], 'pre-install,pre-upgrade');
  assert.equal(job.metadata.annotations?.['helm.sh/hook'], 'pre-install,pre-upgrade');
  assert.ok(Number(hookDs.metadata.annotations?.['helm.sh/hook-weight']) < Number(job.metadata.annotations?.['helm.sh/hook-weight']), 'the DaemonSet comes before the awaiter');
  assert.equal(job.metadata.annotations?.['helm.sh/hook-delete-policy'], 'before-hook-creation,hook-succeeded');
  const awaiterArgs = dflt.container('Job', 'hook-image-awaiter', 'hook-image-awaiter').args ?? [];
  assert.ok(awaiterArgs.includes('-daemonset=hook-image-puller') && awaiterArgs.includes('-namespace=hubns'), awaiterArgs.join(' '));
  const continuous = dflt.get('DaemonSet', 'continuous-image-puller');
  assert.equal(continuous.metadata.annotations?.['helm.sh/hook'], undefined);
  // The user image, and the network-tools image of the metadata-blocking init container.
  const pulled = (r: Rendered, name: string) => (r.podSpec('DaemonSet', name).initContainers ?? []).map((c) => c.image);
  assert.deepEqual(pulled(dflt, 'hook-image-puller'), ['quay.io/jupyter/base-notebook:latest', 'quay.io/jupyterhub/k8s-network-tools:4.1.0']);
  assert.equal(dflt.container('DaemonSet', 'hook-image-puller', 'pause').image, 'registry.k8s.io/pause:3.10');

  const custom = await render([
    {
      prePuller: { hook: { enabled: false }, continuous: { enabled: true }, extraImages: { 'ubuntu-xenial': { name: 'ubuntu', tag: '16.04', policy: 'IfNotPresent' } } },
      singleuser: {
        image: { name: 'example.org/lab', tag: 'v3' },
        cloudMetadata: { blockWithIptables: false },
        profileList: [{ display_name: 'R', kubespawner_override: { image: 'example.org/r:1' } }],
      },
    },
  ]);
  for (const [kind, name] of [['DaemonSet', 'hook-image-puller'], ['Job', 'hook-image-awaiter'], ['Role', 'hook-image-awaiter'], ['ServiceAccount', 'hook-image-awaiter']]) {
    assert.equal(custom.find(kind, name), undefined, `${kind} ${name} rendered with prePuller.hook.enabled false`);
  }
  const init = custom.podSpec('DaemonSet', 'continuous-image-puller').initContainers ?? [];
  assert.deepEqual(init.map((c) => [c.name, c.image, c.imagePullPolicy]), [
    ['image-pull-singleuser', 'example.org/lab:v3', undefined],
    ['image-pull-singleuser-profilelist-0', 'example.org/r:1', undefined],
    ['image-pull-ubuntu-xenial', 'ubuntu:16.04', 'IfNotPresent'],
  ]);

  const none = await render([{ prePuller: { hook: { enabled: false }, continuous: { enabled: false } } }]);
  assert.deepEqual(none.all('DaemonSet'), []);
  assert.deepEqual(none.all('Job'), []);
});
