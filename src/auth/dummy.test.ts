import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { DummyAuthenticator } from './dummy.ts';
import { runAuthenticatorConformance } from './authenticator.case.ts';

function memoryLogger() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

runAuthenticatorConformance('dummy, any password', async () => ({
  authenticator: new DummyAuthenticator({ password: null, logger: memoryLogger().logger }),
  good: { username: 'Alice', password: 'anything' },
  goodName: 'Alice',
  bad: [{ username: '', password: 'x' }, { username: '   ', password: 'x' }],
}));

runAuthenticatorConformance('dummy, shared password', async () => ({
  authenticator: new DummyAuthenticator({ password: 'class-2026', logger: memoryLogger().logger }),
  good: { username: 'bob', password: 'class-2026' },
  goodName: 'bob',
  bad: [
    { username: 'bob', password: 'wrong' },
    { username: 'bob', password: '' },
    { username: 'bob', password: 'class-2026 ' },
  ],
}));

describe('DummyAuthenticator', () => {
  it('warns exactly once, at construction, without the password', async () => {
    const { logger, lines } = memoryLogger();
    const a = new DummyAuthenticator({ password: 'sekrit-pw', logger });
    await a.authenticate({ username: 'x', password: 'sekrit-pw' });
    await a.authenticate({ username: 'y', password: 'nope' });
    await new Promise((r) => setImmediate(r));
    const warnings = lines.filter((l) => l.level === 40);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0].msg, /insecure/);
    assert.ok(!JSON.stringify(lines).includes('sekrit-pw'));
  });
});
