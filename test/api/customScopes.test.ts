// hub.customScopes (JupyterHub's custom_scopes): defined with subscopes, granted in
// hub.loadRoles with filters, expanded in the user model's scopes, requestable for tokens;
// undefined custom scopes in a role are a start error naming them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub } from './support.ts';

test('custom scopes are granted by roles, expanded with their subscopes and filters, and requestable for tokens', async () => {
  const t = await startTestHub({
    config: {
      hub: {
        customScopes: {
          'custom:grades:read': { description: 'Read grades' },
          'custom:grades:write': { description: 'Write grades', subscopes: ['custom:grades:read'] },
        },
        loadRoles: { graders: { scopes: ['custom:grades:write!group=class'], users: ['alice'] } },
      },
    },
  });
  try {
    await t.createUsers('alice', 'bob');
    const me = (await t.as(await t.tokenFor('alice')).get('/user')).body;
    assert.ok(me.scopes.includes('custom:grades:write!group=class'), JSON.stringify(me.scopes));
    assert.ok(me.scopes.includes('custom:grades:read!group=class'), JSON.stringify(me.scopes));
    const narrowed = await t.api.call('POST', '/users/alice/tokens', { scopes: ['custom:grades:read!group=class'] });
    assert.equal(narrowed.status, 201, JSON.stringify(narrowed.body));
    const only = (await t.as(narrowed.body.token).get('/user')).body.scopes as string[];
    assert.ok(only.includes('custom:grades:read!group=class'));
    assert.ok(!only.includes('custom:grades:write!group=class'));
    // bob holds none of it and cannot ask for it
    const bob = await t.api.call('POST', '/users/bob/tokens', { scopes: ['custom:grades:read'] });
    assert.equal(bob.status, 400);
    const unknown = await t.api.call('POST', '/users/alice/tokens', { scopes: ['custom:nothing'] });
    assert.equal(unknown.status, 400);
  } finally {
    await t.close();
  }
});

test('a role naming an undefined custom scope, or a badly named one, stops the start', async () => {
  await assert.rejects(startTestHub({ config: { hub: { loadRoles: { markers: { scopes: ['custom:undefined:thing'], users: ['x'] } } } } }), /custom:undefined:thing/);
  await assert.rejects(startTestHub({ config: { hub: { customScopes: { 'grades:read': { description: 'x' } } } } }), /must look like custom:<name>/);
});
