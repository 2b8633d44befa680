import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createOAuthAuthenticator } from '../engine.ts';
import { oauthSettings } from '../settings.ts';
import { gitlabProvider, type GitlabSettings } from './gitlab.ts';
import { FakeGitlab } from '../../../../test/support/fakeProviders/gitlab.ts';
import { loginAs, testPolicy, verdict } from '../../../../test/support/fakeProviders/login.ts';

const logger = pino({ level: 'silent' });
const CLIENT = { clientId: 'gitlab-client', clientSecret: 'gitlab-secret-0123456789' };

describe('GitLab provider against a self-hosted GitLab fake', () => {
  const fake = new FakeGitlab(CLIENT.clientId, CLIENT.clientSecret, [
    { username: 'ada', id: 11, groups: ['physics'] },
    { username: 'bob', id: 12, groups: ['chemistry'], projects: { 42: 30 } },
    { username: 'cy', id: 13, projects: { 42: 20 } },
  ]);
  const settings = (over: Partial<GitlabSettings>): GitlabSettings => ({ gitlabUrl: fake.url, apiUrl: null, allowedGitlabGroups: [], allowedProjectIds: [], ...over });
  const auth = (over: Partial<GitlabSettings>, manageGroups = false) =>
    createOAuthAuthenticator(gitlabProvider(settings(over)), oauthSettings({ ...CLIENT, manageGroups }), { logger });

  before(() => fake.start());
  after(() => fake.stop());

  it('admits members of an allowed group, inherited membership included, and refuses others', async () => {
    const a = auth({ allowedGitlabGroups: ['physics/theory'] });
    const ada = await loginAs(a, fake, 'ada');
    assert.equal(verdict(ada), 'ok:ada');
    assert.equal(ada.authorize.searchParams.get('scope'), 'read_user read_api');
    assert.equal(verdict(await loginAs(a, fake, 'bob')), 'refused:not-allowed');
  });

  it('admits project members with Developer access or more, not Reporters', async () => {
    const a = auth({ allowedProjectIds: [42] });
    assert.equal(verdict(await loginAs(a, fake, 'bob')), 'ok:bob');
    assert.equal(verdict(await loginAs(a, fake, 'cy')), 'refused:not-allowed');
    assert.equal(verdict(await loginAs(a, fake, 'ada')), 'refused:not-allowed');
  });

  it('either rule admits', async () => {
    const a = auth({ allowedGitlabGroups: ['physics'], allowedProjectIds: [42] });
    assert.equal(verdict(await loginAs(a, fake, 'ada')), 'ok:ada');
    assert.equal(verdict(await loginAs(a, fake, 'bob')), 'ok:bob');
    assert.equal(verdict(await loginAs(a, fake, 'cy')), 'refused:not-allowed');
  });

  it('keeps the user’s groups in auth state; with manageGroups they become hub groups', async () => {
    const run = await loginAs(auth({}, true), fake, 'bob', testPolicy({ allowAll: true, manageGroups: true, allowedGroups: new Set(['chemistry']) }));
    assert.ok(run.outcome.ok);
    assert.deepEqual(run.outcome.authState?.gitlab_groups, ['chemistry']);
    assert.deepEqual(run.outcome.groups, ['chemistry']);
    assert.equal((run.outcome.authState?.gitlab_user as { username: string }).username, 'bob');
  });
});
