// The config schema as plain JSON Schema (draft-07): the source of the Helm chart's
// values.schema.json and of editor completion for config.yaml.
import { ConfigSchema } from './schema.ts';

export type JsonSchemaDocument = { [key: string]: unknown };

export const JSON_SCHEMA_DRAFT = 'http://json-schema.org/draft-07/schema#';

/** A fresh copy each call (TypeBox's symbol markers stripped), with `$schema` first. */
export function schemaAsJson(): JsonSchemaDocument {
  const plain = JSON.parse(JSON.stringify(ConfigSchema)) as JsonSchemaDocument;
  acceptZ2jhChoices(plain, []);
  return { $schema: JSON_SCHEMA_DRAFT, ...plain };
}

/**
 * Choices z2jh's schema allows that nbhub's loader translates before validating (src/config/z2jh/
 * translate.ts): '' for an unset pull policy or HTTPS type, and hub.db.type other. A values file
 * Helm accepts for z2jh is accepted for nbhub too.
 */
function acceptZ2jhChoices(node: unknown, path: string[]): void {
  if (Array.isArray(node) || !node || typeof node !== 'object') return;
  const n = node as Record<string, unknown>;
  const key = path[path.length - 1];
  if (Array.isArray(n.enum)) {
    const at = path.join('.');
    const values: unknown[] = n.enum;
    if (key === 'pullPolicy' || at === 'properties.proxy.properties.https.properties.type') n.enum = [...values, ''];
    if (at === 'properties.hub.properties.db.properties.type') n.enum = [...values, 'other'];
  }
  for (const [k, v] of Object.entries(n)) acceptZ2jhChoices(v, [...path, k]);
}
