// The effective configuration as YAML with secrets redacted, and `nbhub config check FILE`.
import { stringify } from 'yaml';
import type { Config } from './schema.ts';
import { ResolvedConfigSchema } from './schema.ts';
import { ConfigError, formatProblem, formatWarning } from './errors.ts';
import { loadConfig, type LoadConfigOptions } from './load.ts';
import { isPlainObject } from './dataPath.ts';
import { redactValue } from './redact.ts';

export { REDACTED, redactUrlPassword } from './redact.ts';

/** A copy of the config with every secret replaced by '<redacted>' (unset secrets stay null). */
export function redactConfig(config: Config): Config {
  return redactValue(config) as Config;
}

/** The effective config as YAML, keys in schema order, secrets redacted. */
export function describeConfig(config: Config): string {
  const ordered = orderLike(redactConfig(config), ResolvedConfigSchema as unknown as Record<string, unknown>);
  return stringify(ordered, { lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' });
}

/** Reorders object keys as the schema lists them (loading may add some out of order). */
function orderLike(value: unknown, schema: Record<string, unknown> | undefined): unknown {
  if (Array.isArray(value)) return value.map((v) => orderLike(v, schema?.items as Record<string, unknown> | undefined));
  if (!isPlainObject(value)) return value;
  const props = (schema?.properties ?? {}) as Record<string, Record<string, unknown>>;
  const extra = schema?.additionalProperties;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(props)) if (key in value) out[key] = orderLike(value[key], props[key]);
  for (const [key, v] of Object.entries(value)) {
    if (!(key in out)) out[key] = orderLike(v, isPlainObject(extra) ? extra : undefined);
  }
  return out;
}

export interface CommandResult {
  exitCode: number;
  output: string;
}

/**
 * `nbhub config check FILE...`: exit 0 with warnings and the effective config, or exit 1 with
 * every problem (file:line:col: path: message). Several files merge like `helm -f a -f b`. Secrets a
 * deployment keeps in a separate file may be missing (a warning: required at start).
 */
export function checkConfigCommand(fileOrFiles: string | string[], env: NodeJS.ProcessEnv = process.env, opts: Pick<LoadConfigOptions, 'runPython'> = {}): CommandResult {
  const files = typeof fileOrFiles === 'string' ? [fileOrFiles] : fileOrFiles;
  const file = files.join(' + ');
  try {
    const { config, warnings, fromEnv } = loadConfig({ ...(files.length > 1 ? { files } : { file: files[0] }), env, secretsMayComeLater: true, ...opts });
    const lines = [`${file}: valid${warnings.length ? ` (${plural(warnings.length, 'warning')})` : ''}`];
    lines.push(...warnings.map((w) => `warning: ${formatWarning(w)}`));
    lines.push('', '# Effective configuration: defaults filled in, secrets redacted.');
    if (fromEnv.length) lines.push(`# From the environment: ${fromEnv.join(', ')}`);
    lines.push(describeConfig(config));
    return { exitCode: 0, output: lines.join('\n') };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const lines = [`${file}: ${plural(e.problems.length, 'problem')}`];
    lines.push(...e.problems.map((p) => `error: ${formatProblem(p)}`));
    lines.push(...e.warnings.map((w) => `warning: ${formatWarning(w)}`));
    return { exitCode: 1, output: `${lines.join('\n')}\n` };
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
