// Schema validation: fills in defaults and turns Ajv's errors into one readable issue per key.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import { ConfigSchema } from './schema.ts';
import { patternLabels } from './schema/helpers.ts';
import { closestKey } from './suggest.ts';
import type { ConfigPath } from './errors.ts';

export interface SchemaIssue {
  path: ConfigPath;
  /** Point at the key itself (unknown keys) or at its value. */
  at: 'key' | 'value';
  message: string;
}

type JsonSchema = Record<string, unknown>;
type FormatsPlugin = (ajv: Ajv) => Ajv;

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, useDefaults: true, allowUnionTypes: true, verbose: true, strict: true });
    // ajv-formats is CommonJS: its plugin is the default export (or that export's `default`).
    const mod = ajvFormats.default as unknown as FormatsPlugin | { default: FormatsPlugin };
    (typeof mod === 'function' ? mod : mod.default)(ajv);
    compiled = ajv.compile(ConfigSchema);
  }
  return compiled;
}

/**
 * Validates a config document against the schema. Returns a copy with every default filled in,
 * and the issues found (all of them, not just the first).
 */
export function validateConfigData(data: unknown): { value: Record<string, unknown>; issues: SchemaIssue[] } {
  if (data === null || data === undefined) data = {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    return { value: {}, issues: [{ path: [], at: 'value', message: 'the config file must be a mapping of keys (like hub:, singleuser:), not a list or a single value' }] };
  }
  const value = structuredClone(data) as Record<string, unknown>;
  dropNullSections(value, ConfigSchema as unknown as JsonSchema);
  const validate = validator();
  if (validate(value)) return { value, issues: [] };
  return { value, issues: toIssues(validate.errors ?? [], value) };
}

/**
 * `singleuser:` with nothing under it (or only comments) is null in YAML. Where a key does not
 * accept null, null means "not given", as a null in Helm values removes the key.
 */
function dropNullSections(data: Record<string, unknown>, schema: JsonSchema): void {
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  for (const [key, sub] of Object.entries(props)) {
    const v = data[key];
    if (v === null && !acceptsNull(sub)) delete data[key];
    else if (v && typeof v === 'object' && !Array.isArray(v) && sub.properties) dropNullSections(v as Record<string, unknown>, sub);
  }
}

function acceptsNull(schema: JsonSchema): boolean {
  const t = schema.type;
  return t === 'null' || (Array.isArray(t) && t.includes('null')) || (Array.isArray(schema.enum) && schema.enum.includes(null));
}

function toIssues(errors: ErrorObject[], data: unknown): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const issue = toIssue(e, pointerToPath(e.instancePath, data));
    if (!issue) continue;
    const id = `${issue.path.join('\u0000')}\u0001${issue.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    issues.push(issue);
  }
  return issues;
}

function toIssue(e: ErrorObject, path: ConfigPath): SchemaIssue | undefined {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys(((e.parentSchema as JsonSchema | undefined)?.properties ?? {}) as object);
      const hint = closestKey(key, known);
      return { path: [...path, key], at: 'key', message: hint ? `unknown key (did you mean "${hint}"?)` : 'unknown key' };
    }
    case 'required':
      return { path: [...path, String(params.missingProperty)], at: 'value', message: 'is required' };
    case 'type':
      return { path, at: 'value', message: `must be ${describeTypes(params.type as string | string[])}` };
    case 'enum':
      return { path, at: 'value', message: `must be one of ${(params.allowedValues as unknown[]).filter((v) => v !== null).map((v) => JSON.stringify(v)).join(', ')}${(params.allowedValues as unknown[]).includes(null) ? ' or null' : ''}` };
    case 'pattern': {
      const label = patternLabels.get(String(params.pattern));
      return { path, at: 'value', message: label ? `must be ${label}` : `must match the pattern ${String(params.pattern)}` };
    }
    case 'format':
      return { path, at: 'value', message: `must be ${FORMAT_WORDS[String(params.format)] ?? `a valid ${String(params.format)}`}` };
    case 'minLength':
      return { path, at: 'value', message: params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters long` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, at: 'value', message: `must be ${COMPARISON[e.keyword]} ${String(params.limit)}` };
    default:
      return { path, at: 'value', message: e.message ?? `is invalid (${e.keyword})` };
  }
}

const COMPARISON: Record<string, string> = { minimum: '>=', maximum: '<=', exclusiveMinimum: '>', exclusiveMaximum: '<' };

const FORMAT_WORDS: Record<string, string> = {
  uri: 'an absolute URL such as https://example.org/path',
  email: 'an email address',
  ipv4: 'an IPv4 address',
};

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'null',
};

function describeTypes(types: string | string[]): string {
  const words = (Array.isArray(types) ? types : String(types).split(',')).map((t) => TYPE_WORDS[t] ?? t);
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}` : words[0];
}

/** JSON pointer → key path; a segment is a list index only where the data is a list. */
function pointerToPath(pointer: string, data: unknown): ConfigPath {
  if (!pointer) return [];
  const out: (string | number)[] = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const i = Number(seg);
      out.push(i);
      node = node[i];
    } else {
      out.push(seg);
      node = node && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined;
    }
  }
  return out;
}
