import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../load.ts';
import { ConfigError } from '../errors.ts';

const load = (text: string) => loadConfig({ text, file: 'values.yaml' });

function problems(text: string): string[] {
  try {
    load(text);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.line}: ${p.path}: ${p.message}`);
    throw e;
  }
  assert.fail('expected the file to be refused');
}

const Z2JH_GENERIC = `
hub:
  config:
    JupyterHub:
      authenticator_class: generic-oauth
      admin_access: false
    Authenticator:
      admin_users: [alice]
      allowed_users: [bob]
    OAuthenticator:
      scope: [openid, email]
    GenericOAuthenticator:
      client_id: up2u-jupyter
      client_secret: CHANGE-ME
      oauth_callback_url: https://hub.example.org/hub/oauth_callback
      authorize_url: https://proxy.eduteams.org/OIDC/authorization
      token_url: https://proxy.eduteams.org/OIDC/token
      userdata_url: https://proxy.eduteams.org/OIDC/userinfo
      username_claim: sub
      login_service: SSO
`;

const SEEDS_AUTH = `
auth:
  type: custom
  admin:
    users: [alice]
    access: false
  allowed:
    users: [bob]
  custom:
    className: oauthenticator.generic.GenericOAuthenticator
    config:
      client_id: up2u-jupyter
      client_secret: CHANGE-ME
      oauth_callback_url: https://hub.example.org/hub/oauth_callback
      authorize_url: https://proxy.eduteams.org/OIDC/authorization
      token_url: https://proxy.eduteams.org/OIDC/token
      userdata_url: https://proxy.eduteams.org/OIDC/userinfo
      username_claim: sub
      login_service: SSO
      scope: [openid, email]
`;

test('hub.config (z2jh 1.x+) and the seeds’ auth: spelling give the same effective config (GenericOAuthenticator)', () => {
  const a = load(Z2JH_GENERIC);
  const b = load(SEEDS_AUTH);
  assert.equal(a.config.auth.type, 'generic-oauth');
  // auth.custom only shows how the seeds' spelling was written; everything it set is compared.
  assert.deepEqual({ ...a.config.auth, custom: null }, { ...b.config.auth, custom: null });
  assert.deepEqual(a.config.auth.custom, { className: null, config: {} });
  assert.deepEqual(a.config.auth.admin.users, ['alice']);
  assert.equal(a.config.auth.admin.access, false);
  assert.deepEqual(a.config.auth.genericOAuth.scopes, ['openid', 'email']);
  assert.equal(a.config.auth.genericOAuth.tokenUrl, 'https://proxy.eduteams.org/OIDC/token');
  const mapped = a.warnings.find((w) => w.code === 'CONFIG_MAPPED');
  assert.equal(mapped?.path, 'hub.config.JupyterHub.authenticator_class');
  assert.equal(mapped?.line, 5);
  assert.equal('config' in a.config.hub, false);
});

test('authenticator_class as a full class path; a trait nbhub has no use for is a warning naming it', () => {
  const { config, warnings } = load(`
hub:
  config:
    JupyterHub:
      authenticator_class: oauthenticator.github.GitHubOAuthenticator
      subdomain_host: hub.example.org
    GitHubOAuthenticator:
      client_id: abc
      client_secret: def
      allowed_organizations: [my-org]
    Spawner:
      disable_user_config: true
`);
  assert.equal(config.auth.type, 'github');
  assert.deepEqual(config.auth.github.allowedOrganizations, ['my-org']);
  const ignored = warnings.filter((w) => w.code === 'CONFIG_IGNORED').map((w) => [w.line, w.path, w.message]);
  assert.deepEqual(
    ignored.map(([line, path]) => [line, path]),
    [
      [6, 'hub.config.JupyterHub.subdomain_host'],
      [12, 'hub.config.Spawner.disable_user_config'],
    ],
  );
  assert.match(String(ignored[0][2]), /no nbhub equivalent \(nbhub serves user servers under \/user\/<name>\//);
});

test('Spawner and KubeSpawner traits become singleuser and spawner keys; the more specific class wins', () => {
  const { config } = load(`
hub:
  config:
    JupyterHub:
      spawner_class: kubespawner.KubeSpawner
      concurrent_spawn_limit: 20
      services:
        - name: grader
          url: http://grader:8000
          api_token: tok-abcdef
    Spawner:
      cmd: [jupyterhub-singleuser]
      default_url: /tree
      environment: {EDITOR: vim}
    KubeSpawner:
      cmd: [jupyter-labhub]
      cpu_limit: 2
      mem_guarantee: 1G
      image: registry.example.org:5000/lab/image:2024-01-15
      extra_resource_limits: {nvidia.com/gpu: "1"}
`);
  assert.equal(config.spawner.kind, 'kubernetes');
  assert.equal(config.hub.concurrentSpawnLimit, 20);
  assert.equal(config.hub.services.grader.url, 'http://grader:8000');
  assert.equal(config.hub.services.grader.apiToken, 'tok-abcdef');
  assert.deepEqual(config.singleuser.cmd, ['jupyter-labhub']);
  assert.equal(config.singleuser.defaultUrl, '/tree');
  assert.deepEqual(config.singleuser.extraEnv, { EDITOR: 'vim' });
  assert.equal(config.singleuser.cpu.limit, 2);
  assert.equal(config.singleuser.memory.guarantee, '1G');
  assert.equal(config.singleuser.image.name, 'registry.example.org:5000/lab/image');
  assert.equal(config.singleuser.image.tag, '2024-01-15');
  assert.deepEqual(config.singleuser.extraResource.limits, { 'nvidia.com/gpu': '1' });
});

test('unknown classes and traits are errors at their line; a bad value names the hub.config key; conflicts are refused', () => {
  const found = problems(`
hub:
  config:
    KubeSpawnr:
      cpu_limit: 2
    KubeSpawner:
      cpu_limimt: 2
      cpu_guarantee: lots
`);
  assert.equal(found.length, 3, found.join('\n'));
  assert.match(found[0], /^5: hub\.config\.KubeSpawnr\.cpu_limit: unknown class KubeSpawnr \(did you mean KubeSpawner\?\)/);
  assert.equal(found[1], '7: hub.config.KubeSpawner.cpu_limimt: KubeSpawner has no trait cpu_limimt (did you mean cpu_limit?)');
  assert.match(found[2], /^8: hub\.config\.KubeSpawner\.cpu_guarantee: must be a number/);

  const conflict = problems(`
auth:
  type: github
hub:
  config:
    JupyterHub:
      authenticator_class: github
      concurrent_spawn_limit: 5
  concurrentSpawnLimit: 10
`);
  assert.ok(conflict.includes('7: hub.config.JupyterHub.authenticator_class: auth.type is set too; keep one of them'), conflict.join('\n'));
  assert.ok(conflict.includes('8: hub.config.JupyterHub.concurrent_spawn_limit: hub.concurrentSpawnLimit is set too; keep one of them'), conflict.join('\n'));
  assert.match(problems('hub:\n  config:\n    JupyterHub:\n      authenticator_class: pam\n')[0], /^4: .*authenticator_class: pam has no nbhub equivalent; supported: /);
});

test('entry points and class paths of every authenticator family: ldap, mediawiki, native, dummy', () => {
  const ldap = load(`
hub:
  config:
    JupyterHub:
      authenticator_class: ldapauthenticator.LDAPAuthenticator
    LDAPAuthenticator:
      server_address: ldap.example.org
      bind_dn_template: ["uid={username},ou=people,dc=example,dc=org"]
`);
  assert.equal(ldap.config.auth.type, 'ldap');
  assert.equal(ldap.config.auth.ldap.server.address, 'ldap.example.org');
  const mw = load(`
hub:
  config:
    JupyterHub:
      authenticator_class: mediawiki
    MWOAuthenticator:
      client_id: abc
      client_secret: def
`);
  assert.equal(mw.config.auth.type, 'mediawiki');
  assert.equal(mw.config.auth.mediawiki.clientId, 'abc');
  assert.equal(load('hub:\n  config:\n    JupyterHub:\n      authenticator_class: native\n').config.auth.type, 'native');
  const dummy = load('hub:\n  config:\n    JupyterHub:\n      authenticator_class: jupyterhub.auth.DummyAuthenticator\n    DummyAuthenticator:\n      password: pw-123\n');
  assert.equal(dummy.config.auth.type, 'dummy');
  assert.equal(dummy.config.auth.dummy.password, 'pw-123');
});
