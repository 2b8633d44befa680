// The config schema as plain JSON Schema (draft-07): the source of the Helm chart's
// values.schema.json and of editor completion for config.yaml.
import { ConfigSchema } from './schema.ts';

export type JsonSchemaDocument = { [key: string]: unknown };

export const JSON_SCHEMA_DRAFT = 'http://json-schema.org/draft-07/schema#';

/** A fresh copy each call (TypeBox's symbol markers stripped), with `$schema` first. */
export function schemaAsJson(): JsonSchemaDocument {
  const plain = JSON.parse(JSON.stringify(ConfigSchema)) as JsonSchemaDocument;
  return { $schema: JSON_SCHEMA_DRAFT, ...plain };
}
