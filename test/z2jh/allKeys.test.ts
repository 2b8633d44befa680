// The z2jh 4 values schema, key by key: all-keys.yaml sets every key of it (all-keys-shapes.yaml
// the second shape of keys z2jh takes in two), `config check` accepts both files, and every key
// either reaches nbhub's config (same key, or the key it folds into) or is named by a warning that
// says what happens instead. A key added to the z2jh schema that nbhub neither maps nor warns about
// fails here. The chart side (rendered objects) is test/chart/z2jhValues.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadConfig, type LoadedConfig } from '../../src/config/index.ts';
import { checkConfigCommand } from '../../src/config/describe.ts';
import { formatPath } from '../../src/config/errors.ts';
import { getIn, isPlainObject } from '../../src/config/dataPath.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '../..');
export const ALL_KEYS = join(HERE, 'all-keys.yaml');
export const ALL_KEYS_SHAPES = join(HERE, 'all-keys-shapes.yaml');
const Z2JH_SCHEMA = parse(readFileSync(join(HERE, 'z2jh-values.schema.yaml'), 'utf8')) as Schema;

type Schema = Record<string, unknown>;
type Path = string[];

/** The schema's keys: recursing into closed sections, stopping at free-form values (hub.services, extraEnv, …). */
function z2jhKeys(schema: Schema, path: Path = []): { path: Path; schema: Schema }[] {
  const out: { path: Path; schema: Schema }[] = [];
  for (const [key, sub] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
    const here = [...path, key];
    const closed = sub.additionalProperties === false || (here.join('.') === 'hub.config');
    if (sub.properties && closed) out.push(...z2jhKeys(sub, here));
    else out.push({ path: here, schema: sub });
  }
  return out;
}

const KEYS = z2jhKeys(Z2JH_SCHEMA);

/** z2jh keys that nbhub folds into another key of its own. */
const FOLDED: Record<string, Path> = {
  'singleuser.podNameTemplate': ['spawner', 'kubernetes', 'podNameTemplate'],
};
for (const { path } of KEYS) {
  if (path.join('.').startsWith('proxy.chp.networkPolicy.')) FOLDED[path.join('.')] = ['proxy', 'networkPolicy', ...path.slice(3)];
}

/** Helm's own keys: they mean nothing to the app, in z2jh as in nbhub (the chart drops them). */
const HELM_ONLY = new Set(['enabled', 'global']);

/** How a written value looks once loaded (nbhub's normal forms), for the keys whose shape changes. */
function normalized(path: string, written: unknown): unknown {
  if (/\.pullPolicy$/.test(path) && written === '') return null;
  if (/\.extraEnv$/.test(path) && isPlainObject(written)) return Object.fromEntries(Object.entries(written).map(([k, v]) => [k, isPlainObject(v) ? v : String(v)]));
  if (/\.extraEnv$/.test(path) && Array.isArray(written)) return Object.fromEntries(written.map((e) => [e.name, e.valueFrom ? { valueFrom: e.valueFrom } : String(e.value)]));
  if (/storage\.extraVolume(Mount)?s$/.test(path) && isPlainObject(written)) return Object.keys(written).sort().map((k) => written[k]);
  if (path === 'hub.services') {
    // JupyterHub's snake_case service keys land on nbhub's; a single-string command becomes a list
    const camel: Record<string, string> = { api_token: 'apiToken', oauth_no_confirm: 'oauthNoConfirm', oauth_client_id: 'oauthClientId', oauth_redirect_uri: 'oauthRedirectUri' };
    return Object.fromEntries(
      Object.entries(written as Record<string, Record<string, unknown>>).map(([k, { name: _name, ...rest }]) => [
        k,
        Object.fromEntries(Object.entries(rest).map(([key, v]) => [camel[key] ?? key, key === 'command' && typeof v === 'string' ? [v] : v])),
      ]),
    );
  }
  if (path === 'hub.loadRoles') return Object.fromEntries(Object.entries(written as Record<string, Record<string, unknown>>).map(([k, { name: _name, ...rest }]) => [k, rest]));
  if (path === 'prePuller.extraImages') {
    return Object.fromEntries(Object.entries(written as Record<string, Record<string, unknown>>).map(([k, { pullPolicy, ...rest }]) => [k, { ...rest, policy: pullPolicy }]));
  }
  return written;
}

/** Loaded values may have defaults filled in below what the file wrote: compare only what it wrote. */
function contains(loaded: unknown, written: unknown): boolean {
  if (isPlainObject(written)) return isPlainObject(loaded) && Object.entries(written).every(([k, v]) => contains(loaded[k], v));
  if (Array.isArray(written)) return Array.isArray(loaded) && written.length === loaded.length && written.every((v, i) => contains(loaded[i], v));
  return written === loaded || (written === null && loaded === undefined);
}

function explain(file: string, loaded: LoadedConfig): string[] {
  // YAML 1.1, as Helm and nbhub read values (mode: 0444 is octal).
  const data = parse(readFileSync(file, 'utf8'), { version: '1.1' }) as Record<string, unknown>;
  const warned = loaded.warnings.map((w) => w.path);
  const unexplained: string[] = [];
  for (const { path } of KEYS) {
    const name = formatPath(path);
    const written = getIn(data, path);
    if (written === undefined || HELM_ONLY.has(path.join('.'))) continue;
    if (warned.some((w) => w === name || w.startsWith(`${name}.`) || w.startsWith(`${name}[`) || name.startsWith(`${w}.`))) continue;
    const target = FOLDED[path.join('.')] ?? path;
    if (contains(getIn(loaded.config, target), normalized(path.join('.'), written))) continue;
    unexplained.push(`${name}: written ${JSON.stringify(written)}, loaded ${JSON.stringify(getIn(loaded.config, target))} at ${formatPath(target)}, and no warning names it`);
  }
  return unexplained;
}

test('all-keys.yaml sets every key of the z2jh 4 schema', () => {
  const data = parse(readFileSync(ALL_KEYS, 'utf8')) as unknown;
  const missing = KEYS.filter(({ path }) => getIn(data, path) === undefined).map(({ path }) => path.join('.'));
  assert.deepEqual(missing, []);
  assert.ok(KEYS.length > 300, `the schema walk found ${KEYS.length} keys`);
});

test('every key of all-keys.yaml is applied or named by a warning that says what happens instead', () => {
  const check = checkConfigCommand(ALL_KEYS, {});
  assert.equal(check.exitCode, 0, check.output);
  const loaded = loadConfig({ file: ALL_KEYS });
  assert.deepEqual(explain(ALL_KEYS, loaded), []);
  // Secrets written in the file are not printed by config check.
  for (const secret of ['pull-pass-7c1f', 'db-pass-3e9a', '9b2e0c4d6f8a1b3c5d7e9f0a2b4c6d8e', '5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b']) {
    assert.doesNotMatch(check.output, new RegExp(secret));
  }
});

test('key by key: what nbhub does with the z2jh keys it has no equivalent for, and the ones it folds', () => {
  const { warnings, config } = loadConfig({ file: ALL_KEYS });
  const said = (path: string) => warnings.filter((w) => w.path === path).map((w) => `${w.code}: ${w.message}`);
  assert.deepEqual(said('proxy.traefik'), ['CONFIG_IGNORED: not applied: nbhub’s proxy terminates TLS itself: configure proxy.https']);
  assert.deepEqual(said('proxy.secretSync'), ['CONFIG_IGNORED: not applied: nbhub’s proxy keeps its certificates on its own volume: configure proxy.https']);
  assert.match(said('proxy.chp.image')[0], /runs nbhub’s own proxy from hub\.image/);
  assert.match(said('proxy.chp.command')[0], /the chart runs `nbhub proxy`/);
  assert.match(said('hub.existingSecret')[0], /Secret hub/);
  // served by nbhub (/hub/metrics), not a warning any more
  assert.deepEqual(said('hub.authenticatePrometheus'), []);
  assert.equal(config.hub.authenticatePrometheus, false);
  assert.match(said('hub.consecutiveFailureLimit')[0], /keeps running/);
  assert.match(said('fullnameOverride')[0], /fixed names/);
  assert.match(said('nameOverride')[0], /labels name the chart nbhub/);
  assert.match(said('hub.config.JupyterHub.subdomain_host')[0], /CONFIG_IGNORED: .*\/user\/<name>\//);
  // a hub-managed service, as JupyterHub runs it
  assert.deepEqual(said('hub.services.grader.command'), []);
  assert.ok(config.hub.services.grader.command?.length);
  assert.match(said('hub.db.type')[0], /CONFIG_MAPPED: other runs as postgres/);
  assert.match(said('hub.extraConfig["10-timeout"]').join('\n'), /c\.Spawner\.http_timeout = 60 applied as singleuser\.httpTimeout/);
  assert.equal(config.singleuser.httpTimeout, 60);

  assert.equal(config.hub.db.type, 'postgres');
  assert.equal(config.auth.type, 'dummy');
  assert.deepEqual(config.auth.admin.users, ['admin']);
  assert.equal(config.hub.services.grader.apiToken, '9b2e0c4d6f8a1b3c5d7e9f0a2b4c6d8e');
  assert.equal(config.hub.services.grader.oauthNoConfirm, true);
  assert.equal(config.spawner.kubernetes.podNameTemplate, 'jupyter-{username}--{servername}');
  assert.equal(config.proxy.networkPolicy.egressAllowRules.privateIPs, false, 'proxy.chp.networkPolicy folded into proxy.networkPolicy');
  assert.deepEqual(config.hub.extraEnv, { HUB_GREETING: 'hello', HUB_NUMBER: '42' });
  assert.deepEqual(config.singleuser.storage.extraVolumes, [{ name: 'shared', emptyDir: {} }]);
  assert.deepEqual(config.prePuller.extraImages.ubuntu, { name: 'ubuntu', tag: '24.04', policy: 'IfNotPresent' });
  for (const key of ['enabled', 'global', 'fullnameOverride', 'nameOverride']) assert.equal(key in config, false, key);
});

test('all-keys-shapes.yaml: the second shape of each key z2jh takes in two is accepted and applied', () => {
  const data = parse(readFileSync(ALL_KEYS_SHAPES, 'utf8')) as unknown;
  const loaded = loadConfig({ file: ALL_KEYS_SHAPES });
  assert.deepEqual(explain(ALL_KEYS_SHAPES, loaded), []);
  const { config } = loaded;
  assert.deepEqual(config.hub.extraEnv, { FROM_LIST: 'yes', FROM_SECRET: { valueFrom: { secretKeyRef: { name: 's', key: 'k' } } } });
  assert.deepEqual(config.proxy.chp.extraEnv, { PROXY_LIST: '1' });
  assert.deepEqual(config.singleuser.extraEnv, { NUMBER_AS_TEXT: '3' });
  assert.deepEqual(config.singleuser.storage.extraVolumeMounts, [{ name: 'a', mountPath: '/a' }]);
  assert.equal(config.singleuser.memory.limit, 2147483648);
  assert.equal(config.singleuser.cmd, 'jupyterhub-singleuser --debug');
  // JupyterHub's Command trait: one string is a one-element list (not split)
  assert.deepEqual(config.hub.services.culler, {
    apiToken: null,
    admin: true,
    url: null,
    oauthNoConfirm: false,
    display: true,
    info: {},
    oauthClientId: null,
    oauthRedirectUri: null,
    command: ['python3 -m jupyterhub_idle_culler'],
    environment: {},
    cwd: null,
  });
  assert.equal(config.singleuser.image.pullPolicy, null, "'' means unset");
  assert.ok(getIn(data, ['hub', 'extraConfig']) !== undefined);
});

test('the z2jh 4 defaults file and every chart example pass config check', () => {
  for (const file of [join(HERE, 'z2jh-values.yaml'), ...['minimal', 'up2u', 'paws'].map((n) => join(REPO, 'chart/examples', `${n}.yaml`))]) {
    const r = checkConfigCommand(file, {});
    assert.equal(r.exitCode, 0, r.output);
  }
  const z2jhDefaults = loadConfig({ file: join(HERE, 'z2jh-values.yaml') });
  assert.equal(z2jhDefaults.config.auth.type, 'dummy', 'z2jh’s default hub.config authenticator_class: dummy');
  assert.equal(z2jhDefaults.config.auth.admin.access, true);
  assert.match(z2jhDefaults.warnings.find((w) => w.path === 'hub.image.name')?.message ?? '', /z2jh’s JupyterHub image/);
});
