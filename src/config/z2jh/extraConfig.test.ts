// hub.extraConfig run by the real Python of nbhub's virtualenv (scripts/setup.sh installs it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { loadConfig } from '../load.ts';
import { ConfigError } from '../errors.ts';
import { configPython, pythonRunner } from './extraConfig.ts';

const python = configPython();
const skip = existsSync(python) ? false : `no Python virtualenv at ${python} (run scripts/setup.sh)`;

test("Up2U's snippet sets singleuser.cmd; c.KubeSpawner.cpu_limit = 2 sets the CPU limit; config check says what each snippet set", { skip }, () => {
  const text = `
hub:
  extraConfig:
    10-up2u: |-
      config = '/etc/jupyter/jupyter_notebook_config.py'
      c.Spawner.cmd = ['jupyter-labhub']
    20-limits: |
      import os
      c.KubeSpawner.cpu_limit = 2
      c.KubeSpawner.mem_limit = os.environ.get('NO_SUCH_VARIABLE', '4G')
      c.JupyterHub.concurrent_spawn_limit = 10
`;
  const { config, warnings } = loadConfig({ text, file: 'values.yaml' });
  assert.deepEqual(config.singleuser.cmd, ['jupyter-labhub']);
  assert.equal(config.singleuser.cpu.limit, 2);
  assert.equal(config.singleuser.memory.limit, '4G');
  assert.equal(config.hub.concurrentSpawnLimit, 10);
  assert.equal('extraConfig' in config.hub, false);
  const report = warnings.filter((w) => w.code === 'CONFIG_MAPPED').map((w) => `${w.path} ${w.line}: ${w.message}`);
  assert.deepEqual(report, [
    'hub.extraConfig["10-up2u"] 4: 10-up2u, snippet line 2: c.Spawner.cmd = ["jupyter-labhub"] applied as singleuser.cmd',
    'hub.extraConfig["20-limits"] 7: 20-limits, snippet line 2: c.KubeSpawner.cpu_limit = 2 applied as singleuser.cpu.limit',
    'hub.extraConfig["20-limits"] 7: 20-limits, snippet line 3: c.KubeSpawner.mem_limit = "4G" applied as singleuser.memory.limit',
    'hub.extraConfig["20-limits"] 7: 20-limits, snippet line 4: c.JupyterHub.concurrent_spawn_limit = 10 applied as hub.concurrentSpawnLimit',
  ]);
});

test('a pre_spawn_hook function, a custom class and a side-effect import are warnings with their lines, not applied', { skip }, () => {
  const text = `
hub:
  extraConfig:
    hooks: |
      import kubespawner_extra_handlers_that_do_not_exist
      async def my_hook(spawner):
          spawner.environment['X'] = '1'

      c.Spawner.pre_spawn_hook = my_hook
      c.Spawner.default_url = '/lab'
      class MySpawner:
          pass
`;
  const { config, warnings } = loadConfig({ text, file: 'values.yaml' });
  assert.equal(config.singleuser.defaultUrl, '/lab');
  const ignored = warnings.filter((w) => w.code === 'CONFIG_IGNORED').map((w) => w.message);
  assert.deepEqual(ignored, [
    'hooks, snippet line 1: imports kubespawner_extra_handlers_that_do_not_exist: what importing it does in JupyterHub (registering handlers, patching classes) is not applied',
    "hooks, snippet line 1: raised ModuleNotFoundError: No module named 'kubespawner_extra_handlers_that_do_not_exist'; statement not applied",
    'hooks, snippet line 2: defines the function my_hook: nbhub runs no Python at run time; not applied',
    'hooks, snippet line 5: sets c.Spawner.pre_spawn_hook to a function (my_hook): not applied',
    'hooks, snippet line 7: defines the class MySpawner (e.g. a custom spawner or authenticator): nbhub runs no Python classes; not applied',
  ]);
  assert.ok(warnings.every((w) => w.file === 'values.yaml' && w.line === 4 || w.code !== 'CONFIG_IGNORED'));
});

test('a snippet that loops forever is stopped by the time limit, with an error naming it', { skip }, () => {
  const text = 'hub:\n  extraConfig:\n    spin: |\n      while True:\n          pass\n';
  let err: ConfigError | undefined;
  try {
    loadConfig({ text, file: 'values.yaml', runPython: pythonRunner(python, 2) });
  } catch (e) {
    err = e as ConfigError;
  }
  assert.ok(err instanceof ConfigError, 'the file is refused');
  assert.deepEqual(
    err.problems.map((p) => [p.line, p.path, p.message]),
    [[2, 'hub.extraConfig', 'snippet spin did not finish within 2 s (an endless loop, or waiting on something) and was stopped; fix or remove it']],
  );
});

test('no network inside a snippet', { skip }, () => {
  const text = "hub:\n  extraConfig:\n    net: |\n      import urllib.request\n      c.Spawner.default_url = urllib.request.urlopen('http://127.0.0.1:9/').read().decode()\n";
  const { config, warnings } = loadConfig({ text, file: 'values.yaml' });
  assert.equal(config.singleuser.defaultUrl, '/lab', 'the default: nothing was set');
  assert.ok(warnings.some((w) => /snippet line 2: raised .*no network while reading hub\.extraConfig/.test(w.message)), warnings.map((w) => w.message).join('\n'));
});

test('without the virtualenv, config check still works and says the snippets were not evaluated', () => {
  const text = "hub:\n  extraConfig: |\n    c.Spawner.cmd = ['x']\n";
  const { config, warnings } = loadConfig({ text, file: 'values.yaml', runPython: pythonRunner('/nonexistent/venv/bin/python') });
  assert.equal(config.singleuser.cmd, null);
  assert.deepEqual(
    warnings.map((w) => [w.line, w.path, w.message]),
    [[2, 'hub.extraConfig', 'not evaluated: Python with traitlets was not found at /nonexistent/venv/bin/python (run scripts/setup.sh, or set NBHUB_PYTHON); its settings are not applied']],
  );
});

test('what a snippet set is reported without the secrets in it', { skip }, () => {
  const text = `
custom:
  grader_token: 0123456789abcdef0123456789abcdef
hub:
  extraConfig:
    services: |
      from z2jh import get_config
      c.JupyterHub.services.append({"name": "grader", "url": "http://grader:9000", "api_token": get_config("custom.grader_token")})
      c.GenericOAuthenticator.client_secret = "s3cret-from-python"
`;
  const { config, warnings } = loadConfig({ text, file: 'values.yaml' });
  assert.equal(config.hub.services.grader.apiToken, '0123456789abcdef0123456789abcdef', 'z2jh.get_config reads the values file');
  const report = warnings.map((w) => w.message).join('\n');
  assert.match(report, /c\.JupyterHub\.services = \[\{"api_token":"<redacted>","name":"grader","url":"http:\/\/grader:9000"\}\] applied as hub\.services/);
  assert.doesNotMatch(report, /0123456789abcdef|s3cret-from-python/);
});
