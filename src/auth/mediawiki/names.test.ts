// Wiki user names keep spaces and parentheses ("Jane Doe (WMF)"). Everything the hub derives
// from such a name must stay valid, spelled the way JupyterHub and KubeSpawner spell it, so
// clients comparing strings and objects created by a Python hub keep matching.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapePathSegment, oauthCallbackUrl, oauthClientId, routeSpec, serverPrefix, validateUsername } from '../../domain/names.ts';
import { escapeForPodName, isValidObjectName } from '../../domain/slugs.ts';
import { expandNameTemplate, isValidSubdomainName, labelValue, ownerAnnotations } from '../../spawner/kubernetes/names.ts';
import { accountComment, accountNameFor } from '../../spawner/unixAccounts.ts';
import { escapeName, homePath, logPath } from '../../spawner/paths.ts';

const JANE = 'Jane Doe (WMF)';
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

test('the name is a valid hub user name as it is', () => {
  assert.equal(validateUsername(JANE), null);
});

test('URLs, proxy route and OAuth client id: quote(name, safe="@~") as JupyterHub', () => {
  // Python: urllib.parse.quote('Jane Doe (WMF)', safe='@~') == 'Jane%20Doe%20%28WMF%29'
  assert.equal(escapePathSegment(JANE), 'Jane%20Doe%20%28WMF%29');
  assert.equal(serverPrefix('/', JANE, ''), '/user/Jane%20Doe%20%28WMF%29/');
  assert.equal(serverPrefix('/', JANE, 'gpu (big)'), '/user/Jane%20Doe%20%28WMF%29/gpu%20%28big%29/');
  assert.equal(oauthCallbackUrl('/', JANE, ''), '/user/Jane%20Doe%20%28WMF%29/oauth_callback');
  // the proxy's route key is decoded, as CHP stores it; requests are decoded before matching
  assert.equal(routeSpec('/', JANE, ''), '/user/Jane Doe (WMF)');
  // the client id is also the server's cookie name: quote(name) with safe='/'
  assert.equal(oauthClientId(JANE, ''), 'jupyterhub-user-Jane%20Doe%20%28WMF%29');
  // a cookie name may not hold spaces or parentheses (RFC 6265 token)
  assert.match(oauthClientId(JANE, ''), /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/);
  // what a browser makes of the prefix is the prefix itself: no re-encoding, same path
  assert.equal(new URL(`http://h${serverPrefix('/', JANE, '')}lab`).pathname, '/user/Jane%20Doe%20%28WMF%29/lab');
});

test('pod and claim names: KubeSpawner’s legacy escaping, valid object names', () => {
  // escapism.escape('Jane Doe (WMF)', safe=a-z0-9, escape_char='-').lower()
  assert.equal(escapeForPodName(JANE), '-4aane-20-44oe-20-28-57-4d-46-29');
  const pod = expandNameTemplate('jupyter-{username}{servername}', JANE, '');
  assert.equal(pod, 'jupyter--4aane-20-44oe-20-28-57-4d-46-29');
  assert.ok(isValidSubdomainName(pod));
  const pvc = expandNameTemplate('claim-{username}{servername}', JANE, 'gpu (big)');
  assert.ok(isValidSubdomainName(pvc), pvc);
  assert.ok(pvc.length <= 253);
});

test('labels hold a valid (hashed) spelling; annotations keep the name', () => {
  const v = labelValue(JANE);
  assert.match(v, LABEL_VALUE);
  assert.ok(v.length <= 63);
  assert.match(v, /^jane-doe-wmf---[0-9a-f]{8}$/);
  assert.ok(isValidObjectName(v));
  assert.notEqual(labelValue('Jane Doe (WMDE)'), v);
  assert.deepEqual(ownerAnnotations(JANE, ''), { 'hub.jupyter.org/username': JANE, 'hub.jupyter.org/servername': '' });
});

test('local spawner: Unix account, home directory and log file names', () => {
  const account = accountNameFor('nbh-', JANE);
  assert.match(account, /^nbh-jane-doe-wmf-_[a-z2-7]{10}$/);
  assert.ok(account.length <= 32);
  // Debian's useradd NAME_REGEX
  assert.match(account, /^[a-z_][-a-z0-9_]*\$?$/);
  assert.notEqual(accountNameFor('nbh-', 'jane doe (wmf)'), account, 'case matters on the wiki');
  assert.equal(accountComment(JANE), 'nbhub user Jane%20Doe%20(WMF)');
  assert.ok(!accountComment(JANE).includes(':'));
  assert.equal(escapeName(JANE), 'Jane_20Doe_20_28WMF_29');
  assert.equal(homePath('/homes', JANE), '/homes/Jane_20Doe_20_28WMF_29');
  assert.equal(logPath('/logs', JANE, ''), '/logs/Jane_20Doe_20_28WMF_29.log');
});

test('{userid} in storage templates: the stable id names the claim and the static subPath; without one, a clear error', async () => {
  const { loadConfig } = await import('../../config/index.ts');
  const { kubeSettingsFromConfig } = await import('../../spawner/kubernetes/settings.ts');
  const { serverNames, buildPodSpec, PodSpecError } = await import('../../spawner/kubernetes/podSpec.ts');
  const ctxOf = (k: ReturnType<typeof kubeSettingsFromConfig>) => ({
    namespace: 'prod',
    appLabel: k.appLabel,
    releaseName: k.releaseName,
    podNameTemplate: k.podNameTemplate,
    schedulerName: k.schedulerName,
    priorityClassName: k.priorityClassName,
  });
  const spawn = { userName: JANE, serverName: '', env: {}, servicePrefix: '/user/Jane%20Doe%20%28WMF%29/', cmd: ['jupyterhub-singleuser'], args: [], userOptions: {}, userId: '4242' };

  const dynamic = kubeSettingsFromConfig(loadConfig({ data: { singleuser: { storage: { type: 'dynamic', dynamic: { pvcNameTemplate: 'claim-{userid}' } } } } }).config);
  const names = serverNames(ctxOf(dynamic), dynamic.base, JANE, '', '4242');
  assert.equal(names.pvc, 'claim-4242');
  assert.equal(names.pod, 'jupyter--4aane-20-44oe-20-28-57-4d-46-29');
  assert.throws(() => serverNames(ctxOf(dynamic), dynamic.base, JANE, ''), (e: unknown) => e instanceof PodSpecError && /pvcNameTemplate uses \{userid\}/.test(e.message));

  const stat = kubeSettingsFromConfig(
    loadConfig({ data: { singleuser: { storage: { type: 'static', static: { pvcName: 'paws-homes', subPath: 'userhomes/{userid}' } } } } }).config,
  );
  const pod = buildPodSpec(ctxOf(stat), stat.base, serverNames(ctxOf(stat), stat.base, JANE, '', '4242'), spawn);
  assert.deepEqual(pod.home, { kind: 'claim', volumeName: 'home', claimName: 'paws-homes', mountPath: '/home/jovyan', subPath: 'userhomes/4242' });
});
