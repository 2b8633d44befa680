// `nbhub start` refuses auth state it cannot keep safe: enabled without a key, or a key that is
// not 32 bytes (from the file or NBHUB_CRYPT_KEY); the message names the setting, never the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort, runNbhub, tempDir } from '../support/nbhubProcess.ts';

async function startWith(yaml: string, env: Record<string, string> = {}) {
  const dir = await tempDir('nbhub-authstate-');
  const file = path.join(dir, 'config.yaml');
  await writeFile(file, yaml);
  const port = await freePort();
  return runNbhub(['start', '--config', file, '--data-dir', path.join(dir, 'data'), '--port', String(port)], {
    NBHUB_CRYPT_KEY: '',
    JUPYTERHUB_CRYPT_KEY: '',
    ...env,
  });
}

test('auth.state.enabled without a key: start refuses, naming auth.state.cryptoKey and NBHUB_CRYPT_KEY', async () => {
  const r = await startWith('auth:\n  state:\n    enabled: true\n');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /auth\.state\.cryptoKey/);
  assert.match(r.stderr, /NBHUB_CRYPT_KEY/);
  assert.doesNotMatch(r.stdout, /is running/);
});

test('a key that is not 32 bytes in NBHUB_CRYPT_KEY: start refuses without printing the key', async () => {
  const key = 'not-32-bytes-but-secret';
  const r = await startWith('auth:\n  state:\n    enabled: true\n', { NBHUB_CRYPT_KEY: key });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /auth\.state\.cryptoKey/);
  assert.match(r.stderr, /32-byte key/);
  assert.ok(!r.stderr.includes(key) && !r.stdout.includes(key));
  assert.doesNotMatch(r.stdout, /is running/);
});
