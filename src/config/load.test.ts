import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, ConfigError, type ConfigProblem } from './index.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** The problems loadConfig reports for `text` (fails the test if it loads). */
function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): readonly ConfigProblem[] {
  try {
    loadConfig({ file: 'config.yaml', text, env });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  assert.fail('expected a ConfigError');
}

test('no file: the embedded default, every key filled in', () => {
  const { config, warnings } = loadConfig({});
  assert.deepEqual(warnings, []);
  assert.equal(config.hub.baseUrl, '/');
  assert.equal(config.hub.ip, '127.0.0.1');
  assert.equal(config.hub.port, 0);
  assert.equal(config.hub.cookieSecret, null);
  assert.equal(config.hub.cookieMaxAgeDays, 14);
  assert.equal(config.hub.db.type, 'sqlite-pvc');
  assert.equal(config.hub.db.pvc.storage, '1Gi');
  assert.equal(config.hub.concurrentSpawnLimit, 64);
  assert.equal(config.hub.activeServerLimit, null);
  assert.equal(config.hub.redirectToServer, true);
  assert.deepEqual(config.hub.services, {});
  assert.equal(config.proxy.https.type, 'letsencrypt');
  assert.equal(config.proxy.https.letsencrypt.acmeServer, 'https://acme-v02.api.letsencrypt.org/directory');
  assert.equal(config.proxy.service.type, 'LoadBalancer');
  assert.equal(config.proxy.api.url, null);
  assert.equal(config.singleuser.image.name, 'quay.io/jupyter/base-notebook');
  assert.equal(config.singleuser.image.tag, 'latest');
  assert.equal(config.singleuser.cmd, null);
  assert.equal(config.singleuser.defaultUrl, '/lab');
  assert.equal(config.singleuser.startTimeout, 300);
  assert.equal(config.singleuser.storage.dynamic.pvcNameTemplate, 'claim-{username}{servername}');
  assert.equal(config.singleuser.cloudMetadata.ip, '169.254.169.254');
  assert.equal(config.singleuser.networkPolicy.egressAllowRules.privateIPs, false);
  assert.equal(config.hub.networkPolicy.egressAllowRules.privateIPs, true);
  assert.equal(config.spawner.kind, 'local');
  assert.equal(config.spawner.local.isolateUsers, 'auto');
  assert.equal(config.spawner.local.accountPrefix, 'nbh-');
  assert.equal(config.cull.enabled, true);
  assert.equal(config.cull.timeout, 3600);
  assert.equal(config.auth.type, 'dummy');
  assert.equal(config.auth.admin.access, true);
  assert.equal(config.auth.genericOAuth.usernameClaim, null);
  assert.equal(config.auth.genericOAuth.enablePkce, true);
  assert.equal(config.prePuller.hook.enabled, true);
  assert.equal(config.scheduling.userPods.nodeAffinity.matchNodePurpose, 'prefer');
  assert.equal(config.debug.enabled, false);
  assert.deepEqual(config.custom, {});
});

test('an empty file and a file of comments load the defaults', () => {
  assert.deepEqual(loadConfig({ text: '' }).config, loadConfig({}).config);
  assert.deepEqual(loadConfig({ text: '# nothing yet\n' }).config, loadConfig({}).config);
});

test("Up2U's values.yaml (seed 004) validates; its custom GenericOAuthenticator becomes generic-oauth", () => {
  const { config, warnings } = loadConfig({ file: fixture('up2u-values.yaml') });
  assert.equal(config.proxy.https.type, 'offload');
  assert.equal(config.hub.activeServerLimit, 100);
  assert.equal(config.hub.concurrentSpawnLimit, 10);
  assert.deepEqual(config.hub.templatePaths, ['/opt/templates']);
  assert.equal(config.singleuser.cpu.guarantee, 0.5);
  assert.equal(config.singleuser.memory.limit, '2G');
  assert.equal(config.singleuser.storage.capacity, '10G');
  assert.equal(config.scheduling.userScheduler.enabled, false);
  assert.deepEqual({ timeout: config.cull.timeout, every: config.cull.every }, { timeout: 1800, every: 180 });
  assert.equal(config.auth.type, 'generic-oauth');
  assert.deepEqual(
    { ...config.auth.genericOAuth },
    {
      clientId: '*****',
      clientSecret: '*****',
      callbackUrl: null,
      scopes: ['openid'],
      authorizeUrl: null,
      tokenUrl: 'https://proxy.eduteams.org/OIDC/token',
      userdataUrl: 'https://proxy.eduteams.org/OIDC/userinfo',
      issuer: null,
      usernameClaim: 'sub',
      extraAuthorizeParams: {},
      tokenParams: {},
      userdataParams: { state: 'state' },
      userdataMethod: 'GET',
      userdataTokenMethod: 'header',
      userdataFromIdToken: false,
      basicAuth: false,
      enablePkce: true,
      loginService: 'SSO',
      logoutRedirectUrl: null,
      custom403Message: null,
      validateServerCert: true,
      caFile: null,
      httpProxy: null,
      authStateGroupsKey: null,
      allowedScopes: [],
    },
  );
  assert.deepEqual(
    warnings.map((w) => [w.path, w.code, w.line]),
    [
      ['hub.extraConfig', 'CONFIG_MAPPED', 24],
      ['auth.genericOAuth.authorizeUrl', 'CONFIG_INCOMPLETE', 28],
      ['auth.custom.className', 'CONFIG_MAPPED', 30],
    ],
  );
  assert.equal('extraConfig' in config.hub, false);
});

test("Up2U's values as published: the unquoted ***** placeholders are reported at their lines", () => {
  let err: ConfigError | undefined;
  try {
    loadConfig({ file: fixture('up2u-values-unquoted.yaml') });
  } catch (e) {
    err = e as ConfigError;
  }
  assert.ok(err instanceof ConfigError);
  assert.deepEqual(err.problems.map((p) => p.line), [30, 31]);
  assert.match(err.toString(), /up2u-values-unquoted\.yaml:30:18: .*must be quoted/);
});

test("z2jh's minimal config.yaml validates", () => {
  const { config, warnings } = loadConfig({ file: fixture('z2jh-minimal.yaml') });
  assert.deepEqual(warnings, []);
  assert.equal(config.proxy.secretToken?.length, 64);
  assert.equal(config.rbac.enabled, false);
});

test('z2jh guide snippets (environment, resources, storage, security, pre-puller) validate', () => {
  const { config, warnings } = loadConfig({ file: fixture('z2jh-guide-environment.yaml') });
  assert.deepEqual(warnings.map((w) => w.path), ['hub.extraConfig']);
  assert.deepEqual(config.hub.extraEnv, { JUPYTER_ENABLE_LAB: '1' });
  assert.deepEqual(config.singleuser.lifecycleHooks, {
    postStart: { exec: { command: ['gitpuller', 'https://github.com/data-8/materials-fa17', 'master', 'materials-fa'] } },
  });
  assert.equal(config.singleuser.cpu.limit, 0.5);
  assert.equal(config.singleuser.storage.dynamic.storageClass, 'jupyterhub-user-ssd');
  assert.equal(config.singleuser.schedulerStrategy, 'pack');
  assert.equal(config.singleuser.networkPolicy.egress.length, 3);
  assert.equal(config.proxy.service.annotations['service.beta.kubernetes.io/aws-load-balancer-connection-idle-timeout'], '3600');
  assert.deepEqual(config.prePuller.extraImages['ubuntu-xenial'], { name: 'ubuntu', tag: 16.04, policy: 'IfNotPresent' });
  assert.deepEqual(config.auth.admin, { users: ['adminuser1', 'adminuser2'], groups: [], access: false });
});

test("z2jh guide's Active Directory example validates", () => {
  const { config, warnings } = loadConfig({ file: fixture('z2jh-guide-ldap-ad.yaml') });
  // escape_userdn was removed in ldapauthenticator 2.0: accepted, with one warning saying it does nothing
  assert.deepEqual(
    warnings.map((w) => [w.code, w.path, w.line]),
    [['CONFIG_DEPRECATED', 'auth.ldap.dn.user.escape', 18]],
  );
  assert.match(warnings[0].message, /has no effect/);
  assert.equal(config.auth.ldap.server.tlsStrategy, 'before_bind');
  assert.equal(config.auth.ldap.dn.user.attribute, 'sAMAccountName');
  assert.equal(config.auth.ldap.dn.templates.length, 2);
});

test("z2jh guide's Keycloak example: OAUTH2_* from hub.extraEnv fill the endpoints", () => {
  const { config, warnings } = loadConfig({ file: fixture('z2jh-guide-keycloak.yaml') });
  assert.deepEqual(warnings.map((w) => w.code), ['CONFIG_MAPPED']);
  assert.equal(config.auth.type, 'generic-oauth');
  assert.equal(config.auth.genericOAuth.authorizeUrl, 'https://sso.example.org/auth/realms/hub/protocol/openid-connect/auth');
  assert.equal(config.auth.genericOAuth.clientId, 'y0urc1logonc1ient1d');
});

test("z2jh guide's GitHub example: old spellings fold into the new keys, one warning each", () => {
  const { config, warnings } = loadConfig({ file: fixture('z2jh-guide-github.yaml') });
  assert.deepEqual(config.auth.github.allowedOrganizations, ['SomeOrgName']);
  assert.deepEqual(config.auth.github.scopes, ['read:user']);
  assert.deepEqual(config.auth.allowed.users, ['alice', 'bob']);
  assert.deepEqual(
    warnings.map((w) => [w.path, w.line, w.code]),
    [
      ['auth.github.org_whitelist', 8, 'CONFIG_DEPRECATED'],
      ['auth.scopes', 10, 'CONFIG_DEPRECATED'],
      ['auth.whitelist', 12, 'CONFIG_DEPRECATED'],
    ],
  );
  assert.equal('whitelist' in config.auth, false);
  assert.equal('org_whitelist' in config.auth.github, false);
});

test('a misspelled key: error with path, line, column and a suggestion', () => {
  const text = 'hub:\n  baseUrl: /\nsingleuser:\n  defaultUrl: /lab\n  memroy:\n    limit: 1G\n';
  const problems = problemsOf(text);
  assert.equal(problems.length, 1);
  assert.deepEqual(problems[0], {
    file: 'config.yaml',
    path: 'singleuser.memroy',
    line: 5,
    column: 3,
    message: 'unknown key (did you mean "memory"?)',
  });
  try {
    loadConfig({ file: 'config.yaml', text });
  } catch (e) {
    assert.equal((e as ConfigError).code, 'CONFIG_INVALID');
    assert.equal(String(e), 'config.yaml:5:3: singleuser.memroy: unknown key (did you mean "memory"?)');
  }
});

test('spelling-convention slips are suggested too (snake_case, case)', () => {
  const problems = problemsOf('hub:\n  cookie_secret: abc\n  ConcurrentSpawnLimit: 3\n  zzz: 1\n');
  assert.deepEqual(
    problems.map((p) => p.message),
    ['unknown key (did you mean "cookieSecret"?)', 'unknown key (did you mean "concurrentSpawnLimit"?)', 'unknown key'],
  );
});

test('a wrong type: path and the line of the value', () => {
  const problems = problemsOf('cull:\n  enabled: true\n  timeout: soon\n');
  assert.deepEqual(problems, [{ file: 'config.yaml', path: 'cull.timeout', line: 3, column: 12, message: 'must be a whole number' }]);
});

test('singleuser.memory.limit: lots is rejected with its path', () => {
  const problems = problemsOf('singleuser:\n  memory:\n    limit: lots\n    guarantee: 512M\n');
  assert.deepEqual(problems.map((p) => [p.path, p.line, p.message]), [
    ['singleuser.memory.limit', 3, 'must be a size such as 1G, 512M, 2Gi or a number of bytes'],
  ]);
});

test('memory sizes: strings with units and numbers of bytes are accepted', () => {
  for (const v of ['1G', '512M', '2Gi', '1.5Ti', '1073741824', 1073741824, '100k']) {
    const text = `singleuser:\n  memory:\n    limit: ${JSON.stringify(v)}\n`;
    assert.equal(loadConfig({ text }).config.singleuser.memory.limit, v);
  }
});

test('invalid YAML: file:line:col of the syntax error', () => {
  const problems = problemsOf('hub:\n  baseUrl: /\n  ip: [127.0.0.1\nproxy: {}\n');
  assert.ok(problems.length >= 1);
  assert.equal(problems[0].file, 'config.yaml');
  assert.ok(problems[0].line >= 3, `line ${problems[0].line}`);
  assert.match(problems[0].message, /^YAML syntax error/);
  const dup = problemsOf('hub:\n  port: 1\n  port: 2\n');
  assert.deepEqual(dup.map((p) => [p.line, p.column]), [[3, 3]]);
});

test('all problems are reported together, in file order', () => {
  const text = [
    'hub:',
    '  db:',
    '    type: oracle', // 3
    '  concurrentSpawnLimit: 0', // 4
    'singleuser:',
    '  image:',
    '    nmae: foo', // 7
    '  storage:',
    '    type: dynamic',
    '    capacity: big', // 10
    'spawner:',
    '  kind: docker', // 12
    'culll:', // 13
    '  enabled: false',
  ].join('\n');
  const problems = problemsOf(text);
  assert.deepEqual(
    problems.map((p) => `${p.line}:${p.column} ${p.path}`),
    [
      '3:11 hub.db.type',
      '4:25 hub.concurrentSpawnLimit',
      '7:5 singleuser.image.nmae',
      '10:15 singleuser.storage.capacity',
      '12:9 spawner.kind',
      '13:1 culll',
    ],
  );
  assert.match(problems[5].message, /did you mean "cull"/);
});

test('deprecated auth.whitelist.users: accepted with exactly one warning naming auth.allowed.users', () => {
  const { config, warnings } = loadConfig({ file: 'config.yaml', text: 'auth:\n  whitelist:\n    users: [ann, ben]\n' });
  assert.deepEqual(config.auth.allowed.users, ['ann', 'ben']);
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].code, 'CONFIG_DEPRECATED');
  assert.equal(warnings[0].line, 2);
  assert.match(warnings[0].message, /auth\.allowed\.users/);
});

test('deprecated whitelist together with allowed.users is an error', () => {
  const problems = problemsOf('auth:\n  allowed:\n    users: [ann]\n  whitelist:\n    users: [ben]\n');
  assert.deepEqual(problems.map((p) => [p.path, p.line]), [['auth.whitelist', 4]]);
  assert.match(problems[0].message, /keep only auth\.allowed\.users/);
});

test('environment overrides for secrets win over the file', () => {
  const text = 'hub:\n  cookieSecret: fromfile\nproxy:\n  secretToken: fromfile\n';
  const env = {
    NBHUB_COOKIE_SECRET: 'cookie-env',
    JPY_COOKIE_SECRET: 'ignored-when-nbhub-set',
    CONFIGPROXY_AUTH_TOKEN: 'proxy-env',
    JUPYTERHUB_CRYPT_KEY: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    NBHUB_DB_URL: 'postgresql://u:p@db/nbhub',
  };
  const { config, fromEnv } = loadConfig({ text, env });
  assert.equal(config.hub.cookieSecret, 'cookie-env');
  assert.equal(config.proxy.secretToken, 'proxy-env');
  assert.equal(config.auth.state.cryptoKey, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
  assert.equal(config.hub.db.url, 'postgresql://u:p@db/nbhub');
  assert.deepEqual(fromEnv, ['hub.cookieSecret', 'proxy.secretToken', 'auth.state.cryptoKey', 'hub.db.url']);
  assert.equal(loadConfig({ env: { JPY_COOKIE_SECRET: 'jpy' } }).config.hub.cookieSecret, 'jpy');
  assert.equal(loadConfig({ env: { NBHUB_PROXY_TOKEN: 'tok' } }).config.proxy.secretToken, 'tok');
  assert.equal(loadConfig({ env: { NBHUB_CRYPT_KEY: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' } }).config.auth.state.cryptoKey, 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb');
  assert.equal(loadConfig({ env: { NBHUB_COOKIE_SECRET: '' } }).config.hub.cookieSecret, null);
});

test('an environment override satisfies a cross-key rule (postgres needs hub.db.url)', () => {
  const text = 'hub:\n  db:\n    type: postgres\n';
  assert.deepEqual(problemsOf(text).map((p) => [p.path, p.line, p.message]), [
    ['hub.db.url', 3, 'is required when hub.db.type is postgres (or set NBHUB_DB_URL)'],
  ]);
  assert.equal(loadConfig({ text, env: { NBHUB_DB_URL: 'postgresql://db/nbhub' } }).config.hub.db.url, 'postgresql://db/nbhub');
});

test('hub.replicas above 1 is refused, whatever the database, and says why', () => {
  for (const db of ['', '  db:\n    type: postgres\n    url: postgresql://db/nbhub\n', '  db:\n    type: mysql\n    url: mysql://db/nbhub\n']) {
    const problems = problemsOf(`hub:\n  replicas: 2\n${db}`);
    assert.deepEqual(problems.map((p) => [p.path, p.line]), [['hub.replicas', 2]]);
    assert.match(problems[0].message, /must be 1: each hub replica still keeps server state .* in its own memory/);
  }
  assert.equal(loadConfig({ text: 'hub:\n  replicas: 1\n' }).config.hub.replicas, 1);
});

test('cross-key rules: https manual, github credentials, one default profile', () => {
  const text = [
    'proxy:',
    '  https:',
    '    enabled: true',
    '    type: manual', // 4
    '    manual:',
    '      cert: CERT',
    'auth:',
    '  type: github', // 8
    'singleuser:',
    '  profileList:',
    '    - display_name: Small',
    '      default: true',
    '    - display_name: Big',
    '      default: true', // 14
  ].join('\n');
  const problems = problemsOf(text);
  assert.deepEqual(
    problems.map((p) => `${p.line} ${p.path}`),
    ['4 proxy.https.manual.key', '8 auth.github.clientId', '8 auth.github.clientSecret', '14 singleuser.profileList[1].default'],
  );
});

test('cross-key rules are skipped for sections the schema already rejected', () => {
  const problems = problemsOf('hub:\n  db:\n    type: postgres\n    url: 5\n');
  assert.deepEqual(problems.map((p) => p.path), ['hub.db.url']);
  assert.equal(problems[0].message, 'must be a string or null');
});

test('custom authenticators: settings translated with their file positions; unknown classes rejected', () => {
  const text = [
    'auth:',
    '  type: custom',
    '  custom:',
    '    className: oauthenticator.github.GitHubOAuthenticator',
    '    config:',
    '      client_id: 42', // 6
    '      client_secret: s',
    '      frobnicate: true', // 8
  ].join('\n');
  assert.deepEqual(problemsOf(text).map((p) => `${p.line} ${p.path}: ${p.message}`), ['6 auth.custom.config.client_id: must be a string or null']);
  const unknown = problemsOf('auth:\n  type: custom\n  custom:\n    className: mymodule.MyAuthenticator\n');
  assert.deepEqual(unknown.map((p) => [p.path, p.line]), [['auth.custom.className', 4]]);
  assert.match(unknown[0].message, /cannot run; supported: GenericOAuthenticator/);
});

test('a key with no value counts as not given (as in Helm)', () => {
  const { config } = loadConfig({ text: 'hub:\nsingleuser:\n  memory:\n  defaultUrl:\n' });
  assert.equal(config.singleuser.defaultUrl, '/lab');
  assert.equal(config.hub.baseUrl, '/');
});

test('the root must be a mapping', () => {
  const problems = problemsOf('- a\n- b\n');
  assert.equal(problems.length, 1);
  assert.equal(problems[0].line, 1);
  assert.match(problems[0].message, /must be a mapping/);
});

test('a file that cannot be read: CONFIG_UNREADABLE naming the file', () => {
  const missing = path.join(mkdtempSync(path.join(tmpdir(), 'nbhub-config-')), 'nope.yaml');
  assert.throws(() => loadConfig({ file: missing }), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.code, 'CONFIG_UNREADABLE');
    assert.equal(e.toString(), `${missing}: cannot read the config file: no such file`);
    return true;
  });
});

test('a file on disk is read, and messages name it', () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'nbhub-config-')), 'config.yaml');
  writeFileSync(file, 'hub:\n  version: latest\n');
  assert.throws(() => loadConfig({ file }), (e: unknown) => {
    assert.equal(String(e), `${file}:2:12: hub.version: must be a PEP 440 version such as 5.2.1, 5.0.0b1 or 4.1.0.dev0`);
    return true;
  });
});

test('secrets never appear in error messages', () => {
  const secret = 'sup3r-s3cret-value';
  const problems = problemsOf(`hub:\n  cookieSecret: [${secret}]\nproxy:\n  secretToken: {a: ${secret}}\n  https: [${secret}\n`);
  for (const p of problems) assert.ok(!p.message.includes(secret), p.message);
});

test('YAML 1.1 as Helm reads it: yes/no are booleans, dates and 1:20 stay strings', () => {
  const { config } = loadConfig({ text: 'singleuser:\n  image:\n    tag: 2024-01-15\n  extraEnv:\n    A: yes\n    B: 1:20\ncull:\n  enabled: no\n' });
  assert.equal(config.singleuser.image.tag, '2024-01-15');
  assert.deepEqual(config.singleuser.extraEnv, { A: 'true', B: '1:20' });
  assert.equal(config.cull.enabled, false);
});

test('config given as data (TypeScript callers, tests) is validated the same way', () => {
  const { config } = loadConfig({ data: { spawner: { kind: 'local', local: { isolateUsers: false } }, hub: { port: 8081 } } });
  assert.equal(config.hub.port, 8081);
  assert.equal(config.spawner.local.isolateUsers, false);
  assert.equal(config.cull.timeout, 3600);
  assert.throws(
    () => loadConfig({ data: { hub: { port: -1 } } }),
    (e: unknown) => String(e) === '<config>: hub.port: must be >= 0',
  );
});
