import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decideServerCull, decideUserCull, type CullPolicy, type CullServerView, type CullUserView } from './cullPolicy.ts';

const now = new Date('2026-01-01T12:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);
const policy: CullPolicy = { timeoutSeconds: 3600, maxAgeSeconds: 0, users: false, adminUsers: true, removeNamedServers: false };
const server = (o: Partial<CullServerView> = {}): CullServerView => ({
  name: '', ready: true, pending: null, started: ago(7200), lastActivity: ago(60), userIsAdmin: false, ...o,
});

describe('decideServerCull', () => {
  it('culls an idle server at exactly the timeout', () => {
    const d = decideServerCull(server({ lastActivity: ago(3600) }), now, policy);
    assert.deepEqual(d, { cull: true, reason: 'inactive', action: 'stop', inactiveSeconds: 3600, ageSeconds: 7200 });
  });
  it('keeps an active one', () => {
    assert.deepEqual(decideServerCull(server({ lastActivity: ago(3599) }), now, policy), { cull: false, reason: 'active' });
  });
  it('falls back to start time without activity', () => {
    assert.equal(decideServerCull(server({ lastActivity: null, started: ago(4000) }), now, policy).cull, true);
    assert.equal(decideServerCull(server({ lastActivity: null, started: ago(10) }), now, policy).cull, false);
    assert.deepEqual(decideServerCull(server({ lastActivity: null, started: null }), now, policy), { cull: false, reason: 'no-activity-data' });
  });
  it('skips pending and not-ready servers', () => {
    assert.deepEqual(decideServerCull(server({ pending: 'spawn', lastActivity: ago(99999) }), now, policy), { cull: false, reason: 'pending' });
    assert.deepEqual(decideServerCull(server({ pending: 'stop', lastActivity: ago(99999) }), now, policy), { cull: false, reason: 'pending' });
    assert.deepEqual(decideServerCull(server({ ready: false, lastActivity: ago(99999) }), now, policy), { cull: false, reason: 'not-ready' });
  });
  it('max age culls active servers', () => {
    const p = { ...policy, maxAgeSeconds: 7200 };
    const d = decideServerCull(server({ started: ago(7200), lastActivity: ago(1) }), now, p);
    assert.equal(d.cull && d.reason, 'max-age');
    assert.equal(decideServerCull(server({ started: ago(7199), lastActivity: ago(1) }), now, p).cull, false);
  });
  it('admins only when cull.adminUsers', () => {
    assert.deepEqual(decideServerCull(server({ userIsAdmin: true, lastActivity: ago(99999) }), now, { ...policy, adminUsers: false }), { cull: false, reason: 'admin' });
    assert.equal(decideServerCull(server({ userIsAdmin: true, lastActivity: ago(99999) }), now, policy).cull, true);
  });
  it('named servers are removed with removeNamedServers, default server never', () => {
    const p = { ...policy, removeNamedServers: true };
    const named = decideServerCull(server({ name: 'gpu', lastActivity: ago(99999) }), now, p);
    assert.equal(named.cull && named.action, 'stop-and-remove');
    const def = decideServerCull(server({ lastActivity: ago(99999) }), now, p);
    assert.equal(def.cull && def.action, 'stop');
  });
  it('timeout 0 disables inactivity culling', () => {
    assert.equal(decideServerCull(server({ lastActivity: ago(99999) }), now, { ...policy, timeoutSeconds: 0 }).cull, false);
  });
});

describe('decideUserCull', () => {
  const user = (o: Partial<CullUserView> = {}): CullUserView => ({ admin: false, created: ago(99999), lastActivity: ago(7200), activeServers: 0, ...o });
  const p = { ...policy, users: true };
  it('off unless cull.users', () => {
    assert.deepEqual(decideUserCull(user(), now, policy), { cull: false, reason: 'disabled' });
  });
  it('culls an inactive user with no active servers', () => {
    assert.deepEqual(decideUserCull(user(), now, p), { cull: true, reason: 'inactive', inactiveSeconds: 7200 });
  });
  it('keeps users with active servers, active users, admins when excluded', () => {
    assert.equal(decideUserCull(user({ activeServers: 1 }), now, p).reason, 'servers-active');
    assert.equal(decideUserCull(user({ lastActivity: ago(5) }), now, p).reason, 'active');
    assert.equal(decideUserCull(user({ admin: true }), now, { ...p, adminUsers: false }).reason, 'admin');
  });
  it('falls back to created', () => {
    assert.equal(decideUserCull(user({ lastActivity: null, created: ago(4000) }), now, p).cull, true);
    assert.equal(decideUserCull(user({ lastActivity: null, created: null }), now, p).reason, 'no-activity-data');
  });
});
