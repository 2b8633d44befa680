import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServerEnv, type ServerEnvInput } from './serverEnv.ts';
import { oauthClientId, serverPrefix } from '../domain/names.ts';

const TOKEN = '0123456789abcdef0123456789abcdef';
const API = 'http://127.0.0.1:8081/hub/api';

function input(user: string, server: string, extra: Partial<ServerEnvInput> = {}): ServerEnvInput {
  return {
    userName: user,
    serverName: server,
    apiToken: TOKEN,
    clientId: oauthClientId(user, server),
    baseUrl: '/',
    servicePrefix: serverPrefix('/', user, server),
    hubApiUrl: API,
    defaultUrl: null,
    notebookDir: null,
    extraEnv: {},
    ...extra,
  };
}

test('default server: exactly the variables of protocol.md §1.2', () => {
  const env = buildServerEnv(input('alice', ''));
  const { JUPYTERHUB_OAUTH_ACCESS_SCOPES, JUPYTERHUB_OAUTH_SCOPES, ...rest } = env;
  assert.deepEqual(rest, {
    JUPYTERHUB_API_TOKEN: TOKEN,
    JPY_API_TOKEN: TOKEN,
    JUPYTERHUB_CLIENT_ID: 'jupyterhub-user-alice',
    JUPYTERHUB_API_URL: 'http://127.0.0.1:8081/hub/api',
    JUPYTERHUB_ACTIVITY_URL: 'http://127.0.0.1:8081/hub/api/users/alice/activity',
    JUPYTERHUB_BASE_URL: '/',
    JUPYTERHUB_SERVICE_PREFIX: '/user/alice/',
    JUPYTERHUB_OAUTH_CALLBACK_URL: '/user/alice/oauth_callback',
    JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES: '[]',
    JUPYTERHUB_USER: 'alice',
    JUPYTERHUB_SERVER_NAME: '',
    JUPYTERHUB_HOST: '',
    JUPYTERHUB_COOKIE_HOST_PREFIX_ENABLED: '0',
    JUPYTERHUB_PUBLIC_URL: '',
    JUPYTERHUB_PUBLIC_HUB_URL: '',
  });
  assert.deepEqual(JSON.parse(JUPYTERHUB_OAUTH_ACCESS_SCOPES), ['access:servers!server=alice/', 'access:servers!user=alice']);
  assert.equal(JUPYTERHUB_OAUTH_SCOPES, JUPYTERHUB_OAUTH_ACCESS_SCOPES);
  // the spawner adds the bind URL; the hub never sets it, nor the proxy's secret
  assert.ok(!('JUPYTERHUB_SERVICE_URL' in env));
  assert.ok(!('CONFIGPROXY_AUTH_TOKEN' in env));
});

test('named server: prefix, client id, callback and access scopes name the server', () => {
  const env = buildServerEnv(input('alice', 'foo'));
  assert.equal(env.JUPYTERHUB_CLIENT_ID, 'jupyterhub-user-alice-foo');
  assert.equal(env.JUPYTERHUB_SERVICE_PREFIX, '/user/alice/foo/');
  assert.equal(env.JUPYTERHUB_OAUTH_CALLBACK_URL, '/user/alice/foo/oauth_callback');
  assert.equal(env.JUPYTERHUB_SERVER_NAME, 'foo');
  assert.equal(env.JUPYTERHUB_USER, 'alice');
  assert.equal(env.JUPYTERHUB_BASE_URL, '/');
  assert.equal(env.JUPYTERHUB_ACTIVITY_URL, `${API}/users/alice/activity`);
  assert.deepEqual(JSON.parse(env.JUPYTERHUB_OAUTH_ACCESS_SCOPES), ['access:servers!server=alice/foo', 'access:servers!user=alice']);
  assert.deepEqual(JSON.parse(env.JUPYTERHUB_OAUTH_SCOPES), ['access:servers!server=alice/foo', 'access:servers!user=alice']);
});

test('a base URL other than / is the app base, not the hub prefix', () => {
  const env = buildServerEnv(input('alice', '', { baseUrl: '/jh/', servicePrefix: serverPrefix('/jh/', 'alice', ''), hubApiUrl: 'http://10.0.0.1:8081/jh/hub/api' }));
  assert.equal(env.JUPYTERHUB_BASE_URL, '/jh/');
  assert.equal(env.JUPYTERHUB_SERVICE_PREFIX, '/jh/user/alice/');
  assert.equal(env.JUPYTERHUB_OAUTH_CALLBACK_URL, '/jh/user/alice/oauth_callback');
  assert.equal(env.JUPYTERHUB_ACTIVITY_URL, 'http://10.0.0.1:8081/jh/hub/api/users/alice/activity');
});

test('user names that need escaping are escaped in URLs, not in JUPYTERHUB_USER', () => {
  const env = buildServerEnv(input('a b@c', ''));
  assert.equal(env.JUPYTERHUB_USER, 'a b@c');
  assert.equal(env.JUPYTERHUB_SERVICE_PREFIX, '/user/a%20b@c/');
  assert.equal(env.JUPYTERHUB_CLIENT_ID, 'jupyterhub-user-a%20b%40c');
  assert.match(env.JUPYTERHUB_ACTIVITY_URL, /\/users\/a%20b(@|%40)c\/activity$/);
});

test('optional variables appear only when configured; extraEnv is applied last', () => {
  const env = buildServerEnv(
    input('alice', '', {
      defaultUrl: '/lab',
      notebookDir: '~/work',
      debug: true,
      resources: { memLimit: 2147483648, cpuLimit: 1.5, memGuarantee: null },
      extraEnv: { EDITOR: 'vim', JUPYTERHUB_DEFAULT_URL: '/tree' },
    }),
  );
  assert.equal(env.JUPYTERHUB_DEFAULT_URL, '/tree', 'extraEnv overrides');
  assert.equal(env.JUPYTERHUB_ROOT_DIR, '~/work');
  assert.equal(env.JUPYTERHUB_DEBUG, '1');
  assert.equal(env.MEM_LIMIT, '2147483648');
  assert.equal(env.CPU_LIMIT, '1.5');
  assert.ok(!('MEM_GUARANTEE' in env));
  assert.ok(!('CPU_GUARANTEE' in env));
  assert.equal(env.EDITOR, 'vim');
  const plain = buildServerEnv(input('alice', ''));
  for (const k of ['JUPYTERHUB_DEFAULT_URL', 'JUPYTERHUB_ROOT_DIR', 'JUPYTERHUB_DEBUG', 'MEM_LIMIT', 'CPU_LIMIT']) assert.ok(!(k in plain), k);
});
