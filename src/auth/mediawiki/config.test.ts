// auth.type mediawiki in the config file: required keys, z2jh's MWOAuthenticator spelling,
// and buildAuth keeping the wiki's spelling of configured names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { loadConfig, ConfigError } from '../../config/index.ts';
import { buildAuth } from '../../hub/authSetup.ts';
import type { Store } from '../../store/types.ts';

function problems(text: string): string {
  try {
    loadConfig({ file: 'config.yaml', text });
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  return assert.fail('expected a ConfigError');
}

test('auth.type mediawiki without consumer key and secret is refused, naming both keys and their line', () => {
  const msg = problems('auth:\n  type: mediawiki\n');
  assert.match(msg, /auth\.mediawiki\.clientId.*required for auth\.type mediawiki/);
  assert.match(msg, /auth\.mediawiki\.clientSecret.*required for auth\.type mediawiki/);
  assert.match(msg, /^config\.yaml:2:/m);
});

test('z2jh’s auth.custom MWOAuthenticator becomes auth.type mediawiki', () => {
  const { config, warnings } = loadConfig({
    file: 'config.yaml',
    text: [
      'auth:',
      '  type: custom',
      '  custom:',
      '    className: oauthenticator.mediawiki.MWOAuthenticator',
      '    config:',
      '      client_id: key',
      '      client_secret: secret',
      '      mw_index_url: https://wiki.example.org/w/index.php',
      '      executor_threads: 4',
      '      admin_users: ["Jane Doe (WMF)"]',
    ].join('\n'),
  });
  assert.equal(config.auth.type, 'mediawiki');
  assert.equal(config.auth.mediawiki.clientId, 'key');
  assert.equal(config.auth.mediawiki.mwIndexUrl, 'https://wiki.example.org/w/index.php');
  assert.deepEqual(config.auth.admin.users, ['Jane Doe (WMF)']);
  assert.ok(warnings.some((w) => w.path === 'auth.custom.config.executor_threads' && w.code === 'CONFIG_IGNORED'), JSON.stringify(warnings));
});

test('buildAuth: admins, allowed and blocked users keep the wiki’s spelling (case, spaces, parentheses)', async () => {
  const { config } = loadConfig({
    data: {
      auth: {
        type: 'mediawiki',
        mediawiki: { clientId: 'key', clientSecret: 'secret' },
        admin: { users: ['Jane Doe (WMF)', 'BDavis_(WMF)'] },
        allowed: { users: ['BDavis (WMF)'], all: true },
        blocked: { users: ['Vandal X'] },
      },
    },
  });
  const setup = await buildAuth(config, {} as Store, pino({ level: 'silent' }));
  assert.equal(setup.authenticator.kind, 'mediawiki');
  assert.equal(setup.authenticator.usesPasswordForm, false);
  // PAWS's underscore spelling is the wiki's name with spaces
  assert.deepEqual([...setup.adminUsers], ['Jane Doe (WMF)', 'BDavis (WMF)']);
  assert.deepEqual([...setup.policy.allowedUsers], ['BDavis (WMF)']);
  assert.deepEqual([...setup.policy.blockedUsers], ['Vandal X']);
  assert.equal(setup.policy.allowAll, true);
});
