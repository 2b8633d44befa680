import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { isRunning, readProcStat, signalServerGroup } from './procfs.ts';

describe('procfs', () => {
  it('reads state, process group, session and start ticks of a process', () => {
    const st = readProcStat(process.pid);
    assert.ok(st);
    assert.equal(st.pid, process.pid);
    assert.match(st.state, /^[RS]$/);
    assert.ok(st.startTicks > 0);
    assert.equal(readProcStat(2 ** 22 + 1), null);
  });

  it('isRunning needs matching start ticks (PID reuse)', () => {
    const st = readProcStat(process.pid)!;
    assert.equal(isRunning({ pid: process.pid, startTicks: st.startTicks }), true);
    assert.equal(isRunning({ pid: process.pid, startTicks: st.startTicks + 1 }), false);
  });

  it('a zombie is not running; signalling a gone group is a no-op', async () => {
    const child = spawn('/bin/sh', ['-c', 'exit 0'], { detached: true, stdio: 'ignore' });
    const id = { pid: child.pid!, startTicks: readProcStat(child.pid!)!.startTicks };
    await once(child, 'exit');
    assert.equal(isRunning(id), false);
    assert.equal(signalServerGroup(id, 'SIGTERM'), 0);
  });

  it('does not signal a process whose start ticks differ', () => {
    const st = readProcStat(process.pid)!;
    // Our own pid with wrong ticks stands for "the pid now belongs to someone else".
    assert.equal(signalServerGroup({ pid: process.pid, startTicks: st.startTicks + 1 }, 'SIGTERM'), 0);
  });
});
