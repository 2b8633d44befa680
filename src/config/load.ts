// loadConfig: YAML file(s) → validated `Config`, or a ConfigError listing every problem with
// file:line:col. Steps: parse and merge the files (helm -f a -f b) → translate z2jh spellings
// (0.x moved keys, hub.extraConfig, hub.config, the custom authenticator) → schema (defaults) →
// fold deprecated keys and z2jh shapes → normalize shapes → environment overrides → cross-key rules.
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
import { dataSource, parseYamlSource } from './yamlSource.ts';
import { combineSources, type SourceSet } from './z2jh/overlay.ts';
import { translateZ2jh, type Z2jhTranslation } from './z2jh/translate.ts';
import { foldZ2jhShapes } from './z2jh/fold.ts';
import { validateConfigData } from './validate.ts';
import { translateCustomAuthenticator, type CustomAuthResult } from './customAuth.ts';
import { foldDeprecatedKeys } from './deprecations.ts';
import { normalizeShapes } from './normalize.ts';
import { applyEnvOverrides } from './envOverrides.ts';
import { CROSS_CHECKS } from './crossChecks.ts';
import { getIn, isPlainObject, isUnder } from './dataPath.ts';

export interface LoadConfigOptions {
  /** The config file; null or absent with no `text`: the embedded default (every default). */
  file?: string | null;
  /** Several files, merged like `helm -f a -f b` (later files win); instead of `file`. */
  files?: string[];
  /** The file's contents, when already read (then `file` only names it in messages). */
  text?: string;
  /** Config as data instead of YAML (tests, TypeScript callers); problems then have no line. */
  data?: ConfigInput;
  /** Environment for the secret overrides (NBHUB_COOKIE_SECRET, …); none when absent. */
  env?: NodeJS.ProcessEnv;
  /**
   * `config check`: secrets a deployment keeps in a separate file (client secret, database URL,
   * …) may be missing; they are warnings ("required at start") instead of errors.
   */
  secretsMayComeLater?: boolean;
  /** Runs hub.extraConfig snippets; tests inject one. Default: the Python runner. */
  runPython?: Z2jhTranslation['runPython'];
}

export interface LoadedConfig {
  config: Config;
  warnings: ConfigWarning[];
  /** Keys whose value came from the environment, e.g. 'hub.cookieSecret'. */
  fromEnv: string[];
}

/** Name used in messages for text given without a file name. */
export const INLINE_CONFIG_NAME = '<config>';

function readSources(opts: LoadConfigOptions): SourceSet {
  if (opts.files?.length) return combineSources(opts.files.map((f) => parseYamlSource(readConfigFile(f), f)));
  const file = opts.file ?? null;
  const name = file ?? INLINE_CONFIG_NAME;
  return combineSources([
    opts.data !== undefined ? dataSource(opts.data, name) : parseYamlSource(opts.text ?? (file === null ? '' : readConfigFile(file)), name),
  ]);
}

/** A missing secret, in a check of files that may not include the deployment's secrets file. */
function secretLater(f: ConfigFinding): ConfigFinding {
  if (!f.secret || f.warning) return f;
  return { ...f, message: `${f.message}; not in the checked files: required at start (e.g. from your secrets values file)`, warning: 'CONFIG_INCOMPLETE' };
}

export function loadConfig(opts: LoadConfigOptions = {}): LoadedConfig {
  const source = readSources(opts);
  if (source.problems.length) throw new ConfigError(source.problems);

  const data = isPlainObject(source.data) ? structuredClone(source.data) : source.data;
  const z2jh = isPlainObject(data) ? translateZ2jh(data, { runPython: opts.runPython }) : { findings: [], renamed: [] };
  const custom: CustomAuthResult = isPlainObject(data) ? translateCustomAuthenticator(data) : { findings: [], renamed: [] };
  const renamed = [...z2jh.renamed, ...custom.renamed];
  const { value, issues } = validateConfigData(data);
  const schemaFindings: ConfigFinding[] = issues.map((i) => ({ path: originalPath(i.path, renamed), at: i.at, message: i.message }));
  const findings: ConfigFinding[] = [...z2jh.findings, ...custom.findings, ...schemaFindings];

  if (!issues.some((i) => i.path.length === 0)) {
    findings.push(...foldDeprecatedKeys(value, data), ...foldZ2jhShapes(value, data));
    normalizeShapes(value);
  }
  const fromEnv = applyEnvOverrides(value, opts.env ?? {});
  const config = value as unknown as Config;
  for (const rule of CROSS_CHECKS) {
    const touched = schemaFindings.some((f) => rule.reads.some((r) => isUnder(f.path, r) || isUnder(r, f.path)));
    if (!touched) findings.push(...rule.check(config).map((f) => (opts.secretsMayComeLater ? secretLater(f) : f)));
  }

  const problems: ConfigProblem[] = [];
  const warnings: ConfigWarning[] = [];
  for (const f of findings) {
    const p = place(f, source, data, renamed);
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

/** Schema problems in keys written by a translation (custom authenticator, hub.config, …) name the key in the file. */
function originalPath(path: ConfigPath, renamed: CustomAuthResult['renamed']): ConfigPath {
  for (const { to, from } of renamed) if (isUnder(path, to)) return [...from, ...path.slice(to.length)];
  return path;
}

/** A finding's place in the file: the key if written there, else its anchor, else the nearest enclosing key. */
function place(f: ConfigFinding, source: SourceSet, data: unknown, renamed: CustomAuthResult['renamed']): ConfigProblem {
  const written = getIn(data, f.path) !== undefined;
  const where = written || !f.anchor ? source.locate(originalPath(f.path, renamed), f.at) : source.locate(originalPath(f.anchor, renamed));
  return { file: where.file, path: formatPath(f.path), line: where.line, column: where.column, message: f.message };
}
