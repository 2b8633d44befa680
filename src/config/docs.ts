// docs/config.md, generated from the schema's descriptions and defaults so it cannot drift.
// Regenerate: node --import tsx src/config/docs.ts > docs/config.md
import { pathToFileURL } from 'node:url';
import { ConfigSchema } from './schema.ts';
import { patternLabels } from './schema/helpers.ts';
import { ENV_OVERRIDES } from './envOverrides.ts';
import { formatPath } from './errors.ts';

type Schema = Record<string, unknown>;

interface Row {
  key: string;
  type: string;
  dflt: string;
  description: string;
}

export function renderConfigDocs(): string {
  const root = ConfigSchema as unknown as Schema;
  const out: string[] = [
    '# nbhub configuration reference',
    '',
    '<!-- Generated from src/config/schema by src/config/docs.ts; do not edit by hand.',
    '     Regenerate: node --import tsx src/config/docs.ts > docs/config.md -->',
    '',
    String(root.description),
    'The same YAML file configures `nbhub start --config FILE` on one machine and the Helm chart',
    '(its values are this file). `nbhub config check FILE` validates a file and prints the',
    'effective configuration with secrets redacted.',
    '',
    '- Every key is optional; the default is used when a key is left out. A key written with no',
    '  value (`singleuser:` followed by nothing) counts as left out, as in Helm.',
    '- Unknown keys are errors, reported with their path, file line and a suggestion for typos.',
    '  All problems of a file are reported at once.',
    '- Old z2jh spellings (marked DEPRECATED) are accepted with one warning naming the new key;',
    '  writing both the old and the new key is an error.',
    '- Every key of the z2jh 4 values schema is accepted. Keys nbhub does not act on (e.g.',
    '  `proxy.traefik`) are reported by `config check` with what happens instead.',
    '- `hub.config.<Class>.<trait>` (JupyterHub, Spawner, KubeSpawner, Authenticator and the',
    '  authenticator classes) is mapped onto these keys; traits with no nbhub meaning are named in a',
    '  warning, unknown classes and traits are errors. `auth.type: custom` with an oauthenticator or',
    '  ldapauthenticator class is translated to the matching built-in authenticator the same way.',
    '- `hub.extraConfig` snippets run in Python (nbhub’s virtualenv, with a time limit and no network)',
    '  against a recording config object: plain assignments such as `c.Spawner.cmd = [...]` become',
    '  these keys; functions, classes and hooks are reported by snippet and line, not applied.',
    '- Several files (`nbhub start --config a.yaml --config b.yaml`, `nbhub config check a.yaml b.yaml`)',
    '  merge like `helm -f a.yaml -f b.yaml`: mappings deeply, lists replaced, `null` removes a key.',
    '',
    '## Secrets from the environment',
    '',
    'These variables override the file, so the file can be kept free of secrets:',
    '',
    '| Variable(s) | Key |',
    '|---|---|',
    ...ENV_OVERRIDES.map((o) => `| ${o.names.map((n) => `\`${n}\``).join(', ')} | \`${formatPath(o.path)}\` |`),
    '',
    'For an OAuth `auth.type`, `OAUTH_CLIENT_ID`, `OAUTH_CLIENT_SECRET`, `OAUTH_CALLBACK_URL` and (generic-oauth,',
    'oidc) `OAUTH2_AUTHORIZE_URL`, `OAUTH2_TOKEN_URL`, `OAUTH2_USERDATA_URL` fill the provider keys the file',
    'leaves null, from the environment or from `hub.extraEnv`, as oauthenticator does.',
    '',
  ];
  const props = root.properties as Record<string, Schema>;
  for (const [key, schema] of Object.entries(props)) {
    out.push(`## \`${key}\``, '', String(schema.description ?? ''), '');
    const rows: Row[] = [];
    collectRows(key, schema, rows, false);
    out.push('| Key | Type | Default | Description |', '|---|---|---|---|');
    for (const r of rows) out.push(`| \`${r.key}\` | ${cell(r.type)} | ${cell(r.dflt)} | ${cell(r.description)} |`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function collectRows(key: string, schema: Schema, rows: Row[], required: boolean): void {
  const children = schema.properties as Record<string, Schema> | undefined;
  const mapValue = schema.additionalProperties;
  const items = schema.items as Schema | undefined;
  rows.push({ key, type: typeName(schema), dflt: defaultText(schema, required), description: describe(schema) });
  if (children) {
    const req = new Set((schema.required as string[] | undefined) ?? []);
    for (const [k, s] of Object.entries(children)) collectRows(`${key}.${k}`, s, rows, req.has(k) && s.default === undefined);
  } else if (isObjectSchema(mapValue) && mapValue.properties) {
    const req = new Set((mapValue.required as string[] | undefined) ?? []);
    for (const [k, s] of Object.entries(mapValue.properties as Record<string, Schema>)) {
      collectRows(`${key}.<name>.${k}`, s, rows, req.has(k) && s.default === undefined);
    }
  } else if (items && items.properties && schema.type === 'array') {
    const req = new Set((items.required as string[] | undefined) ?? []);
    for (const [k, s] of Object.entries(items.properties as Record<string, Schema>)) {
      collectRows(`${key}[].${k}`, s, rows, req.has(k) && s.default === undefined);
    }
  }
}

function isObjectSchema(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(schema: Schema): string {
  const parts = [String(schema.description ?? '')];
  const label = typeof schema.pattern === 'string' ? patternLabels.get(schema.pattern) : undefined;
  if (label) parts.push(`Format: ${label}.`);
  return parts.filter(Boolean).join(' ');
}

function defaultText(schema: Schema, required: boolean): string {
  if (required) return 'required';
  if (schema.default === undefined) return '—';
  if (schema.properties && isObjectSchema(schema.default) && !Object.keys(schema.default).length) return '(section)';
  return `\`${JSON.stringify(schema.default)}\``;
}

const FORMAT_NAMES: Record<string, string> = { uri: 'URL', email: 'email', ipv4: 'IPv4 address' };

function typeName(schema: Schema): string {
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : schema.type ? [String(schema.type)] : [];
  const names = types.map((t) => {
    if (t === 'string' && typeof schema.format === 'string') return FORMAT_NAMES[schema.format] ?? schema.format;
    if (t === 'array') {
      const items = schema.items as Schema | undefined;
      return items?.properties ? 'list of mappings' : `list of ${items ? typeName(items) : 'values'}`;
    }
    if (t === 'object') {
      if (schema.properties) return 'mapping';
      const v = schema.additionalProperties;
      return isObjectSchema(v) ? (v.properties ? 'map of name → mapping' : `map of name → ${typeName(v)}`) : 'mapping (free-form)';
    }
    return t;
  });
  if (!names.length) return 'any';
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names[0];
}

/** Markdown table cells: no pipes or line breaks. */
function cell(text: string): string {
  return text.replace(/\n/g, ' ').replace(/(?<!\\)\|/g, '\\|');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(renderConfigDocs());
}
