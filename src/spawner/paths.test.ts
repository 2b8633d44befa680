import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { escapeName, homePath, logPath, shortHash } from './paths.ts';

describe('escapeName', () => {
  it('keeps ordinary names readable', () => {
    assert.equal(escapeName('alice'), 'alice');
    assert.equal(escapeName('Alice.Smith-2'), 'Alice.Smith-2');
  });

  it('escapes path tricks, the escape character and unicode', () => {
    assert.equal(escapeName('..'), '_2e.');
    assert.equal(escapeName('.hidden'), '_2ehidden');
    assert.equal(escapeName('a/b'), 'a_2fb');
    assert.equal(escapeName('a_b'), 'a_5fb');
    assert.equal(escapeName('é'), '_c3_a9');
    assert.equal(escapeName(''), '_');
    for (const n of ['..', '.', 'a/../b', '/etc/passwd']) assert.ok(!escapeName(n).includes('/') && !['.', '..'].includes(escapeName(n)));
  });

  it("never produces '--' or a trailing '-'", () => {
    assert.equal(escapeName('a--b'), 'a_2d-b');
    assert.equal(escapeName('a-'), 'a_2d');
    assert.equal(escapeName('---'), '_2d_2d_2d');
  });

  it('cuts long names and appends a hash', () => {
    const long = 'x'.repeat(300);
    const e = escapeName(long);
    assert.equal(e.length, 100);
    assert.ok(e.endsWith(`__${shortHash(long)}`));
    assert.notEqual(escapeName(`${long}y`), e);
  });

  it('is injective on random names (no two names share a home or log)', () => {
    const seen = new Map<string, string>();
    const alphabet = ['a', 'A', '-', '_', '.', '/', '2', 'd', 'f', 'é', ' '];
    for (let i = 0; i < 20_000; i++) {
      const len = 1 + (randomBytes(1)[0] % 8);
      const name = [...randomBytes(len)].map((b) => alphabet[b % alphabet.length]).join('');
      const e = escapeName(name);
      const prev = seen.get(e);
      assert.ok(prev === undefined || prev === name, `${JSON.stringify(prev)} and ${JSON.stringify(name)} both escape to ${e}`);
      seen.set(e, name);
    }
  });
});

describe('homePath / logPath', () => {
  it('puts homes under the homes dir, one per user (named servers share it)', () => {
    assert.equal(homePath('/srv/homes', 'alice'), '/srv/homes/alice');
    assert.equal(homePath('/srv/homes', '../root'), '/srv/homes/_2e._2froot');
  });

  it('names logs <user>.log and <user>--<server>.log without collisions', () => {
    assert.equal(logPath('/d/logs', 'alice', ''), '/d/logs/alice.log');
    assert.equal(logPath('/d/logs', 'alice', 'gpu'), '/d/logs/alice--gpu.log');
    assert.notEqual(logPath('/d/logs', 'a--b', ''), logPath('/d/logs', 'a', 'b'));
    assert.notEqual(logPath('/d/logs', 'a-', 'b'), logPath('/d/logs', 'a', '-b'));
  });
});

describe('shortHash', () => {
  it('is 10 stable base32 characters', () => {
    assert.match(shortHash('alice'), /^[a-z2-7]{10}$/);
    assert.equal(shortHash('alice'), shortHash('alice'));
    assert.notEqual(shortHash('alice'), shortHash('Alice'));
  });
});
