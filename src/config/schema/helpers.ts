// Building blocks for the config schema. Every key goes through `Key` (a default and a
// description, checked by the compiler against the key's type) or `Section` (a closed
// object whose own keys all have defaults). Union-typed values are written as one JSON
// Schema with a `type` list rather than `anyOf`, so validation errors stay one per key.
import { CloneType, Type, type Static, type TSchema, type TObject, type TProperties, type TUnsafe } from '@sinclair/typebox';

/** The input type after every default has been applied: no optional keys anywhere. */
export type Resolved<T> = T extends readonly (infer U)[]
  ? Resolved<U>[]
  : T extends object
    ? { [K in keyof T]-?: Resolved<Exclude<T[K], undefined>> }
    : T;

/** A key with its default and description. The default must have the key's type. */
export function Key<T extends TSchema>(schema: T, dflt: Static<T>, description: string) {
  return Type.Optional(Object.assign(CloneType(schema), { default: dflt, description }) as T);
}

/** A nested, closed group of keys; its default `{}` is filled in by its keys' own defaults. */
export function Section<P extends TProperties>(description: string, properties: P) {
  return Type.Optional(Type.Object(properties, { additionalProperties: false, default: {}, description }));
}

/** A z2jh key nbhub still accepts under its old name; no default (absent means not used). */
export function Deprecated<T extends TSchema>(schema: T, replacement: string, description: string) {
  return Type.Optional(Object.assign(CloneType(schema), { deprecated: true, description: `DEPRECATED: use \`${replacement}\`. ${description}` }) as T);
}

/** A closed object (used for list items and map values). */
export function Closed<P extends TProperties>(properties: P, description?: string): TObject<P> {
  return Type.Object(properties, { additionalProperties: false, ...(description ? { description } : {}) });
}

/** `T | null`. Adds `null` to the schema's `type` (and `enum`) so errors stay single. */
export function Nullable<T extends TSchema>(schema: T): TUnsafe<Static<T> | null> {
  const s = { ...schema } as Record<string, unknown>;
  const t = s.type;
  if (t === undefined) throw new Error('Nullable() needs a schema with a type');
  s.type = Array.isArray(t) ? [...t, 'null'] : [t, 'null'];
  if (Array.isArray(s.enum)) s.enum = [...s.enum, null];
  return Type.Unsafe<Static<T> | null>(s);
}

/** A string that is one of a fixed set of values. */
export function StringEnum<const V extends readonly string[]>(values: V, options: Record<string, unknown> = {}): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ type: 'string', enum: [...values], ...options });
}

/** A free-form mapping from names to values of one schema (labels, annotations, env). */
export function MapOf<T extends TSchema>(value: T, options: Record<string, unknown> = {}): TUnsafe<Record<string, Static<T>>> {
  return Type.Unsafe<Record<string, Static<T>>>({ type: 'object', additionalProperties: value, ...options });
}

/** A free-form object passed through as-is (Kubernetes objects, provider-specific settings). */
export function FreeObject(options: Record<string, unknown> = {}): TUnsafe<Record<string, unknown>> {
  return Type.Unsafe<Record<string, unknown>>({ type: 'object', ...options });
}

/** A list of free-form objects (volumes, tolerations, containers, network policy rules). */
export function FreeObjectList(): TUnsafe<Record<string, unknown>[]> {
  return Type.Unsafe<Record<string, unknown>[]>({ type: 'array', items: { type: 'object' } });
}

export const StringList = () => Type.Array(Type.String());

/**
 * Human wording for patterns, used in error messages instead of the raw regular expression.
 * Filled by `Pattern` when the schema modules load.
 */
export const patternLabels = new Map<string, string>();

/** Registers the wording for a pattern and returns the pattern. */
export function Pattern(pattern: string, label: string): string {
  patternLabels.set(pattern, label);
  return pattern;
}

/**
 * A copy of an optional section with every default removed, for z2jh spellings that are folded
 * into another key: absent means "not written", and only what the file wrote is folded.
 */
export function noDefaults<T extends TSchema>(schema: T, description: string): T {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (!node || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) if (k !== 'default') out[k] = k === 'enum' || k === 'required' ? v : strip(v);
    return out;
  };
  return Type.Optional(Object.assign(strip(CloneType(schema)) as T, { description })) as unknown as T;
}
