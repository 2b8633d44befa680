import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSize } from './quantity.ts';

test('parseSize: decimal and binary units, plain bytes', () => {
  assert.equal(parseSize('1G'), 1e9);
  assert.equal(parseSize('512M'), 512e6);
  assert.equal(parseSize('2Gi'), 2 * 2 ** 30);
  assert.equal(parseSize('1.5Ki'), 1536);
  assert.equal(parseSize('100k'), 100_000);
  assert.equal(parseSize('1e3'), 1000);
  assert.equal(parseSize('1073741824'), 1073741824);
  assert.equal(parseSize(4096), 4096);
  assert.throws(() => parseSize('lots'), /not a size/);
});
