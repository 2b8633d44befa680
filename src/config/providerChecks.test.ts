import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from './index.ts';
import { ConfigError } from './errors.ts';

function problems(text: string): string {
  try {
    loadConfig({ text });
    return '';
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.message;
  }
}

const cilogon = (idps: string) => `
auth:
  type: cilogon
  cilogon:
    clientId: c
    clientSecret: s
    idps:
${idps}`;

test('CILogon: strip_idp_domain needs a domain, prefix a prefix, and one default at most, each named by its path and line', () => {
  const msg = problems(
    cilogon(`      "urn:mace:incommon:uchicago.edu":
        usernameDerivation: { usernameClaim: eppn, action: strip_idp_domain }
        default: true
      "http://github.com/login/oauth/authorize":
        usernameDerivation: { usernameClaim: preferred_username, action: prefix }
        default: true
`),
  );
  assert.match(msg, /auth\.cilogon\.idps\["urn:mace:incommon:uchicago\.edu"\]\.usernameDerivation\.domain: is required for action strip_idp_domain/);
  assert.match(msg, /usernameDerivation\.prefix.*required for action prefix/);
  assert.match(msg, /only one identity provider may be the default/);
  assert.match(msg, /:\d+/, 'with a line number');
});

test('CILogon: a complete idps map loads, in nbhub spelling and through the z2jh class with oauthenticator’s snake_case (old allowed_idps name too)', () => {
  const ok = loadConfig({
    text: cilogon(`      "urn:mace:incommon:uchicago.edu":
        usernameDerivation: { usernameClaim: eppn, action: strip_idp_domain, domain: uchicago.edu }
        allowedDomains: ["*.uchicago.edu"]
`),
  });
  assert.equal(ok.config.auth.cilogon.idps['urn:mace:incommon:uchicago.edu'].usernameDerivation.domain, 'uchicago.edu');
  const z2jh = loadConfig({
    text: `
auth:
  type: custom
  custom:
    className: oauthenticator.cilogon.CILogonOAuthenticator
    config:
      client_id: c
      client_secret: s
      allowed_idps:
        "http://github.com/login/oauth/authorize":
          username_derivation: { username_claim: preferred_username, action: prefix, prefix: github }
          allow_all: true
`,
  });
  const idp = z2jh.config.auth.cilogon.idps['http://github.com/login/oauth/authorize'];
  assert.equal(z2jh.config.auth.type, 'cilogon');
  assert.deepEqual(idp.usernameDerivation, { usernameClaim: 'preferred_username', action: 'prefix', prefix: 'github', domain: null });
  assert.equal(idp.allowAll, true);
});

test('deprecated provider keys are folded with one warning naming the new key', () => {
  const cil = loadConfig({ text: `auth:\n  type: cilogon\n  cilogon:\n    clientId: c\n    clientSecret: s\n    allowedIdps:\n      "urn:x": { allowAll: true }\n` });
  assert.equal(cil.config.auth.cilogon.idps['urn:x'].allowAll, true);
  assert.ok(cil.warnings.some((w) => /use auth\.cilogon\.idps/.test(w.message)));
  const gl = loadConfig({ text: `auth:\n  type: gitlab\n  gitlab:\n    clientId: c\n    clientSecret: s\n    allowedGroups: [physics]\n` });
  assert.deepEqual(gl.config.auth.gitlab.allowedGitlabGroups, ['physics']);
  assert.ok(gl.warnings.some((w) => /use auth\.gitlab\.allowedGitlabGroups/.test(w.message)));
});

test('Azure AD: a multi-tenant alias is refused with the reason; GitHub: a malformed org:team entry is refused', () => {
  assert.match(problems(`auth:\n  type: azuread\n  azuread: { clientId: c, clientSecret: s, tenantId: common }\n`), /auth\.azuread\.tenantId.*multi-tenant alias/);
  assert.match(problems(`auth:\n  type: azuread\n  azuread: { clientId: c, clientSecret: s, tenantId: contoso.onmicrosoft.com }\n`), /auth\.azuread\.tenantId: must be the directory \(tenant\) id, a GUID/);
  assert.equal(problems(`auth:\n  type: azuread\n  azuread: { clientId: c, clientSecret: s, tenantId: 72f988bf-86f1-41af-91ab-2d7cd011db47 }\n  allowed: { all: true }\n`), '');
  assert.match(problems(`auth:\n  type: github\n  github: { clientId: c, clientSecret: s, allowedOrganizations: ["a:b:c"] }\n`), /allowedOrganizations\[0\].*neither an organization nor org:team/);
});

test('GitLab project ids and the other z2jh traits map onto the sections', () => {
  const gl = loadConfig({
    text: `auth:\n  type: custom\n  custom:\n    className: oauthenticator.gitlab.GitLabOAuthenticator\n    config: { client_id: c, client_secret: s, gitlab_url: "https://git.example.org", allowed_gitlab_groups: [a/b], allowed_project_ids: [7] }\n`,
  });
  assert.equal(gl.config.auth.gitlab.gitlabUrl, 'https://git.example.org');
  assert.deepEqual(gl.config.auth.gitlab.allowedProjectIds, [7]);
  assert.deepEqual(gl.config.auth.gitlab.allowedGitlabGroups, ['a/b']);
  const gh = loadConfig({
    text: `auth:\n  type: custom\n  custom:\n    className: GitHubOAuthenticator\n    config: { client_id: c, client_secret: s, github_url: "https://ghe.example.org", allowed_organizations: ["org:team"], populate_teams_in_auth_state: true }\n`,
  });
  assert.equal(gh.config.auth.github.githubUrl, 'https://ghe.example.org');
  assert.equal(gh.config.auth.github.populateTeamsInAuthState, true);
});
