// Bad config: a misspelled key, a wrong type and invalid YAML each name the file, key path
// and line, and the hub does not start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runNbhub, tempDir, freePort } from '../support/nbhubProcess.ts';

async function configFile(text: string): Promise<string> {
  const d = await tempDir('nbhub-cfg-');
  const f = path.join(d, 'config.yaml');
  await writeFile(f, text);
  return f;
}

const cases = [
  { name: 'misspelled key', yaml: 'singleuser:\n  defaultUrl: /lab\n  memroy:\n    limit: 1G\n', path: 'singleuser.memroy', line: 3 },
  { name: 'wrong type', yaml: 'hub:\n  concurrentSpawnLimit: many\n', path: 'hub.concurrentSpawnLimit', line: 2 },
  { name: 'invalid YAML', yaml: 'auth:\n  type: dummy\nhub:\n\tbaseUrl: /\n', path: null, line: 4 },
];

for (const c of cases) {
  test(`${c.name}: config check and start both fail with file, path and line`, async () => {
    const f = await configFile(c.yaml);
    const check = await runNbhub(['config', 'check', f]);
    assert.notEqual(check.code, 0);
    assert.ok(check.stderr.includes(`${f}:${c.line}`), check.stderr);
    if (c.path) assert.ok(check.stderr.includes(c.path), check.stderr);
    const port = await freePort();
    const start = await runNbhub(['start', '--config', f, '--data-dir', path.dirname(f), '--port', String(port)]);
    assert.equal(start.code, 2);
    assert.ok(start.stderr.includes(`${f}:${c.line}`), start.stderr);
    assert.doesNotMatch(start.stdout, /is running/);
  });
}

test('a valid config prints the effective configuration with secrets redacted', async () => {
  const f = await configFile('hub:\n  cookieSecret: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nsingleuser:\n  defaultUrl: /lab\n');
  const r = await runNbhub(['config', 'check', f]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /defaultUrl: \/lab/);
  assert.doesNotMatch(r.stdout, /0123456789abcdef0123/);
});
