import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ALL_EVENT_TYPES,
  ALL_PHASES,
  initialServerState,
  isActive,
  isReady,
  pendingOf,
  persistedPhase,
  transition,
  type ServerEvent,
  type ServerEventType,
  type ServerPhaseName,
  type ServerState,
} from './serverState.ts';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:00:05Z');

const SAMPLE_STATE: Record<ServerPhaseName, ServerState> = {
  stopped: { phase: 'stopped', since: t0 },
  'spawn-queued': { phase: 'spawn-queued', since: t0, position: 3 },
  spawning: { phase: 'spawning', since: t0 },
  'waiting-ready': { phase: 'waiting-ready', since: t0, target: 'http://127.0.0.1:5000' },
  running: { phase: 'running', since: t0, target: 'http://127.0.0.1:5000' },
  stopping: { phase: 'stopping', since: t0 },
  failed: { phase: 'failed', since: t0, reason: 'boom', exitCode: 1, logTail: ['x'] },
};

const SAMPLE_EVENT: Record<ServerEventType, ServerEvent> = {
  'request-spawn': { type: 'request-spawn', position: 2 },
  'queue-position': { type: 'queue-position', position: 1 },
  'slot-granted': { type: 'slot-granted' },
  started: { type: 'started', target: 'http://127.0.0.1:6000' },
  ready: { type: 'ready' },
  'spawn-failed': { type: 'spawn-failed', reason: 'image pull failed', exitCode: null, logTail: ['ErrImagePull'] },
  'request-stop': { type: 'request-stop' },
  stopped: { type: 'stopped' },
  exited: { type: 'exited', exitCode: 2, logTail: ['Traceback'] },
  adopt: { type: 'adopt', target: 'http://127.0.0.1:7000' },
  cancel: { type: 'cancel' },
};

/** The complete table of valid transitions: from → event → resulting phase. Everything else is refused. */
const VALID: Partial<Record<ServerPhaseName, Partial<Record<ServerEventType, ServerPhaseName>>>> = {
  stopped: { 'request-spawn': 'spawn-queued', adopt: 'running' },
  failed: { 'request-spawn': 'spawn-queued', adopt: 'running', 'request-stop': 'stopped' },
  'spawn-queued': { 'queue-position': 'spawn-queued', 'slot-granted': 'spawning', cancel: 'stopped', 'request-stop': 'stopped', 'spawn-failed': 'failed' },
  spawning: { started: 'waiting-ready', 'spawn-failed': 'failed', exited: 'failed', cancel: 'stopping', 'request-stop': 'stopping' },
  'waiting-ready': { ready: 'running', 'spawn-failed': 'failed', exited: 'failed', cancel: 'stopping', 'request-stop': 'stopping' },
  running: { 'request-stop': 'stopping', exited: 'failed' },
  stopping: { stopped: 'stopped', exited: 'stopped' },
};

describe('transition: every (state, event) pair', () => {
  for (const from of ALL_PHASES) {
    for (const ev of ALL_EVENT_TYPES) {
      const want = VALID[from]?.[ev];
      it(`${from} + ${ev} → ${want ?? 'refused'}`, () => {
        const r = transition(SAMPLE_STATE[from], SAMPLE_EVENT[ev], t1);
        if (want) {
          assert.ok(r.ok, JSON.stringify(r));
          if (r.ok) {
            assert.equal(r.state.phase, want);
            if (r.state.phase !== 'spawn-queued' || from !== 'spawn-queued') assert.equal(r.state.since, t1);
          }
        } else {
          assert.ok(!r.ok);
          if (!r.ok) {
            assert.equal(r.error.from, from);
            assert.equal(r.error.event, ev);
            assert.ok(r.error.message.length > 0);
          }
        }
      });
    }
  }
});

describe('transition details', () => {
  it('carries position, target and failure details', () => {
    const q = transition(initialServerState(t0), { type: 'request-spawn', position: 4 }, t1);
    assert.ok(q.ok && q.state.phase === 'spawn-queued' && q.state.position === 4);
    const moved = transition(SAMPLE_STATE['spawn-queued'], { type: 'queue-position', position: 1 }, t1);
    assert.ok(moved.ok && moved.state.phase === 'spawn-queued' && moved.state.position === 1 && moved.state.since === t0);
    const w = transition(SAMPLE_STATE.spawning, SAMPLE_EVENT.started, t1);
    assert.ok(w.ok && w.state.phase === 'waiting-ready' && w.state.target === 'http://127.0.0.1:6000');
    const r = transition(w.ok ? w.state : SAMPLE_STATE.spawning, SAMPLE_EVENT.ready, t1);
    assert.ok(r.ok && r.state.phase === 'running' && r.state.target === 'http://127.0.0.1:6000');
    const f = transition(SAMPLE_STATE['waiting-ready'], SAMPLE_EVENT.exited, t1);
    assert.ok(f.ok && f.state.phase === 'failed');
    if (f.ok && f.state.phase === 'failed') {
      assert.equal(f.state.exitCode, 2);
      assert.deepEqual(f.state.logTail, ['Traceback']);
      assert.match(f.state.reason, /exited with code 2/);
    }
    const sf = transition(SAMPLE_STATE.spawning, SAMPLE_EVENT['spawn-failed'], t1);
    assert.ok(sf.ok && sf.state.phase === 'failed' && sf.state.reason === 'image pull failed');
  });
  it('a running server that exits with code 0 is simply stopped', () => {
    const r = transition(SAMPLE_STATE.running, { type: 'exited', exitCode: 0, logTail: [] }, t1);
    assert.ok(r.ok && r.state.phase === 'stopped');
    const killed = transition(SAMPLE_STATE.running, { type: 'exited', exitCode: null, logTail: [] }, t1);
    assert.ok(killed.ok && killed.state.phase === 'failed' && /ended unexpectedly/.test(killed.state.reason));
  });
  it('position is at least 1', () => {
    const q = transition(SAMPLE_STATE.stopped, { type: 'request-spawn', position: 0 }, t1);
    assert.ok(q.ok && q.state.phase === 'spawn-queued' && q.state.position === 1);
  });
  it('refusals carry codes the API can map', () => {
    const code = (from: ServerPhaseName, ev: ServerEventType) => {
      const r = transition(SAMPLE_STATE[from], SAMPLE_EVENT[ev], t1);
      return r.ok ? 'ok' : r.error.code;
    };
    assert.equal(code('running', 'request-spawn'), 'already-running');
    assert.equal(code('spawning', 'request-spawn'), 'already-pending');
    assert.equal(code('spawn-queued', 'request-spawn'), 'already-pending');
    assert.equal(code('waiting-ready', 'request-spawn'), 'already-pending');
    assert.equal(code('stopping', 'request-spawn'), 'stop-pending');
    assert.equal(code('stopping', 'request-stop'), 'stop-pending');
    assert.equal(code('stopped', 'request-stop'), 'not-running');
    assert.equal(code('stopped', 'cancel'), 'not-running');
    assert.equal(code('running', 'ready'), 'invalid-transition');
  });
  it('does not mutate the input state', () => {
    const s = { ...SAMPLE_STATE['spawn-queued'] };
    transition(s, { type: 'queue-position', position: 1 }, t1);
    assert.deepEqual(s, SAMPLE_STATE['spawn-queued']);
  });
});

describe('API mapping helpers', () => {
  const table: [ServerPhaseName, 'spawn' | 'stop' | null, boolean, boolean, string][] = [
    ['stopped', null, false, false, 'stopped'],
    ['spawn-queued', 'spawn', false, true, 'spawning'],
    ['spawning', 'spawn', false, true, 'spawning'],
    ['waiting-ready', 'spawn', false, true, 'spawning'],
    ['running', null, true, true, 'running'],
    ['stopping', 'stop', false, true, 'stopping'],
    ['failed', null, false, false, 'stopped'],
  ];
  for (const [phase, pending, ready, active, persisted] of table) {
    it(phase, () => {
      const s = SAMPLE_STATE[phase];
      assert.equal(pendingOf(s), pending);
      assert.equal(isReady(s), ready);
      assert.equal(isActive(s), active);
      assert.equal(persistedPhase(s), persisted);
    });
  }
});
