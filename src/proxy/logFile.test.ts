// The proxy's log file: moved aside past its size limit, reopened on SIGHUP, no line lost.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { openProxyLogFile } from './logFile.ts';

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '') : [];
}

function messages(file: string): string[] {
  return lines(file).map((l) => (JSON.parse(l) as { msg: string }).msg);
}

describe('proxy log file', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'nbhub-proxy-log-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('moves the file to <file>.1 past the limit and goes on in a new file, losing no line', async () => {
    const file = path.join(dir, 'rotate', 'proxy.log');
    const log = openProxyLogFile(file, 2_000, 60_000);
    const logger = pino({ base: null }, log.destination);
    const written: string[] = [];
    for (let i = 0; i < 100; i++) {
      const msg = `line ${i} ${'x'.repeat(40)}`;
      logger.info(msg);
      written.push(msg);
      log.rotateIfLarge();
    }
    await log.close();
    assert.equal((statSync(file).mode & 0o777).toString(8), '600', 'the log is readable by its owner only');
    const old = messages(`${file}.1`);
    const current = messages(file);
    assert.ok(old.length > 0 && current.length > 0, 'both generations hold lines');
    assert.ok(statSync(file).size <= 2_000 + 200, 'the current file stays near the limit');
    // one old generation is kept: the lines of earlier generations are gone, the last ones are in order
    assert.deepEqual([...old, ...current], written.slice(written.length - old.length - current.length));
    assert.equal(current.at(-1), written.at(-1));
  });

  it('moves a file left large by an earlier run before writing', async () => {
    const file = path.join(dir, 'large.log');
    writeFileSync(file, 'y'.repeat(5_000));
    const log = openProxyLogFile(file, 1_000, 60_000);
    pino({ base: null }, log.destination).info('first of this run');
    await log.close();
    assert.equal(readFileSync(`${file}.1`, 'utf8'), 'y'.repeat(5_000));
    assert.deepEqual(messages(file), ['first of this run']);
  });

  it('reopens on SIGHUP after logrotate moved the file', async () => {
    const file = path.join(dir, 'hup.log');
    const log = openProxyLogFile(file, 0, 60_000);
    const logger = pino({ base: null }, log.destination);
    try {
      logger.info('before');
      renameSync(file, `${file}.rotated`);
      logger.info('still to the moved file');
      process.emit('SIGHUP', 'SIGHUP');
      logger.info('after');
    } finally {
      await log.close();
    }
    assert.deepEqual(messages(`${file}.rotated`), ['before', 'still to the moved file']);
    assert.deepEqual(messages(file), ['after']);
    assert.equal(process.listenerCount('SIGHUP'), 0, 'close removes the SIGHUP handler');
  });

  it('never moves the file with limit 0', async () => {
    const file = path.join(dir, 'unlimited.log');
    const log = openProxyLogFile(file, 0, 60_000);
    const logger = pino({ base: null }, log.destination);
    for (let i = 0; i < 50; i++) logger.info('x'.repeat(100));
    assert.equal(log.rotateIfLarge(), false);
    await log.close();
    assert.equal(existsSync(`${file}.1`), false);
    assert.equal(lines(file).length, 50);
  });
});
