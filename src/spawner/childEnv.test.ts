import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildChildEnv } from './childEnv.ts';

describe('buildChildEnv', () => {
  it('keeps only the allow-list from the hub, then spec env, service URL and account', () => {
    const env = buildChildEnv({
      hubEnv: { PATH: '/usr/bin', LANG: 'C.UTF-8', CONFIGPROXY_AUTH_TOKEN: 'secret', NBHUB_COOKIE_SECRET: 's', HOME: '/root', USER: 'root' },
      specEnv: { JUPYTERHUB_API_TOKEN: 't', LANG: 'de_DE.UTF-8', HOME: '/elsewhere' },
      serviceUrl: 'http://127.0.0.1:5000/user/a/',
      user: 'nbh-a',
      home: '/srv/homes/a',
      shell: '/bin/bash',
    });
    assert.deepEqual(env, {
      PATH: '/usr/bin',
      LANG: 'de_DE.UTF-8',
      JUPYTERHUB_API_TOKEN: 't',
      JUPYTERHUB_SERVICE_URL: 'http://127.0.0.1:5000/user/a/',
      USER: 'nbh-a',
      HOME: '/srv/homes/a',
      SHELL: '/bin/bash',
    });
  });
});
