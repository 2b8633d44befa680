// parseActivityTime from src/http/api/activity.ts (protocol.md §3): ISO 8601 with Z or an
// offset, naive = UTC, at most 59 minutes in the future, errors name the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseActivityTime } from './api/activity.ts';
import { HubError } from '../hub/errors.ts';

const now = new Date('2026-11-23T19:00:00.000Z');
const parse = (v: unknown, field = 'last_activity') => parseActivityTime(v, field, now);

function rejects(v: unknown, pattern: RegExp, field = 'last_activity'): void {
  assert.throws(
    () => parse(v, field),
    (e: unknown) => e instanceof HubError && e.status === 400 && pattern.test(e.userMessage) && e.userMessage.includes(field),
    JSON.stringify(v),
  );
}

test('what jupyterhub-singleuser sends: Z with microseconds', () => {
  assert.equal(parse('2026-11-23T18:29:49.432636Z').toISOString(), '2026-11-23T18:29:49.432Z');
});

test('offsets are honoured', () => {
  assert.equal(parse('2026-11-23T20:29:49+02:00').toISOString(), '2026-11-23T18:29:49.000Z');
  assert.equal(parse('2026-11-23T13:29:49.5-05:00').toISOString(), '2026-11-23T18:29:49.500Z');
});

test('naive timestamps are UTC, with or without seconds and fractions', () => {
  assert.equal(parse('2026-11-23T18:29:49.432636').toISOString(), '2026-11-23T18:29:49.432Z');
  assert.equal(parse('2026-11-23T18:29:49').toISOString(), '2026-11-23T18:29:49.000Z');
  assert.equal(parse('2026-11-23T18:29').toISOString(), '2026-11-23T18:29:00.000Z');
});

test('up to 59 minutes in the future is accepted, more is 400', () => {
  assert.equal(parse('2026-11-23T19:59:00Z').toISOString(), '2026-11-23T19:59:00.000Z');
  assert.equal(parse('2026-11-23T19:58:59.999Z').getTime() - now.getTime(), 59 * 60_000 - 1);
  rejects('2026-11-23T19:59:00.001Z', /future/);
  rejects('2026-11-23T21:00:00+01:00', /future/, 'servers[""].last_activity'); // = 20:00Z
  rejects('2027-01-01T00:00:00Z', /future/);
});

test('the past is fine, however far', () => {
  assert.equal(parse('1999-01-01T00:00:00Z').toISOString(), '1999-01-01T00:00:00.000Z');
});

test('non-strings and unparseable strings → 400 naming the field', () => {
  for (const v of [undefined, null, 12, {}, [], true]) rejects(v, /ISO 8601/);
  for (const v of ['', 'yesterday', '2026-13-45T99:99:99Z', 'not 2026-11-23T18:29:49Z']) rejects(v, /ISO 8601/, 'servers["foo"].last_activity');
});
