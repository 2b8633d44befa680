import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sign, unsign } from './session.ts';

const secret = randomBytes(32);

test('sign → unsign round-trips, also for values containing dots', () => {
  for (const v of ['abc', 'a.b.c', randomBytes(32).toString('base64url'), '.leading', 'x'.repeat(2000)]) {
    const s = sign(secret, v);
    assert.ok(s.startsWith(`${v}.`));
    assert.equal(unsign(secret, s), v);
  }
});

test('the signature is deterministic and url-safe', () => {
  const a = sign(secret, 'value');
  assert.equal(a, sign(secret, 'value'));
  assert.match(a.slice('value.'.length), /^[A-Za-z0-9_-]{43}$/);
});

test('a tampered value or signature is refused', () => {
  const s = sign(secret, 'session-id');
  assert.equal(unsign(secret, s.replace('session-id', 'session-ie')), null);
  const mac = s.slice(s.lastIndexOf('.') + 1);
  const flipped = `${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
  assert.equal(unsign(secret, `session-id.${flipped}`), null);
  assert.equal(unsign(secret, `${s}x`), null, 'longer signature');
  assert.equal(unsign(secret, s.slice(0, -1)), null, 'shorter signature');
  assert.equal(unsign(secret, `other.${mac}`), null, 'signature of another value');
});

test('a signature made with another secret is refused', () => {
  assert.equal(unsign(randomBytes(32), sign(secret, 'v')), null);
});

test('malformed input is refused without throwing', () => {
  for (const bad of ['', 'nodot', '.', '.onlymac', 'value.', 'a.b', '\u00e9.\u00e9']) {
    assert.equal(unsign(secret, bad), null, JSON.stringify(bad));
  }
});
