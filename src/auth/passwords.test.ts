import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import argon2 from 'argon2';
import bcrypt from 'bcryptjs';
import { ARGON2_PARAMS, hashKind, hashPassword, needsRehash, verifyPassword } from './passwords.ts';
import { passwordProblem } from './passwordPolicy.ts';

// OpenBSD bcrypt test vector (as stored by other implementations, e.g. Python bcrypt).
const VECTOR_2A = '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW';

describe('passwords', () => {
  it('hashes with argon2id at the configured parameters and verifies', async () => {
    const h = await hashPassword('correct horse');
    assert.equal(hashKind(h), 'argon2id');
    for (const kv of [`m=${ARGON2_PARAMS.memoryCost}`, `t=${ARGON2_PARAMS.timeCost}`, `p=${ARGON2_PARAMS.parallelism}`]) assert.ok(h.split('$')[3].split(',').includes(kv), kv);
    assert.ok(await verifyPassword(h, 'correct horse'));
    assert.ok(!(await verifyPassword(h, 'correct horse ')));
    assert.notEqual(await hashPassword('correct horse'), h, 'salted');
    assert.equal(needsRehash(h), false);
  });
  it('verifies bcrypt $2a$, $2b$, $2y$ (NativeAuthenticator imports) and asks for a rehash', async () => {
    assert.equal(hashKind(VECTOR_2A), 'bcrypt');
    assert.ok(await verifyPassword(VECTOR_2A, 'U*U'));
    assert.ok(!(await verifyPassword(VECTOR_2A, 'U*V')));
    const b = bcrypt.hashSync('pässwörd', 4);
    for (const prefix of ['$2a$', '$2b$', '$2y$']) {
      const h = prefix + b.slice(4);
      assert.ok(await verifyPassword(h, 'pässwörd'), prefix);
      assert.ok(!(await verifyPassword(h, 'passwort')), prefix);
      assert.equal(needsRehash(h), true);
    }
  });
  it('older argon2 variants and weaker parameters need a rehash', async () => {
    assert.equal(needsRehash('$argon2id$v=19$t=2,m=19456,p=1$c2FsdHNhbHQ$aGFzaA'), false);
    assert.equal(needsRehash('$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaA'), false);
    const weak = await argon2.hash('x', { type: argon2.argon2id, memoryCost: 8192, timeCost: 1, parallelism: 1 });
    assert.ok(await verifyPassword(weak, 'x'));
    assert.equal(needsRehash(weak), true);
    const i = await argon2.hash('x', { type: argon2.argon2i, ...ARGON2_PARAMS });
    assert.equal(hashKind(i), 'argon2');
    assert.ok(await verifyPassword(i, 'x'));
    assert.equal(needsRehash(i), true);
  });
  it('malformed hashes are false, never throw', async () => {
    for (const h of ['', 'plain', '$argon2id$garbage', '$2b$10$short', '$1$abc$def', 'x'.repeat(1000)]) {
      assert.equal(await verifyPassword(h, 'x'), false, h);
      assert.equal(needsRehash(h), true);
    }
  });
});

describe('passwordProblem', () => {
  const rules = { minimumLength: 8 };
  it('accepts a decent password', () => {
    assert.equal(passwordProblem('alice', 'tangerine-otter-42', rules), null);
  });
  it('rejects short, common, username and repeated passwords', () => {
    assert.match(passwordProblem('alice', 'short', rules)!, /at least 8/);
    assert.match(passwordProblem('alice', 'password', rules)!, /common/);
    assert.match(passwordProblem('alice', '12345678', rules)!, /common/);
    assert.match(passwordProblem('alice', 'PassWord', rules)!, /common/);
    assert.match(passwordProblem('alicealice', 'AliceAlice', rules)!, /username/);
    assert.match(passwordProblem('bob', 'aaaaaaaaaa', rules)!, /single character/);
  });
  it('counts characters, not UTF-16 units', () => {
    assert.equal(passwordProblem('a', '😀😀😀😀', { minimumLength: 5 }) !== null, true);
    assert.equal(passwordProblem('a', '😀😀😀😀x', { minimumLength: 5 }), null);
  });
});
