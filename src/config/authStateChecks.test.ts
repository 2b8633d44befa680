// Config checks of auth state: a crypto key that is not 32 bytes, and authStateEnv without auth
// state, each named by key path and line; the key itself never appears in a message.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './index.ts';

function problems(text: string, env: Record<string, string> = {}) {
  try {
    loadConfig({ file: 'config.yaml', text, env });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

test('a crypto key that is not 32 bytes is refused at its line, without showing it', () => {
  const bad = 'hunter2-is-no-key';
  const [p, ...rest] = problems(`auth:\n  state:\n    enabled: true\n    cryptoKey: ${bad}\n`);
  assert.equal(rest.length, 0);
  assert.equal(p.path, 'auth.state.cryptoKey');
  assert.equal(p.line, 4);
  assert.match(p.message, /not a 32-byte key/);
  assert.ok(!p.message.includes(bad));
  const two = problems(`auth:\n  state:\n    enabled: true\n    cryptoKey: "${randomBytes(32).toString('hex')};${bad}"\n`);
  assert.match(two[0].message, /key 2 of 2/);
});

test('a key from NBHUB_CRYPT_KEY is checked too; good keys (hex, base64, several) pass', () => {
  const fromEnv = problems('auth:\n  state:\n    enabled: true\n', { NBHUB_CRYPT_KEY: 'short' });
  assert.equal(fromEnv[0]?.path, 'auth.state.cryptoKey');
  const key = `${randomBytes(32).toString('hex')};${randomBytes(32).toString('base64')}`;
  const { config } = loadConfig({ text: 'auth:\n  state:\n    enabled: true\nsingleuser:\n  authStateEnv:\n    ACCESS_TOKEN: access_token\n', env: { NBHUB_CRYPT_KEY: key } });
  assert.deepEqual(config.singleuser.authStateEnv, { ACCESS_TOKEN: 'access_token' });
});

test('singleuser.authStateEnv without auth.state.enabled is an error naming the key', () => {
  const [p] = problems('singleuser:\n  authStateEnv:\n    ACCESS_TOKEN: access_token\n');
  assert.equal(p.path, 'singleuser.authStateEnv');
  assert.ok(p.line === 2 || p.line === 3, `line ${p.line}`); // the key or its first entry
  assert.match(p.message, /needs auth\.state\.enabled: true/);
});
