// chart/examples/paws.yaml pointed at the MediaWiki OAuth 1.0a fake (test/support/fakeMediawiki.ts):
// it renders with the real helm; the consumer secret lives only in the Secret "hub" (not in the
// hub's config file); the hub's config as the pod would load it (config file + environment)
// gives a MediaWiki authenticator that logs "BDavis (WMF)" in as an admin against the fake;
// a user pod built from it carries PAWS's environment and a home keyed on the wiki's central id.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { FakeMediawiki } from '../support/fakeMediawiki.ts';
import { EXAMPLES, loadRenderedConfig, render, type Rendered } from './helm.ts';
import { buildAuth } from '../../src/hub/authSetup.ts';
import { decideLogin } from '../../src/auth/pipeline.ts';
import type { Authenticated, RedirectAuthenticator } from '../../src/auth/types.ts';
import type { Store } from '../../src/store/types.ts';
import { kubeSettingsFromConfig } from '../../src/spawner/kubernetes/settings.ts';
import { buildPodSpec, serverNames } from '../../src/spawner/kubernetes/podSpec.ts';
import { makePod } from '../../src/spawner/kubernetes/objects.ts';
import { labelValue } from '../../src/spawner/kubernetes/names.ts';

const KEY = 'paws-consumer-key-0001';
const SECRET = 'paws-consumer-secret-never-in-config-0002';
const ADMIN = 'BDavis (WMF)';

let wiki: FakeMediawiki;
let rendered: Rendered;

before(async () => {
  wiki = await new FakeMediawiki({ consumerKey: KEY, consumerSecret: SECRET, callbackUrl: 'https://hub.paws.wmcloud.org/hub/oauth_callback', users: { [ADMIN]: 31337 } }).start();
  rendered = await render([EXAMPLES.paws, { auth: { mediawiki: { clientId: KEY, clientSecret: SECRET, mwIndexUrl: wiki.indexUrl } }, hub: { db: { type: 'sqlite-memory' } } }]);
});

after(() => wiki?.stop());

test('the consumer secret is in the Secret "hub" and the hub’s environment, never in its config file', () => {
  const configYaml = rendered.hubConfigYaml();
  assert.ok(!configYaml.includes(SECRET), 'the consumer secret is in config.yaml');
  assert.match(configYaml, /type: mediawiki/);
  assert.equal(rendered.secretData('hub')['oauth-client-secret'], SECRET);
  assert.equal(rendered.hubEnv().OAUTH_CLIENT_SECRET, SECRET);
  const { config } = loadRenderedConfig(rendered);
  assert.equal(config.auth.type, 'mediawiki');
  assert.equal(config.auth.mediawiki.clientSecret, SECRET, 'read back from OAUTH_CLIENT_SECRET');
  assert.equal(config.auth.state.enabled, true);
  assert.ok(config.auth.state.cryptoKey, 'the chart generated the crypt key');
});

test('the rendered hub’s authenticator logs "BDavis (WMF)" in against the wiki, as an admin, with the auth state PAWS reads', async () => {
  const { config } = loadRenderedConfig(rendered);
  const setup = await buildAuth(config, {} as Store, pino({ level: 'silent' }));
  const a = setup.authenticator as RedirectAuthenticator;
  assert.equal(a.kind, 'mediawiki');
  const begun = await a.beginLogin({ callbackUrl: 'https://hub.paws.wmcloud.org/hub/oauth_callback' });
  const back = new URL(await wiki.approveAs(begun.redirectUrl, ADMIN));
  assert.equal(back.origin + back.pathname, 'https://hub.paws.wmcloud.org/hub/oauth_callback');
  const result = (await a.completeLogin({ callbackUrl: back.toString(), query: back.searchParams, pending: begun.pending })) as Authenticated;
  const outcome = await decideLogin(a, result, setup.policy);
  assert.ok(outcome.ok, JSON.stringify(outcome));
  assert.equal(outcome.name, ADMIN);
  assert.equal(outcome.admin, true);
  assert.deepEqual(wiki.rejected, []);
  assert.equal(a.stableUserId?.(result.authState), '31337');

  // the user pod PAWS would run for her: its home is keyed on the central id, its labels are valid
  const k = kubeSettingsFromConfig(config);
  const ctx = { namespace: 'prod', appLabel: k.appLabel, releaseName: k.releaseName, podNameTemplate: k.podNameTemplate, schedulerName: k.schedulerName, priorityClassName: k.priorityClassName };
  const names = serverNames(ctx, k.base, ADMIN, '', '31337');
  const spawn = { userName: ADMIN, serverName: '', env: { ACCESS_KEY: 'from-auth-state' }, servicePrefix: '/user/BDavis%20%28WMF%29/', cmd: ['jupyterhub-singleuser'], args: [], userOptions: {}, userId: '31337' };
  const pod = makePod(buildPodSpec(ctx, k.base, names, spawn)) as unknown as {
    metadata: { name: string; labels: Record<string, string> };
    spec: { containers: { env: { name: string; value?: string; valueFrom?: unknown }[]; volumeMounts: { name: string; mountPath: string; subPath?: string }[] }[] };
  };
  assert.equal(pod.metadata.labels['hub.jupyter.org/username'], labelValue(ADMIN));
  const container = pod.spec.containers[0];
  const home = container.volumeMounts.find((m) => m.mountPath === '/home/paws');
  assert.deepEqual(home && { subPath: home.subPath }, { subPath: 'userhomes/31337' });
  const env = Object.fromEntries(container.env.map((e) => [e.name, e]));
  assert.deepEqual(env.CLIENT_SECRET?.valueFrom, { secretKeyRef: { name: 'hub', key: 'oauth-client-secret' } });
  assert.equal(env.ACCESS_KEY?.value, 'from-auth-state');
  assert.deepEqual(config.singleuser.authStateEnv, { ACCESS_KEY: 'ACCESS_TOKEN_KEY', ACCESS_SECRET: 'ACCESS_TOKEN_SECRET', USER: 'MEDIAWIKI_USER_IDENTITY.username' });
});
