import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import { ConfigSchema, ResolvedConfigSchema, type Config, type ConfigInput } from './schema.ts';
import { PEP440_PATTERN } from './schema/hub.ts';
import { loadConfig } from './load.ts';

type Schema = Record<string, unknown>;

// Compile-time: the raw input and the loaded config are different types.
// @ts-expect-error a ConfigInput may leave keys out; a Config may not
const notResolved: Config = {} as ConfigInput;
void notResolved;

/** Every key of the schema with its path, recursing into sections, map values and list items. */
function* keysOf(schema: Schema, path: string): Generator<{ path: string; schema: Schema; required: boolean }> {
  const visit = function* (container: Schema, prefix: string) {
    const required = new Set((container.required as string[] | undefined) ?? []);
    for (const [k, s] of Object.entries((container.properties ?? {}) as Record<string, Schema>)) {
      yield { path: `${prefix}.${k}`, schema: s, required: required.has(k) };
      yield* keysOf(s, `${prefix}.${k}`);
    }
  };
  if (schema.properties) yield* visit(schema, path);
  const extra = schema.additionalProperties;
  if (typeof extra === 'object' && extra && (extra as Schema).properties) yield* visit(extra as Schema, `${path}.<name>`);
  const items = schema.items as Schema | undefined;
  if (items?.properties) yield* visit(items, `${path}[]`);
}

test('every key has a description, and a default unless it is required or a deprecated/ignored z2jh key', () => {
  const noDefault: string[] = [];
  for (const { path, schema, required } of keysOf(ConfigSchema as unknown as Schema, '')) {
    assert.ok(typeof schema.description === 'string' && schema.description.length > 3, `${path} has no description`);
    if (schema.default === undefined && !required) noDefault.push(path.slice(1));
  }
  // z2jh spellings folded into another key, and z2jh keys accepted and reported as not applied:
  // absent means "not written" (src/config/z2jh/). EnvVar list items and extra files have one of
  // several optional fields.
  const z2jhOnly =
    /^(enabled|fullnameOverride|nameOverride|global|hub\.(config|existingSecret|consecutiveFailureLimit)|hub\.services\.<name>\.(name|api_token|oauth_\w+|command|environment|user|cwd)|hub\.loadRoles\.<name>\.name|proxy\.(traefik|secretSync|chp\.(networkPolicy|image|command))|singleuser\.podNameTemplate|prePuller\.extraImages\.<name>\.pullPolicy|.*\.extraEnv\[\]\.(value|valueFrom)|.*\.extraFiles\.<name>\.(data|stringData|binaryData|mode))(\.|$)/;
  assert.deepEqual(noDefault.filter((p) => !z2jhOnly.test(p)).sort(), [
    'auth.cilogon.allowedIdps',
    'auth.genericOAuth.usernameKey',
    'auth.github.orgWhitelist',
    'auth.github.org_whitelist',
    'auth.gitlab.allowedGroups',
    'auth.ldap.dn.user.escape',
    'auth.ldap.server.ssl',
    'auth.ldap.server.tlsKwargs',
    'auth.ldap.server.tlsKwargs.ca_certs_file',
    'auth.ldap.server.tlsKwargs.local_certificate_file',
    'auth.ldap.server.tlsKwargs.local_private_key_file',
    'auth.scopes',
    'auth.whitelist',
    'hub.extraConfig',
    'hub.extraConfigMap',
    'hub.imagePullPolicy',
    'singleuser.imagePullPolicy',
  ]);
});

test('every object in the schema rejects unknown keys unless it is a free-form map', () => {
  for (const { path, schema } of keysOf(ConfigSchema as unknown as Schema, '')) {
    if (schema.properties) assert.equal(schema.additionalProperties, false, path);
  }
  assert.equal((ConfigSchema as unknown as Schema).additionalProperties, false);
});

function resolvedValidator() {
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strict: true });
  const mod = ajvFormats.default as unknown as ((a: Ajv) => Ajv) | { default: (a: Ajv) => Ajv };
  (typeof mod === 'function' ? mod : mod.default)(ajv);
  return ajv.compile(ResolvedConfigSchema);
}

test('loaded configs match the resolved schema: defaults everywhere, deprecated keys folded away', () => {
  const validate = resolvedValidator();
  const dir = fileURLToPath(new URL('./fixtures/', import.meta.url));
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && !f.includes('unquoted'));
  assert.ok(files.length >= 5);
  for (const f of [null, ...files]) {
    const { config } = loadConfig({ file: f && dir + f });
    assert.ok(validate(config), `${f}: ${JSON.stringify(validate.errors)}`);
    // And no key of the resolved schema is missing.
    for (const { path, schema } of keysOf(ResolvedConfigSchema as unknown as Schema, '')) {
      if (path.includes('<name>') || path.includes('[]')) continue;
      const value = path
        .slice(1)
        .split('.')
        .reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], config);
      assert.notEqual(value, undefined, `${f}: ${path} missing`);
      void schema;
    }
  }
});

test('hub.version accepts PEP 440 versions and rejects others', () => {
  const re = new RegExp(PEP440_PATTERN);
  for (const v of ['5.2.1', '5.0.0b1', '4.1.0.dev0', '5.0.0rc2', '1.0.post1', '1!2.0', '5.2.1+nbhub.1', 'v4.0', '4.0.0B1', '2.0-1']) {
    assert.ok(re.test(v), v);
  }
  for (const v of ['latest', '5.x', '', '5.2.1 ', 'five', '5..1', '.5']) assert.ok(!re.test(v), v);
});

test('defaults are filled inside map values and list items too', () => {
  const validate = resolvedValidator();
  const { config } = loadConfig({
    data: {
      hub: {
        services: { culler: { apiToken: 'x'.repeat(32) } },
        loadRoles: { graders: { scopes: ['read:users'] } },
        extraEnv: { A: 'a', SECRET: { valueFrom: { secretKeyRef: { name: 's', key: 'k' } } } },
      },
      singleuser: { profileList: [{ display_name: 'Small' }, { display_name: 'GPU', kubespawner_override: { image: 'gpu' } }] },
      prePuller: { extraImages: { ubuntu: { name: 'ubuntu' } } },
    },
  });
  assert.ok(validate(config), JSON.stringify(validate.errors));
  assert.deepEqual(config.hub.services.culler, {
    apiToken: 'x'.repeat(32),
    admin: false,
    url: null,
    oauthNoConfirm: false,
    display: true,
    info: {},
    oauthClientId: null,
    oauthRedirectUri: null,
    command: null,
    environment: {},
    cwd: null,
  });
  assert.deepEqual(config.hub.loadRoles.graders, { description: '', scopes: ['read:users'], users: [], groups: [], services: [] });
  assert.deepEqual(config.singleuser.profileList[0], {
    display_name: 'Small',
    description: '',
    slug: null,
    default: false,
    kubespawner_override: {},
    profile_options: {},
  });
  assert.deepEqual(config.prePuller.extraImages.ubuntu, { name: 'ubuntu', tag: 'latest', policy: null });
  assert.deepEqual(config.hub.extraEnv.SECRET, { valueFrom: { secretKeyRef: { name: 's', key: 'k' } } });
});
