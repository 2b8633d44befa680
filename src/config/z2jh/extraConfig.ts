// hub.extraConfig: z2jh's Python snippets for jupyterhub_config.py. Each runs (extraConfig.py) in
// the Python that nbhub installs (it has traitlets), in a subprocess with a time limit and no
// network, against a recording config object. The traits a snippet sets become settings for the
// hub.config translation (hubConfig.ts); what cannot be applied is a warning naming the snippet
// and the line.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConfigFinding, ConfigPath } from '../errors.ts';
import { getIn, isPlainObject, type PlainObject } from '../dataPath.ts';
import type { TraitSetting } from './hubConfig.ts';

export interface Snippet {
  name: string;
  code: string;
  /** The key holding it: hub.extraConfig or hub.extraConfig.<name>. */
  from: ConfigPath;
}

export interface PythonRun {
  /** Parsed report, or why there is none. */
  report?: PythonReport;
  failure?: string;
}

export interface PythonReport {
  snippets: {
    name: string;
    sets: { cls: string; trait: string; value: unknown; line: number }[];
    notes: { line: number; message: string; error?: boolean }[];
  }[];
}

/** Runs the snippets; injectable so tests of the translation need no Python. */
export type PythonRunner = (snippets: Snippet[], values: PlainObject) => PythonRun;

/** Seconds all snippets together may run. */
export const EXTRA_CONFIG_TIME_LIMIT_S = 10;

const SCRIPT = fileURLToPath(new URL('./extraConfig.py', import.meta.url));

/** The snippets in the order z2jh runs them: one string, or snippets by name in sorted name order. */
export function extraConfigSnippets(data: PlainObject): Snippet[] {
  const extra = getIn(data, ['hub', 'extraConfig']);
  if (typeof extra === 'string') return extra.trim() ? [{ name: 'hub.extraConfig', code: extra, from: ['hub', 'extraConfig'] }] : [];
  if (!isPlainObject(extra)) return [];
  return Object.keys(extra)
    .sort()
    .filter((name) => typeof extra[name] === 'string')
    .map((name) => ({ name, code: extra[name] as string, from: ['hub', 'extraConfig', name] }));
}

/** The venv's Python (mirrors scripts/cache-dir.sh); NBHUB_PYTHON overrides it. */
export function configPython(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NBHUB_PYTHON) return env.NBHUB_PYTHON;
  const cache = env.NBHUB_CACHE_DIR ?? (process.getuid?.() === 0 ? '/var/cache/nbhub' : path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'nbhub'));
  return path.join(cache, 'venv', 'bin', 'python');
}

export function pythonRunner(python: string = configPython(), timeLimitS: number = EXTRA_CONFIG_TIME_LIMIT_S): PythonRunner {
  return (snippets, values) => {
    if (!existsSync(python)) {
      return { failure: `Python with traitlets was not found at ${python} (run scripts/setup.sh, or set NBHUB_PYTHON)` };
    }
    const r = spawnSync(python, ['-I', SCRIPT], {
      input: JSON.stringify({ snippets: snippets.map(({ name, code }) => ({ name, code })), values }),
      encoding: 'utf8',
      timeout: timeLimitS * 1000,
      killSignal: 'SIGKILL',
      maxBuffer: 16 * 1024 * 1024,
      // Only what Python needs: no proxy settings, no secrets from the hub's environment.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1' },
    });
    const running = /running (.*)\n?$/.exec(r.stderr ?? '')?.[1];
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
      return { failure: `${running ? `snippet ${running} ` : ''}did not finish within ${timeLimitS} s (an endless loop, or waiting on something) and was stopped` };
    }
    if (r.error) return { failure: `could not run ${python}: ${r.error.message}` };
    if (r.status !== 0) {
      const last = (r.stderr ?? '').trim().split('\n').filter((l) => !l.startsWith('running ')).pop() ?? `exit code ${r.status}`;
      return { failure: `Python failed${running ? ` in snippet ${running}` : ''}: ${last}` };
    }
    try {
      return { report: JSON.parse(r.stdout) as PythonReport };
    } catch {
      return { failure: 'Python printed something that is not the expected report' };
    }
  };
}

export interface ExtraConfigResult {
  settings: TraitSetting[];
  findings: ConfigFinding[];
}

/** Runs hub.extraConfig and turns the report into trait settings and findings. */
export function evaluateExtraConfig(data: PlainObject, run: PythonRunner): ExtraConfigResult {
  const snippets = extraConfigSnippets(data);
  const out: ExtraConfigResult = { settings: [], findings: [] };
  if (!snippets.length) return out;
  const result = run(snippets, data);
  if (!result.report) {
    const error = /did not finish|syntax/.test(result.failure ?? '');
    out.findings.push({
      path: ['hub', 'extraConfig'],
      at: 'key',
      message: error ? `${result.failure}; fix or remove it` : `not evaluated: ${result.failure}; its settings are not applied`,
      ...(error ? {} : { warning: 'CONFIG_IGNORED' as const }),
    });
    return out;
  }
  for (const entry of result.report.snippets) {
    const snippet = snippets.find((s) => s.name === entry.name);
    if (!snippet) continue;
    for (const n of entry.notes) {
      out.findings.push({
        path: snippet.from,
        at: 'key',
        message: `${snippet.name}, snippet line ${n.line}: ${n.message}`,
        ...(n.error ? {} : { warning: 'CONFIG_IGNORED' as const }),
      });
    }
    for (const s of entry.sets) {
      out.settings.push({ cls: s.cls, trait: s.trait, value: s.value, from: snippet.from, where: `${snippet.name}, snippet line ${s.line}` });
    }
  }
  return out;
}
