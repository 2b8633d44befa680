import assert from 'node:assert/strict';
import { closeSync, promises as fsp, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { appendLine, openFreshLog, tailLines } from './logFiles.ts';

describe('log files', () => {
  let dir = '';
  before(async () => {
    dir = await fsp.mkdtemp(path.join(tmpdir(), 'nbhub-logs-'));
  });
  after(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('tailLines: last n lines, with or without a final newline, CRLF trimmed', async () => {
    const f = path.join(dir, 'a.log');
    await fsp.writeFile(f, 'one\ntwo\r\nthree\nfour\n');
    assert.deepEqual(await tailLines(f, 2), ['three', 'four']);
    assert.deepEqual(await tailLines(f, 10), ['one', 'two', 'three', 'four']);
    await fsp.writeFile(f, 'one\ntwo');
    assert.deepEqual(await tailLines(f, 1), ['two']);
    assert.deepEqual(await tailLines(f, 0), []);
  });

  it('tailLines: missing or empty file gives []', async () => {
    assert.deepEqual(await tailLines(path.join(dir, 'missing.log'), 5), []);
    const f = path.join(dir, 'empty.log');
    await fsp.writeFile(f, '');
    assert.deepEqual(await tailLines(f, 5), []);
  });

  it('tailLines: reads only the end of a big file', async () => {
    const f = path.join(dir, 'big.log');
    const lines = Array.from({ length: 200_000 }, (_, i) => `line ${i} ${'x'.repeat(40)}`);
    await fsp.writeFile(f, `${lines.join('\n')}\n`);
    assert.deepEqual(await tailLines(f, 3), lines.slice(-3));
    // Lines longer than the read window: what is returned is still the end of the file.
    const huge = path.join(dir, 'huge.log');
    await fsp.writeFile(huge, `${'y'.repeat(3 * 1024 * 1024)}\nlast\n`);
    const t = await tailLines(huge, 2);
    assert.equal(t[t.length - 1], 'last');
  });

  it('openFreshLog rotates the previous run to .1 and appends', async () => {
    const f = path.join(dir, 'srv.log');
    let fd = await openFreshLog(f);
    writeSync(fd, 'first run\n');
    closeSync(fd);
    fd = await openFreshLog(f);
    writeSync(fd, 'second run\n');
    closeSync(fd);
    await appendLine(f, 'more');
    assert.equal(await fsp.readFile(f, 'utf8'), 'second run\nmore\n');
    assert.equal(await fsp.readFile(`${f}.1`, 'utf8'), 'first run\n');
    assert.equal((await fsp.stat(f)).mode & 0o777, 0o600);
  });

  it('openFreshLog refuses to follow a symlink', async () => {
    const target = path.join(dir, 'target');
    await fsp.writeFile(target, 'x');
    const link = path.join(dir, 'link.log');
    await fsp.symlink(target, link);
    await fsp.rm(`${link}.1`, { force: true });
    // The symlink itself is rotated away, then a fresh regular file is created.
    const fd = await openFreshLog(link);
    closeSync(fd);
    assert.ok((await fsp.lstat(link)).isFile());
    assert.equal(await fsp.readFile(target, 'utf8'), 'x');
  });
});
