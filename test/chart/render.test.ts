// `helm lint` and `helm template` of chart/ with each example values file and with targeted
// values: which objects exist, their labels, the Secret, the hub's config.yaml (loaded with
// nbhub's own loadConfig and the container's environment), databases, images, HTTPS modes and
// the proxy Services.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OAUTH_SECTIONS } from '../../src/config/index.ts';
import { parseProxyArgs, type ProxyCommandConfig } from '../../src/proxy/cliOptions.ts';
import { EXAMPLES, helm, CHART, loadRenderedConfig, render, template, type K8sObject, type Rendered } from './helm.ts';

const HEX64 = /^[0-9a-f]{64}$/;

function assertStandardLabels(o: K8sObject, release = 'nbhub-test'): void {
  const l = o.metadata.labels ?? {};
  const what = `${o.kind}/${o.metadata.name}`;
  assert.equal(l['app.kubernetes.io/name'], 'nbhub', what);
  assert.equal(l['app.kubernetes.io/instance'], release, what);
  assert.equal(l['app.kubernetes.io/managed-by'], 'Helm', what);
  assert.match(l['helm.sh/chart'] ?? '', /^nbhub-\d+\.\d+\.\d+/, what);
  assert.ok(l['app.kubernetes.io/component'], `${what} has no component label`);
}

/** Every Service selects the pods of a rendered workload; every workload's selector matches its pods. */
function assertSelectorsMatch(r: Rendered): void {
  const workloads = [...r.all('Deployment'), ...r.all('DaemonSet')];
  for (const w of workloads) {
    const spec = w.spec as { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> } } };
    for (const [k, v] of Object.entries(spec.selector.matchLabels)) assert.equal(spec.template.metadata.labels[k], v, `${w.metadata.name}: selector ${k}`);
  }
  for (const s of r.all('Service')) {
    const selector = (s.spec as { selector: Record<string, string> }).selector;
    const matches = workloads.filter((w) => {
      const labels = (w.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
      return Object.entries(selector).every(([k, v]) => labels[k] === v);
    });
    assert.equal(matches.length, 1, `Service ${s.metadata.name} should select exactly one workload's pods`);
  }
}

/** The rendered proxy command, as `nbhub proxy` parses it. */
function proxyArgs(r: Rendered): ProxyCommandConfig {
  const command = r.container('Deployment', 'proxy', 'proxy').command ?? [];
  assert.deepEqual(command.slice(0, 2), ['nbhub', 'proxy']);
  const parsed = parseProxyArgs(command.slice(2), { CONFIGPROXY_AUTH_TOKEN: 'token' });
  assert.notEqual(parsed, 'help');
  return parsed as ProxyCommandConfig;
}

function httpsPorts(r: Rendered): [string, number, string][] {
  const ports = (r.get('Service', 'proxy-public').spec as { ports: { name: string; port: number; targetPort: string }[] }).ports;
  return ports.map((p) => [p.name, p.port, p.targetPort]);
}

test('helm lint passes with the defaults and with every example', async () => {
  for (const values of [[], [EXAMPLES.minimal], [EXAMPLES.up2u], [EXAMPLES.paws]]) {
    const r = await helm(['lint', CHART, ...values.flatMap((v) => ['-f', v])]);
    assert.equal(r.code, 0, `helm lint ${values.join(' ')}:\n${r.stdout}\n${r.stderr}`);
  }
});

for (const [name, file] of Object.entries(EXAMPLES)) {
  test(`example ${name}: renders, objects are labelled, and the hub's config loads`, async () => {
    const r = await render([file]);
    for (const [kind, objName] of [
      ['Deployment', 'hub'],
      ['Deployment', 'proxy'],
      ['Service', 'hub'],
      ['Service', 'proxy-public'],
      ['Service', 'proxy-api'],
      ['Secret', 'hub-config'],
      ['Secret', 'hub'],
      ['ServiceAccount', 'hub'],
      ['Role', 'hub'],
      ['RoleBinding', 'hub'],
      ['NetworkPolicy', 'hub'],
      ['NetworkPolicy', 'proxy'],
      ['NetworkPolicy', 'singleuser'],
      ['DaemonSet', 'hook-image-puller'],
      ['Job', 'hook-image-awaiter'],
      ['DaemonSet', 'continuous-image-puller'],
    ]) {
      r.get(kind, objName);
    }
    for (const o of r.objects) assertStandardLabels(o);
    assertSelectorsMatch(r);

    const { config } = loadRenderedConfig(r);
    assert.equal(config.spawner.kind, 'kubernetes');
    assert.equal(config.spawner.kubernetes.releaseName, 'nbhub-test');
    assert.equal(config.proxy.api.url, 'http://proxy-api:8001');
    assert.equal(config.hub.connectUrl, 'http://hub:8081');
    assert.equal(config.hub.ip, '0.0.0.0');
    assert.equal(config.hub.port, 8081);
    // The hub runs `nbhub start --config` on the mounted Secret hub-config.
    const hub = r.container('Deployment', 'hub', 'hub');
    assert.deepEqual(hub.command?.slice(0, 3), ['nbhub', 'start', '--config=/etc/nbhub/config.yaml']);
    assert.ok(hub.volumeMounts?.some((m) => m.name === 'config' && m.mountPath === '/etc/nbhub'));
    assert.ok(r.podSpec('Deployment', 'hub').volumes?.some((v) => v.name === 'config' && (v.secret as { secretName: string }).secretName === 'hub-config'));
  });
}

test('the Secret: cookie secret, proxy token and crypt key generated when not given, given ones kept; none in the config file', async () => {
  const generated = await render();
  const s = generated.secretData('hub');
  for (const key of ['cookie-secret', 'proxy-token', 'crypt-key']) assert.match(s[key], HEX64, key);
  assert.notEqual(s['cookie-secret'], s['proxy-token']);
  // Without a cluster (helm template) there is nothing to keep, so each render generates anew.
  assert.notEqual((await render()).secretData('hub')['cookie-secret'], s['cookie-secret']);

  const given = { hub: { cookieSecret: 'a'.repeat(64) }, proxy: { secretToken: 'b'.repeat(64) }, auth: { state: { enabled: true, cryptoKey: 'c'.repeat(64) } } };
  const r = await render([given]);
  assert.deepEqual(r.secretData('hub'), { 'cookie-secret': 'a'.repeat(64), 'proxy-token': 'b'.repeat(64), 'crypt-key': 'c'.repeat(64) });
  const text = r.hubConfigYaml();
  for (const secret of ['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)]) assert.ok(!text.includes(secret), 'a secret is in the config file');
  const { config, fromEnv } = loadRenderedConfig(r);
  assert.equal(config.hub.cookieSecret, 'a'.repeat(64));
  assert.equal(config.proxy.secretToken, 'b'.repeat(64));
  assert.equal(config.auth.state.cryptoKey, 'c'.repeat(64));
  assert.deepEqual(fromEnv.sort(), ['auth.state.cryptoKey', 'hub.cookieSecret', 'proxy.secretToken']);
  // The proxy gets the same token from the same Secret.
  const proxyEnv = r.container('Deployment', 'proxy', 'proxy').env ?? [];
  assert.deepEqual(proxyEnv.find((e) => e.name === 'CONFIGPROXY_AUTH_TOKEN')?.valueFrom?.secretKeyRef, { name: 'hub', key: 'proxy-token' });
});

test('every OAuth provider’s client secret moves to the Secret (OAUTH_CLIENT_SECRET), also from auth.custom.config', async () => {
  const extra: Record<string, object> = { 'generic-oauth': { issuer: 'https://idp.example.org' }, oidc: { issuer: 'https://idp.example.org' }, azuread: { tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' } };
  const cases: [string, object][] = Object.entries(OAUTH_SECTIONS).map(([type, section]) => [
    type,
    { auth: { type, [section]: { clientId: 'id', clientSecret: `secret-of-${type}`, ...extra[type] } } },
  ]);
  cases.push(['custom', { auth: { type: 'custom', custom: { className: 'oauthenticator.github.GitHubOAuthenticator', config: { client_id: 'id', client_secret: 'secret-of-custom' } } } }]);
  for (const [type, values] of cases) {
    const r = await render([values]);
    assert.equal(r.secretData('hub')['oauth-client-secret'], `secret-of-${type}`, type);
    assert.ok(!r.hubConfigYaml().includes(`secret-of-${type}`), `${type}: the client secret is in the config file`);
    const { config, fromEnv } = loadRenderedConfig(r);
    const section = OAUTH_SECTIONS[config.auth.type as keyof typeof OAUTH_SECTIONS];
    assert.equal(config.auth[section].clientSecret, `secret-of-${type}`, type);
    assert.ok(fromEnv.includes(`auth.${section}.clientSecret`), type);
  }
});

test('hub.db.type: sqlite-pvc has a kept PVC, sqlite-memory none, postgres/mysql take the URL from the Secret', async () => {
  const pvc = await render();
  const claim = pvc.get('PersistentVolumeClaim', 'hub-db-dir');
  assert.equal(claim.metadata.annotations?.['helm.sh/resource-policy'], 'keep');
  assert.deepEqual((claim.spec as { resources: unknown }).resources, { requests: { storage: '1Gi' } });
  assert.equal((pvc.get('Deployment', 'hub').spec as { strategy: { type: string } }).strategy.type, 'Recreate');
  assert.deepEqual(pvc.podSpec('Deployment', 'hub').volumes?.find((v) => v.name === 'data')?.persistentVolumeClaim, { claimName: 'hub-db-dir' });

  const sized = await render([{ hub: { db: { pvc: { storage: 2147483648, storageClassName: 'fast', annotations: { a: 'b' } } } } }]);
  const sizedSpec = sized.get('PersistentVolumeClaim', 'hub-db-dir').spec as { resources: { requests: { storage: string } }; storageClassName: string };
  assert.equal(sizedSpec.resources.requests.storage, '2147483648');
  assert.equal(sizedSpec.storageClassName, 'fast');

  const memory = await render([{ hub: { db: { type: 'sqlite-memory' } } }]);
  assert.equal(memory.find('PersistentVolumeClaim', 'hub-db-dir'), undefined);
  assert.deepEqual(memory.podSpec('Deployment', 'hub').volumes?.find((v) => v.name === 'data')?.emptyDir, {});
  assert.equal(loadRenderedConfig(memory).config.hub.db.type, 'sqlite-memory');

  for (const [type, url] of [['postgres', 'postgresql://nbhub:pw@db:5432/nbhub'], ['mysql', 'mysql://nbhub:pw@db:3306/nbhub']]) {
    const r = await render([{ hub: { db: { type, url } } }]);
    assert.equal(r.find('PersistentVolumeClaim', 'hub-db-dir'), undefined, type);
    assert.equal(r.secretData('hub')['db-url'], url);
    assert.ok(!r.hubConfigYaml().includes('pw@db'), `${type}: the database URL is in the config file`);
    assert.equal(r.hubEnv().NBHUB_DB_URL, url);
    const { config } = loadRenderedConfig(r);
    assert.deepEqual([config.hub.db.type, config.hub.db.url], [type, url]);
    const missing = await template([{ hub: { db: { type } } }]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, new RegExp(`hub.db.url is required when hub.db.type is ${type}`));
  }
});

test('PAWS fallback: the same values with --set hub.db.type=sqlite-memory render and load', async () => {
  const r = await render([EXAMPLES.paws], ['--set', 'hub.db.type=sqlite-memory']);
  assert.equal(r.find('PersistentVolumeClaim', 'hub-db-dir'), undefined);
  const { config } = loadRenderedConfig(r);
  assert.equal(config.hub.db.type, 'sqlite-memory');
  assert.equal(config.auth.type, 'mediawiki');
});

test('images: hub.image tag defaults to the chart appVersion; the proxy runs the same image', async () => {
  const dflt = await render();
  assert.equal(dflt.container('Deployment', 'hub', 'hub').image, 'ghcr.io/nbhub/nbhub:0.1.0');
  assert.equal(dflt.container('Deployment', 'proxy', 'proxy').image, 'ghcr.io/nbhub/nbhub:0.1.0');
  const custom = await render([{ hub: { image: { name: 'registry.example.org/hub', tag: 'v2', pullPolicy: 'Always', pullSecrets: ['regcred'] } } }]);
  const hub = custom.container('Deployment', 'hub', 'hub');
  assert.equal(hub.image, 'registry.example.org/hub:v2');
  assert.equal(hub.imagePullPolicy, 'Always');
  assert.deepEqual(custom.podSpec('Deployment', 'hub').imagePullSecrets, [{ name: 'regcred' }]);
  // z2jh's old spelling hub.imagePullPolicy still works (and loads with a deprecation warning).
  const legacy = await render([{ hub: { imagePullPolicy: 'IfNotPresent' } }]);
  assert.equal(legacy.container('Deployment', 'hub', 'hub').imagePullPolicy, 'IfNotPresent');
  assert.deepEqual(loadRenderedConfig(legacy).warnings.map((w) => w.code), ['CONFIG_DEPRECATED']);
});

test('the proxy: nbhub proxy with CHP flags; proxy-public (LoadBalancer, annotations) and proxy-api Services', async () => {
  const annotations = { 'service.beta.kubernetes.io/aws-load-balancer-backend-protocol': 'tcp', 'example.org/x': 'y' };
  const r = await render([{ proxy: { service: { annotations, loadBalancerSourceRanges: ['10.0.0.0/8'] }, chp: { extraCommandLineFlags: ['--timeout=600000'] } } }]);
  const parsed = proxyArgs(r);
  assert.deepEqual([parsed.ip, parsed.port, parsed.apiIp, parsed.apiPort, parsed.defaultTarget, parsed.errorTarget, parsed.timeoutMs], ['0.0.0.0', 8000, '0.0.0.0', 8001, 'http://hub:8081', 'http://hub:8081/hub/error', 600000]);
  const proxy = r.container('Deployment', 'proxy', 'proxy');
  assert.deepEqual(proxy.command, [
    'nbhub', 'proxy', '--ip=0.0.0.0', '--api-ip=0.0.0.0', '--api-port=8001',
    '--default-target=http://hub:8081', '--error-target=http://hub:8081/hub/error', '--port=8000', '--timeout=600000',
  ]);
  const pub = r.get('Service', 'proxy-public');
  assert.deepEqual(pub.metadata.annotations, annotations);
  const spec = pub.spec as { type: string; ports: { name: string; port: number; targetPort: string }[]; loadBalancerSourceRanges: string[] };
  assert.equal(spec.type, 'LoadBalancer');
  assert.deepEqual(spec.ports.map((p) => [p.name, p.port, p.targetPort]), [['http', 80, 'http']]);
  assert.deepEqual(spec.loadBalancerSourceRanges, ['10.0.0.0/8']);
  const api = r.get('Service', 'proxy-api').spec as { type: string; ports: { port: number; targetPort: string }[] };
  assert.equal(api.type, 'ClusterIP');
  assert.deepEqual(api.ports.map((p) => [p.port, p.targetPort]), [[8001, 'api']]);
  assert.equal(r.podSpec('Deployment', 'proxy').automountServiceAccountToken, false);

  const twoProxies = await template([{ proxy: { replicas: 2 } }]);
  assert.notEqual(twoProxies.code, 0);
  assert.match(twoProxies.stderr, /proxy\.replicas/);
});

test('proxy.https: offload, manual, secret and letsencrypt', async () => {
  const offload = await render([{ proxy: { https: { enabled: true, type: 'offload' } } }]);
  assert.deepEqual(httpsPorts(offload), [['http', 80, 'http'], ['https', 443, 'http']]);
  const offloadArgs = proxyArgs(offload);
  assert.deepEqual([offloadArgs.port, offloadArgs.ssl, offloadArgs.trustForwardedProto], [8000, null, true]);

  const manual = await render([{ proxy: { https: { enabled: true, type: 'manual', hosts: ['hub.example.org'], manual: { key: 'KEY PEM', cert: 'CERT PEM' } } } }]);
  assert.deepEqual(manual.secretData('proxy-manual-tls'), { 'tls.crt': 'CERT PEM', 'tls.key': 'KEY PEM' });
  assert.ok(!manual.hubConfigYaml().includes('KEY PEM'), 'the TLS key is in the config file');
  const manualConfig = loadRenderedConfig(manual).config.proxy.https;
  assert.deepEqual([manualConfig.type, manualConfig.secret.name], ['secret', 'proxy-manual-tls']);
  const manualArgs = proxyArgs(manual);
  assert.deepEqual([manualArgs.port, manualArgs.redirectPort, manualArgs.redirectTo], [8443, 8000, 443]);
  assert.deepEqual([manualArgs.ssl?.keyFile, manualArgs.ssl?.certFile], ['/etc/nbhub/tls/tls.key', '/etc/nbhub/tls/tls.crt']);
  assert.deepEqual(httpsPorts(manual), [['http', 80, 'http'], ['https', 443, 'https']]);
  assert.deepEqual(manual.podSpec('Deployment', 'proxy').volumes?.find((v) => v.name === 'tls')?.secret, { secretName: 'proxy-manual-tls' });

  // proxy.https.httpPort null: HTTPS only, no redirecting HTTP port.
  const secret = await render([{ proxy: { https: { enabled: true, type: 'secret', httpPort: null, secret: { name: 'my-tls', key: 'k', crt: 'c' } } } }]);
  assert.equal(proxyArgs(secret).redirectPort, null);
  assert.deepEqual(httpsPorts(secret), [['https', 443, 'https']]);
  assert.deepEqual(secret.podSpec('Deployment', 'proxy').volumes?.find((v) => v.name === 'tls')?.secret, {
    secretName: 'my-tls',
    items: [{ key: 'k', path: 'tls.key' }, { key: 'c', path: 'tls.crt' }],
  });

  const le = await render([{ proxy: { https: { enabled: true, hosts: ['hub.example.org'], letsencrypt: { contactEmail: 'admin@example.org' } } } }]);
  const leArgs = proxyArgs(le);
  assert.deepEqual(leArgs.acme, {
    domains: ['hub.example.org'],
    email: 'admin@example.org',
    directoryUrl: 'https://acme-v02.api.letsencrypt.org/directory',
    dir: '/srv/acme/certificates',
    httpPort: 8000,
  });
  assert.deepEqual([leArgs.port, leArgs.redirectTo, leArgs.ssl], [8443, 443, null]);
  const acmeClaim = le.get('PersistentVolumeClaim', 'proxy-acme');
  assert.equal(acmeClaim.metadata.annotations?.['helm.sh/resource-policy'], 'keep');
  assert.deepEqual(le.podSpec('Deployment', 'proxy').volumes?.find((v) => v.name === 'acme')?.persistentVolumeClaim, { claimName: 'proxy-acme' });
  assert.equal(le.podSpec('Deployment', 'proxy').automountServiceAccountToken, false);
  assert.deepEqual(httpsPorts(le), [['http', 80, 'http'], ['https', 443, 'https']]);
  assert.equal(loadRenderedConfig(le).config.proxy.https.type, 'letsencrypt');
});

test('singleuser.schedulerStrategy pack/spread becomes pod (anti-)affinity of user pods in the hub’s config', async () => {
  for (const [strategy, key] of [['pack', 'podAffinity'], ['spread', 'podAntiAffinity']]) {
    const r = await render([{ singleuser: { schedulerStrategy: strategy, extraPodConfig: { priorityClassName: 'users' } } }]);
    const { singleuser } = loadRenderedConfig(r).config;
    assert.equal(singleuser.schedulerStrategy, null);
    const pod = singleuser.extraPodConfig as { priorityClassName: string; affinity: Record<string, { preferredDuringSchedulingIgnoredDuringExecution: unknown[] }> };
    assert.equal(pod.priorityClassName, 'users');
    assert.deepEqual(Object.keys(pod.affinity), [key]);
    assert.deepEqual(pod.affinity[key].preferredDuringSchedulingIgnoredDuringExecution, [
      { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'jupyterhub', release: 'nbhub-test', component: 'singleuser-server' } } } },
    ]);
  }
  assert.deepEqual(loadRenderedConfig(await render()).config.singleuser.extraPodConfig, {});
});

test('the culler is on by default with z2jh’s defaults, run by the hub', async () => {
  const { cull } = loadRenderedConfig(await render()).config;
  assert.deepEqual(cull, { enabled: true, users: false, adminUsers: true, removeNamedServers: false, timeout: 3600, every: 600, concurrency: 10, maxAge: 0 });
  const up2u = loadRenderedConfig(await render([EXAMPLES.up2u])).config.cull;
  assert.deepEqual([up2u.timeout, up2u.every], [1800, 180]);
});

test('singleuser.imagePullSecret: the chart creates image-pull-secret; the config names it, without the password', async () => {
  const r = await render([{ singleuser: { imagePullSecret: { create: true, registry: 'registry.example.org', username: 'u', password: 'hunter2' } } }]);
  const dockerconfig = JSON.parse(r.secretData('image-pull-secret')['.dockerconfigjson']) as { auths: Record<string, { username: string; password: string; auth: string }> };
  assert.deepEqual(dockerconfig.auths['registry.example.org'], { username: 'u', password: 'hunter2', auth: Buffer.from('u:hunter2').toString('base64') });
  assert.ok(!r.hubConfigYaml().includes('hunter2'));
  const { singleuser } = loadRenderedConfig(r).config;
  assert.deepEqual(singleuser.imagePullSecrets, ['image-pull-secret']);
  assert.equal(singleuser.imagePullSecret.create, false);
  assert.deepEqual(r.podSpec('DaemonSet', 'continuous-image-puller').imagePullSecrets, [{ name: 'image-pull-secret' }]);
});

test('an Ingress in front of proxy-public when ingress.enabled', async () => {
  assert.equal((await render()).find('Ingress', 'nbhub'), undefined);
  const r = await render([EXAMPLES.paws]);
  const spec = r.get('Ingress', 'nbhub').spec as { ingressClassName: string; rules: { host: string; http: { paths: { path: string; backend: unknown }[] } }[] };
  assert.equal(spec.ingressClassName, 'nginx');
  assert.deepEqual(spec.rules.map((x) => x.host), ['hub.paws.wmcloud.org']);
  assert.deepEqual(spec.rules[0].http.paths[0].backend, { service: { name: 'proxy-public', port: { name: 'http' } } });
});

test('placement: hub and proxy on core nodes, image pullers on user nodes (z2jh’s node purpose and taints)', async () => {
  const r = await render([{ scheduling: { corePods: { nodeAffinity: { matchNodePurpose: 'require' }, tolerations: [{ key: 'x', operator: 'Exists' }] } }, hub: { nodeSelector: { disk: 'ssd' } } }]);
  const hub = r.podSpec('Deployment', 'hub') as unknown as { tolerations: { key: string; value?: string }[]; nodeSelector: unknown; affinity: { nodeAffinity: Record<string, unknown> } };
  assert.deepEqual(hub.tolerations.map((t) => [t.key, t.value]), [['hub.jupyter.org/dedicated', 'core'], ['hub.jupyter.org_dedicated', 'core'], ['x', undefined]]);
  assert.deepEqual(hub.nodeSelector, { disk: 'ssd' });
  assert.deepEqual(Object.keys(hub.affinity.nodeAffinity), ['requiredDuringSchedulingIgnoredDuringExecution']);
  const puller = r.podSpec('DaemonSet', 'continuous-image-puller') as unknown as { tolerations: { value: string }[] };
  assert.deepEqual(puller.tolerations.map((t) => t.value), ['user', 'user']);
  const ignore = await render([{ scheduling: { corePods: { nodeAffinity: { matchNodePurpose: 'ignore' } } } }]);
  assert.equal(ignore.podSpec('Deployment', 'proxy').affinity, undefined);
});

test('PodDisruptionBudgets of the hub and the proxy: off by default, selecting their pods when enabled', async () => {
  const plain = await render([]);
  assert.equal(plain.find('PodDisruptionBudget', 'hub'), undefined);
  assert.equal(plain.find('PodDisruptionBudget', 'proxy'), undefined);
  const r = await render([{ hub: { pdb: { enabled: true } }, proxy: { chp: { pdb: { enabled: true, minAvailable: null, maxUnavailable: 1 } } } }]);
  type Pdb = { spec: { minAvailable?: number; maxUnavailable?: number; selector: { matchLabels: Record<string, string> } } };
  const hub = r.get('PodDisruptionBudget', 'hub') as unknown as Pdb;
  const proxy = r.get('PodDisruptionBudget', 'proxy') as unknown as Pdb;
  assert.equal(hub.spec.minAvailable, 1);
  assert.equal(proxy.spec.maxUnavailable, 1);
  assert.equal(proxy.spec.minAvailable, undefined);
  for (const [pdb, name] of [[hub, 'hub'], [proxy, 'proxy']] as const) {
    const labels = (r.get('Deployment', name) as unknown as { spec: { template: { metadata: { labels: Record<string, string> } } } }).spec.template.metadata.labels;
    for (const [k, v] of Object.entries(pdb.spec.selector.matchLabels)) assert.equal(labels[k], v, `${name}: ${k}`);
    assert.equal(Object.keys(pdb.spec.selector.matchLabels).length > 0, true);
  }
  // the hub's own config loader accepts the keys (z2jh values files carry them)
  loadRenderedConfig(r);
});
