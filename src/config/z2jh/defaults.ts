// The default of a key, read from the config schema. The Helm chart hands the hub a config file
// with every default written out, so "the file sets this key" means "sets it to something other
// than its default" when z2jh spellings are weighed against nbhub's own keys.
import { isDeepStrictEqual } from 'node:util';
import { ConfigSchema } from '../schema.ts';
import type { ConfigPath } from '../errors.ts';

type Schema = { properties?: Record<string, Schema>; additionalProperties?: unknown; items?: unknown; default?: unknown };

export function schemaDefault(path: ConfigPath): unknown {
  let node: Schema | undefined = ConfigSchema as unknown as Schema;
  let dflt: unknown = undefined;
  for (const seg of path) {
    if (!node) return undefined;
    const next: Schema | undefined =
      node.properties?.[String(seg)] ?? (typeof node.additionalProperties === 'object' ? (node.additionalProperties as Schema) : undefined);
    // A key inside a default object (e.g. a section's default {}) has no default of its own there.
    dflt = dflt !== undefined && dflt !== null && typeof dflt === 'object' ? (dflt as Record<string, unknown>)[String(seg)] : undefined;
    node = next;
    if (node?.default !== undefined) dflt = node.default;
  }
  return dflt;
}

/** True when the value is absent or the key's default (a section: every key in it at its default). */
export function isDefaultValue(path: ConfigPath, value: unknown): boolean {
  if (value === undefined) return true;
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && hasProperties(path)) {
    return Object.entries(value).every(([k, v]) => isDefaultValue([...path, k], v));
  }
  const d = schemaDefault(path);
  if (d === undefined) return value === null;
  return isDeepStrictEqual(d, value);
}

function hasProperties(path: ConfigPath): boolean {
  let node: Schema | undefined = ConfigSchema as unknown as Schema;
  for (const seg of path) node = node?.properties?.[String(seg)] ?? (typeof node?.additionalProperties === 'object' ? (node.additionalProperties as Schema) : undefined);
  return Boolean(node?.properties);
}
