import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createOAuthAuthenticator } from '../engine.ts';
import { oauthSettings } from '../settings.ts';
import { githubApiUrl, githubProvider, type GithubSettings } from './github.ts';
import { FakeGithub } from '../../../../test/support/fakeProviders/github.ts';
import { loginAs, testPolicy, verdict } from '../../../../test/support/fakeProviders/login.ts';

const logger = pino({ level: 'silent' });
const CLIENT = { clientId: 'gh-client', clientSecret: 'gh-secret-0123456789' };

describe('GitHub provider against a GitHub Enterprise fake', () => {
  const fake = new FakeGithub(
    CLIENT.clientId,
    CLIENT.clientSecret,
    [
      { login: 'ada', id: 1, email: 'ada@example.org', orgs: ['jupyterhub'], teams: ['jupyterhub:operators'] },
      { login: 'bob', id: 2, email: null, orgs: ['jupyterhub'], emails: [{ email: 'bob-old@example.org', primary: false, verified: true }, { email: 'bob@example.org', primary: true, verified: true }] },
      { login: 'eve', id: 3, email: null, orgs: ['other'], teams: ['other:a', 'other:b', 'other:c'] },
    ],
  );
  const settings = (over: Partial<GithubSettings> = {}): GithubSettings => ({
    githubUrl: fake.url,
    apiUrl: null,
    allowedOrganizations: [],
    populateTeamsInAuthState: false,
    ...over,
  });
  const auth = (over: Partial<GithubSettings> = {}, scopes: string[] = []) =>
    createOAuthAuthenticator(githubProvider(settings(over)), oauthSettings({ ...CLIENT, scopes }), { logger });

  before(() => fake.start());
  after(() => fake.stop());

  it('derives the API address as oauthenticator does (api.github.com, or <url>/api/v3 for Enterprise)', () => {
    assert.equal(githubApiUrl({ githubUrl: 'https://github.com', apiUrl: null }), 'https://api.github.com');
    assert.equal(githubApiUrl({ githubUrl: 'https://ghe.example.org/', apiUrl: null }), 'https://ghe.example.org/api/v3');
    assert.equal(githubApiUrl({ githubUrl: 'https://ghe.example.org', apiUrl: 'https://api.ghe.example.org/' }), 'https://api.ghe.example.org');
  });

  it('admits members of an allowed organization and refuses others, asking the membership API', async () => {
    const a = auth({ allowedOrganizations: ['jupyterhub'] });
    const ada = await loginAs(a, fake, 'ada');
    assert.equal(verdict(ada), 'ok:ada');
    assert.equal(ada.authorize.searchParams.get('scope'), 'read:org', 'read:org is asked for so private memberships count');
    assert.equal(verdict(await loginAs(a, fake, 'eve')), 'refused:not-allowed');
    assert.ok(fake.membershipChecks.includes('jupyterhub/ada'));
    assert.ok(fake.membershipChecks.includes('jupyterhub/eve'));
  });

  it('admits members of an allowed team (org:team) but not other members of that organization', async () => {
    const a = auth({ allowedOrganizations: ['jupyterhub:operators'] });
    assert.equal(verdict(await loginAs(a, fake, 'ada')), 'ok:ada');
    assert.equal(verdict(await loginAs(a, fake, 'bob')), 'refused:not-allowed');
    assert.ok(fake.membershipChecks.includes('jupyterhub:operators/bob'));
  });

  it('lets auth.allowed.users admit a user outside every organization (oauthenticator’s order)', async () => {
    const a = auth({ allowedOrganizations: ['jupyterhub'] });
    assert.equal(verdict(await loginAs(a, fake, 'eve', testPolicy({ allowedUsers: new Set(['eve']) }))), 'ok:eve');
  });

  it('fetches a private primary email only when the user granted user:email', async () => {
    const granted = await loginAs(auth({}, ['read:org', 'user:email']), fake, 'bob', testPolicy({ allowAll: true }));
    assert.ok(granted.outcome.ok);
    assert.equal((granted.outcome.authState?.github_user as { email: unknown }).email, 'bob@example.org');
    const notGranted = await loginAs(auth({}, ['read:user']), fake, 'bob', testPolicy({ allowAll: true }));
    assert.ok(notGranted.outcome.ok);
    assert.equal((notGranted.outcome.authState?.github_user as { email: unknown }).email, null);
  });

  it('keeps every page of the user’s teams in auth state and offers them as groups', async () => {
    const run = await loginAs(auth({ populateTeamsInAuthState: true }), fake, 'eve', testPolicy({ allowAll: true, manageGroups: true }));
    assert.ok(run.outcome.ok);
    const teams = run.outcome.authState?.teams as { slug: string }[];
    assert.deepEqual(
      teams.map((t) => t.slug),
      ['a', 'b', 'c'],
      'three teams served two per page',
    );
    assert.deepEqual(run.outcome.groups, ['other:a', 'other:b', 'other:c']);
  });
});
