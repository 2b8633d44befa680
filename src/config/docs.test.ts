import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderConfigDocs } from './docs.ts';

test('docs/config.md is current with the schema', () => {
  const file = fileURLToPath(new URL('../../docs/config.md', import.meta.url));
  const committed = readFileSync(file, 'utf8');
  assert.ok(
    committed === renderConfigDocs(),
    'docs/config.md is out of date: run `node --import tsx src/config/docs.ts > docs/config.md`',
  );
});

test('the docs list every top-level section and the deprecated spellings', () => {
  const md = renderConfigDocs();
  for (const section of ['hub', 'proxy', 'singleuser', 'auth', 'spawner', 'cull', 'prePuller', 'rbac', 'scheduling', 'debug', 'custom']) {
    assert.match(md, new RegExp(`^## \`${section}\`$`, 'm'));
  }
  assert.match(md, /\| `auth\.whitelist` \| .*DEPRECATED: use `auth\.allowed\.users`/);
  assert.match(md, /\| `singleuser\.memory\.limit` \| string, number or null \| `null` \|/);
});
