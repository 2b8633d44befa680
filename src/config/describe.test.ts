import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { Ajv } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import { checkConfigCommand, describeConfig, loadConfig, redactConfig, schemaAsJson, REDACTED } from './index.ts';

const SECRETS_YAML = `
hub:
  cookieSecret: cookie-value-1
  db:
    type: postgres
    url: postgresql://nbhub:db-pass-2@db.example.org:5432/nbhub
    password: db-pass-3
  services:
    culler:
      apiToken: service-token-4
  extraEnv:
    GITHUB_TOKEN: env-token-5
    OAUTH2_TOKEN_URL: https://sso.example.org/token
proxy:
  secretToken: proxy-token-6
  https:
    enabled: true
    type: manual
    manual:
      key: private-key-7
      cert: public-cert
singleuser:
  imagePullSecret:
    create: true
    username: me
    password: registry-pass-8
auth:
  type: github
  github:
    clientId: client-id
    clientSecret: client-secret-9
  dummy:
    password: dummy-pass-10
  ldap:
    dn:
      search:
        password: ldap-pass-11
  custom:
    config:
      client_secret: custom-secret-12
  state:
    enabled: true
    cryptoKey: c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00
`;
const SECRET_VALUES = Array.from({ length: 13 }, (_, i) => `-${i + 1}`).map((suffix) => new RegExp(`[a-z]${suffix}\\b`));

function writeTemp(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'nbhub-config-')), 'config.yaml');
  writeFileSync(file, text);
  return file;
}

test('redaction: every secret is replaced, everything else kept', () => {
  const { config } = loadConfig({ text: SECRETS_YAML });
  const out = describeConfig(config);
  for (const re of SECRET_VALUES) assert.doesNotMatch(out, re);
  assert.doesNotMatch(out, /c0ffee00/); // the crypto key (a real 32-byte key, so not numbered like the others)
  const shown = parse(out);
  assert.equal(shown.hub.cookieSecret, REDACTED);
  assert.equal(shown.hub.db.url, `postgresql://nbhub:${REDACTED}@db.example.org:5432/nbhub`);
  assert.equal(shown.hub.services.culler.apiToken, REDACTED);
  assert.equal(shown.hub.extraEnv.GITHUB_TOKEN, REDACTED);
  assert.equal(shown.hub.extraEnv.OAUTH2_TOKEN_URL, 'https://sso.example.org/token');
  assert.equal(shown.proxy.secretToken, REDACTED);
  assert.equal(shown.proxy.https.manual.key, REDACTED);
  assert.equal(shown.proxy.https.manual.cert, 'public-cert');
  assert.equal(shown.singleuser.imagePullSecret.password, REDACTED);
  assert.equal(shown.singleuser.imagePullSecret.username, 'me');
  assert.equal(shown.auth.github.clientSecret, REDACTED);
  assert.equal(shown.auth.github.clientId, 'client-id');
  assert.equal(shown.auth.state.cryptoKey, REDACTED);
  assert.equal(shown.auth.google.clientSecret, null, 'unset secrets stay null');
  // The original is untouched.
  assert.equal(config.hub.cookieSecret, 'cookie-value-1');
  assert.equal(redactConfig(config).hub.cookieSecret, REDACTED);
});

test('describeConfig lists keys in schema order and reads back as the same config (minus secrets)', () => {
  const { config } = loadConfig({});
  const shown = parse(describeConfig(config));
  assert.deepEqual(Object.keys(shown), ['hub', 'singleuser', 'auth', 'proxy', 'spawner', 'cull', 'prePuller', 'rbac', 'scheduling', 'ingress', 'debug', 'custom', 'httpRoute', 'imagePullSecret', 'imagePullSecrets']);
  assert.deepEqual(shown, config);
});

test('config check of a valid file: exit 0, warnings, then the effective config', () => {
  const file = writeTemp('auth:\n  whitelist:\n    users: [ann]\nproxy:\n  secretToken: tok-secret\n');
  const r = checkConfigCommand(file, { NBHUB_COOKIE_SECRET: 'from-env-secret' });
  assert.equal(r.exitCode, 0);
  const lines = r.output.split('\n');
  assert.equal(lines[0], `${file}: valid (1 warning)`);
  assert.equal(lines[1], `warning: ${file}:2:3: auth.whitelist: deprecated: use auth.allowed.users instead [CONFIG_DEPRECATED]`);
  assert.match(r.output, /# From the environment: hub\.cookieSecret/);
  assert.doesNotMatch(r.output, /tok-secret|from-env-secret/);
  const yamlPart = r.output.slice(r.output.indexOf('\nhub:') + 1);
  assert.deepEqual(parse(yamlPart).auth.allowed.users, ['ann']);
});

test('config check of an invalid file: exit 1 and every problem', () => {
  const file = writeTemp('hub:\n  concurrentSpawnLimit: many\nsingleuser:\n  memroy: {}\n');
  const r = checkConfigCommand(file, {});
  assert.equal(r.exitCode, 1);
  assert.equal(
    r.output,
    [
      `${file}: 2 problems`,
      `error: ${file}:2:25: hub.concurrentSpawnLimit: must be a whole number`,
      `error: ${file}:4:3: singleuser.memroy: unknown key (did you mean "memory"?)`,
      '',
    ].join('\n'),
  );
});

test('config check of a missing file: exit 1 naming it', () => {
  const r = checkConfigCommand('/nonexistent/nbhub/config.yaml', {});
  assert.equal(r.exitCode, 1);
  assert.match(r.output, /\/nonexistent\/nbhub\/config\.yaml: cannot read the config file: no such file/);
});

test('schemaAsJson: a draft-07 JSON Schema that accepts z2jh files and rejects unknown keys', () => {
  const schema = schemaAsJson();
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  assert.equal(schema.additionalProperties, false);
  assert.notEqual(schemaAsJson(), schemaAsJson(), 'a fresh copy each time');
  const text = JSON.stringify(schema);
  assert.doesNotMatch(text, /TypeBox/);
  const ajv = new Ajv({ allowUnionTypes: true, strict: false });
  const mod = ajvFormats.default as unknown as ((a: Ajv) => Ajv) | { default: (a: Ajv) => Ajv };
  (typeof mod === 'function' ? mod : mod.default)(ajv);
  const validate = ajv.compile(schema);
  const up2u = parse(readFileSync(fileURLToPath(new URL('./fixtures/up2u-values.yaml', import.meta.url)), 'utf8'));
  assert.ok(validate(up2u), JSON.stringify(validate.errors));
  assert.ok(validate({ proxy: { secretToken: 'x' }, singleuser: { memory: { limit: '1G' } } }));
  assert.ok(!validate({ singleuser: { memroy: {} } }));
  assert.ok(!validate({ singleuser: { memory: { limit: 'lots' } } }));
});
