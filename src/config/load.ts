// loadConfig: YAML file → validated `Config`, or a ConfigError listing every problem with
// file:line:col. Steps: parse → translate z2jh's custom authenticator → schema (defaults) →
// fold deprecated keys → normalize shapes → environment overrides → cross-key rules.
import { readFileSync } from 'node:fs';
import type { Config, ConfigInput } from './schema.ts';
import {
  ConfigError,
  byPosition,
  formatPath,
  type ConfigFinding,
  type ConfigPath,
  type ConfigProblem,
  type ConfigWarning,
} from './errors.ts';
import { dataSource, parseYamlSource, type YamlSource } from './yamlSource.ts';
import { validateConfigData } from './validate.ts';
import { translateCustomAuthenticator, type CustomAuthResult } from './customAuth.ts';
import { dropPythonConfig, foldDeprecatedKeys } from './deprecations.ts';
import { normalizeShapes } from './normalize.ts';
import { applyEnvOverrides } from './envOverrides.ts';
import { CROSS_CHECKS } from './crossChecks.ts';
import { getIn, isPlainObject, isUnder } from './dataPath.ts';

export interface LoadConfigOptions {
  /** The config file; null or absent with no `text`: the embedded default (every default). */
  file?: string | null;
  /** The file's contents, when already read (then `file` only names it in messages). */
  text?: string;
  /** Config as data instead of YAML (tests, TypeScript callers); problems then have no line. */
  data?: ConfigInput;
  /** Environment for the secret overrides (NBHUB_COOKIE_SECRET, …); none when absent. */
  env?: NodeJS.ProcessEnv;
}

export interface LoadedConfig {
  config: Config;
  warnings: ConfigWarning[];
  /** Keys whose value came from the environment, e.g. 'hub.cookieSecret'. */
  fromEnv: string[];
}

/** Name used in messages for text given without a file name. */
export const INLINE_CONFIG_NAME = '<config>';

export function loadConfig(opts: LoadConfigOptions = {}): LoadedConfig {
  const file = opts.file ?? null;
  const name = file ?? INLINE_CONFIG_NAME;
  const source =
    opts.data !== undefined
      ? dataSource(opts.data, name)
      : parseYamlSource(opts.text ?? (file === null ? '' : readConfigFile(file)), name);
  if (source.problems.length) throw new ConfigError(source.problems);

  const data = isPlainObject(source.data) ? structuredClone(source.data) : source.data;
  const custom: CustomAuthResult = isPlainObject(data) ? translateCustomAuthenticator(data) : { findings: [], renamed: [] };
  const { value, issues } = validateConfigData(data);
  const schemaFindings: ConfigFinding[] = issues.map((i) => ({ path: originalPath(i.path, custom), at: i.at, message: i.message }));
  const findings: ConfigFinding[] = [...custom.findings, ...schemaFindings];

  if (!issues.some((i) => i.path.length === 0)) {
    findings.push(...foldDeprecatedKeys(value, data), ...dropPythonConfig(value));
    normalizeShapes(value);
  }
  const fromEnv = applyEnvOverrides(value, opts.env ?? {});
  const config = value as unknown as Config;
  for (const rule of CROSS_CHECKS) {
    const touched = schemaFindings.some((f) => rule.reads.some((r) => isUnder(f.path, r) || isUnder(r, f.path)));
    if (!touched) findings.push(...rule.check(config));
  }

  const problems: ConfigProblem[] = [];
  const warnings: ConfigWarning[] = [];
  for (const f of findings) {
    const p = place(f, source, data);
    if (f.warning) warnings.push({ ...p, code: f.warning });
    else problems.push(p);
  }
  warnings.sort(byPosition);
  if (problems.length) throw new ConfigError(problems, 'CONFIG_INVALID', warnings);
  return { config, warnings, fromEnv: fromEnv.map(formatPath) };
}

function readConfigFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.code === 'EISDIR' ? 'is a directory' : err.message;
    throw new ConfigError([{ file, path: '', line: 0, column: 0, message: `cannot read the config file: ${why}` }], 'CONFIG_UNREADABLE');
  }
}

/** Schema problems in keys written by the custom-authenticator translation name the key in the file. */
function originalPath(path: ConfigPath, custom: CustomAuthResult): ConfigPath {
  for (const { to, from } of custom.renamed) if (isUnder(path, to)) return [...from, ...path.slice(to.length)];
  return path;
}

/** A finding's place in the file: the key if written there, else its anchor, else the nearest enclosing key. */
function place(f: ConfigFinding, source: YamlSource, data: unknown): ConfigProblem {
  const written = getIn(data, f.path) !== undefined;
  const where = written || !f.anchor ? source.locate(f.path, f.at) : source.locate(f.anchor);
  return { file: source.file, path: formatPath(f.path), line: where.line, column: where.column, message: f.message };
}
