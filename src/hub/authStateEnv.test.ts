import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authStateEnv } from './authStateEnv.ts';
import { buildServerEnv } from './serverEnv.ts';

function recorder() {
  const lines: { obj: Record<string, unknown>; msg: string }[] = [];
  return { lines, log: { warn: (obj: Record<string, unknown>, msg: string) => void lines.push({ obj, msg }) } as never };
}

test('values from keys and dotted paths: strings as they are, other values as text or JSON', () => {
  const { lines, log } = recorder();
  const state = { access_token: 'tok', expires_in: 3600, admin: false, user: { groups: ['a', 'b'], profile: { id: 7 } } };
  const env = authStateEnv(
    { ACCESS_TOKEN: 'access_token', EXPIRES: 'expires_in', IS_ADMIN: 'admin', GROUPS: 'user.groups', FIRST: 'user.groups.0', PROFILE: 'user.profile' },
    state,
    log,
    'alice',
  );
  assert.deepEqual(env, { ACCESS_TOKEN: 'tok', EXPIRES: '3600', IS_ADMIN: 'false', GROUPS: '["a","b"]', FIRST: 'a', PROFILE: '{"id":7}' });
  assert.equal(lines.length, 0);
});

test('a missing path (or no state) leaves the variable unset with one log line and no value', () => {
  const { lines, log } = recorder();
  const env = authStateEnv({ TOKEN: 'access_token', GONE: 'refresh_token', NULL: 'n' }, { access_token: 'secret-tok', n: null }, log, 'alice');
  assert.deepEqual(env, { TOKEN: 'secret-tok' });
  assert.deepEqual(lines.map((l) => [l.obj.variable, l.obj.path]), [['GONE', 'refresh_token'], ['NULL', 'n']]);
  assert.ok(!JSON.stringify(lines).includes('secret-tok'));
  const none = recorder();
  assert.deepEqual(authStateEnv({ TOKEN: 'access_token' }, null, none.log, 'bob'), {});
  assert.equal(none.lines[0].obj.reason, 'the user has no auth state');
});

test('the server environment takes authStateEnv last', () => {
  const env = buildServerEnv({
    userName: 'alice',
    serverName: '',
    apiToken: 'api',
    clientId: 'jupyterhub-user-alice',
    baseUrl: '/',
    servicePrefix: '/user/alice/',
    hubApiUrl: 'http://127.0.0.1:8081/hub/api',
    defaultUrl: null,
    notebookDir: null,
    extraEnv: { ACCESS_TOKEN: 'from-extraEnv', EDITOR: 'vim' },
    authStateEnv: { ACCESS_TOKEN: 'from-auth-state' },
  });
  assert.equal(env.ACCESS_TOKEN, 'from-auth-state');
  assert.equal(env.EDITOR, 'vim');
  assert.equal(env.JUPYTERHUB_API_TOKEN, 'api');
});
