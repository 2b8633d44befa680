import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../load.ts';
import { ConfigError } from '../errors.ts';
import { checkConfigCommand } from '../describe.ts';
import { mergeValues } from './overlay.ts';

const dir = mkdtempSync(join(tmpdir(), 'nbhub-overlay-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test('helm -f semantics: mappings merge deeply, lists are replaced, null removes a key', () => {
  assert.deepEqual(
    mergeValues({ a: { b: 1, c: [1, 2], d: 'x' }, e: 1 }, { a: { c: [3], d: null, f: true }, g: { h: 1 } }),
    { a: { b: 1, c: [3], f: true }, e: 1, g: { h: 1 } },
  );
  const common = file(
    'common.yaml',
    ['singleuser:', '  memory:', '    limit: 2G', '    guarantee: 1G', '  defaultUrl: /tree', '  extraEnv:', '    A: "1"', 'hub:', '  templatePaths: [/a, /b]', ''].join('\n'),
  );
  const hub = file('hub.yaml', ['singleuser:', '  memory:', '    guarantee: null', '  extraEnv:', '    B: "2"', 'hub:', '  templatePaths: [/c]', ''].join('\n'));
  const { config } = loadConfig({ files: [common, hub] });
  assert.equal(config.singleuser.memory.limit, '2G');
  assert.equal(config.singleuser.memory.guarantee, null, 'null removed the key: back to the default');
  assert.equal(config.singleuser.defaultUrl, '/tree');
  assert.deepEqual(config.singleuser.extraEnv, { A: '1', B: '2' });
  assert.deepEqual(config.hub.templatePaths, ['/c'], 'a list is replaced, not appended to');
});

test('every message names the file and line the value came from', () => {
  const a = file('a.yaml', ['hub:', '  concurrentSpawnLimit: 10', 'singleuser:', '  cpu:', '    limit: 2', ''].join('\n'));
  const b = file('b.yaml', ['# overlay', 'singleuser:', '  cpu:', '    guarantee: lots', 'cull:', '  timout: 5', ''].join('\n'));
  let err: ConfigError | undefined;
  try {
    loadConfig({ files: [a, b] });
  } catch (e) {
    err = e as ConfigError;
  }
  assert.ok(err instanceof ConfigError);
  assert.deepEqual(
    err.problems.map((p) => [p.file, p.line, p.path]),
    [
      [b, 4, 'singleuser.cpu.guarantee'],
      [b, 6, 'cull.timout'],
    ],
  );
  // A warning about a value of the first file points there, even when the second file is the last.
  const c = file('c.yaml', ['proxy:', '  nodeSelector:', '    pool: core', ''].join('\n'));
  const d = file('d.yaml', ['hub:', '  concurrentSpawnLimit: 5', ''].join('\n'));
  const { warnings, config } = loadConfig({ files: [c, d] });
  assert.deepEqual(config.proxy.chp.nodeSelector, { pool: 'core' });
  assert.deepEqual(
    warnings.map((w) => [w.file, w.line, w.path, w.code]),
    [[c, 2, 'proxy.nodeSelector', 'CONFIG_DEPRECATED']],
  );
  assert.match(warnings[0].message, /z2jh 1\.0 moved this key: use proxy\.chp\.nodeSelector/);
});

test('a secrets file completes a values file that alone only warns; start (no secretsMayComeLater) refuses it', () => {
  const values = file(
    'values.yaml',
    [
      'hub:',
      '  db:',
      '    type: postgres',
      '  config:',
      '    JupyterHub:',
      '      authenticator_class: generic-oauth',
      '    GenericOAuthenticator:',
      '      client_id: hub',
      '      authorize_url: https://idp.example.org/auth',
      '      token_url: https://idp.example.org/token',
      '      userdata_url: https://idp.example.org/userinfo',
      '      allow_all: true',
      '',
    ].join('\n'),
  );
  const secrets = file(
    'secrets.yaml',
    ['hub:', '  db:', '    url: postgresql://hub:pw@db:5432/hub', '  config:', '    GenericOAuthenticator:', '      client_secret: s3cret-value', ''].join('\n'),
  );
  const alone = checkConfigCommand(values, {});
  assert.equal(alone.exitCode, 0, alone.output);
  const incomplete = alone.output.split('\n').filter((l) => l.includes('CONFIG_INCOMPLETE'));
  assert.equal(incomplete.length, 2, alone.output);
  assert.match(incomplete.join('\n'), new RegExp(`${values}:3:\\d+: hub\\.db\\.url: .*required at start`));
  assert.match(incomplete.join('\n'), /auth\.genericOAuth\.clientSecret: .*required at start/);
  assert.throws(() => loadConfig({ file: values }), (e: ConfigError) => e.problems.some((p) => p.path === 'hub.db.url') && e.problems.some((p) => p.path === 'auth.genericOAuth.clientSecret'));

  const both = checkConfigCommand([values, secrets], {});
  assert.equal(both.exitCode, 0, both.output);
  assert.doesNotMatch(both.output, /CONFIG_INCOMPLETE/);
  assert.doesNotMatch(both.output, /s3cret-value|:pw@/, 'secrets are redacted in the effective config');
  const { config } = loadConfig({ files: [values, secrets] });
  assert.equal(config.auth.type, 'generic-oauth');
  assert.equal(config.auth.genericOAuth.clientSecret, 's3cret-value');
  assert.equal(config.hub.db.url, 'postgresql://hub:pw@db:5432/hub');
});

test('the command line: config check takes several files; start refuses files whose secrets are missing', () => {
  const cli = fileURLToPath(new URL('../../cli.ts', import.meta.url));
  const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir }, timeout: 60_000 });
  const values = file('cli-values.yaml', ['hub:', '  db:', '    type: mysql', ''].join('\n'));
  const secrets = file('cli-secrets.yaml', ['hub:', '  db:', '    url: mysql://hub:pw@db:3306/hub', ''].join('\n'));
  const check = run(['config', 'check', values, secrets]);
  assert.equal(check.status, 0, check.stderr);
  assert.match(check.stdout, new RegExp(`^${values} \\+ ${secrets}: valid`));
  assert.doesNotMatch(check.stdout, /:pw@/);
  const start = run(['start', '--config', values, '--data-dir', join(dir, 'data')]);
  assert.equal(start.status, 2);
  assert.match(start.stderr, new RegExp(`configuration is invalid, not starting:\\n${values}:3:\\d+: hub\\.db\\.url: is required when hub\\.db\\.type is mysql`));
});
