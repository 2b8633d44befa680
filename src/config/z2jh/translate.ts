// z2jh spellings translated before validation, so the translated values are checked like any
// other key (and their problems name the key the file wrote): keys z2jh 1.0 moved, then
// hub.extraConfig (run in Python) and hub.config, both mapped by hubConfig.ts.
import { formatPath, type ConfigFinding, type ConfigPath } from '../errors.ts';
import { deleteIn, getIn, isPlainObject, setIn, type PlainObject } from '../dataPath.ts';
import { evaluateExtraConfig, pythonRunner, type PythonRunner } from './extraConfig.ts';
import { hubConfigSettings, translateTraitSettings } from './hubConfig.ts';
import { isDefaultValue } from './defaults.ts';
import { REDACTED, redactValue } from '../redact.ts';

export interface Z2jhTranslation {
  findings: ConfigFinding[];
  renamed: { to: ConfigPath; from: ConfigPath }[];
  runPython?: PythonRunner;
}

/** z2jh 0.x keys that 1.0 moved, and where they are now. */
export const MOVED_KEYS: { old: ConfigPath; to: ConfigPath }[] = [
  { old: ['proxy', 'nodeSelector'], to: ['proxy', 'chp', 'nodeSelector'] },
  { old: ['proxy', 'pdb'], to: ['proxy', 'chp', 'pdb'] },
  { old: ['proxy', 'resources'], to: ['proxy', 'chp', 'resources'] },
  { old: ['hub', 'imagePullSecret'], to: ['imagePullSecret'] },
  { old: ['proxy', 'chp', 'cmd'], to: ['proxy', 'chp', 'command'] },
];

export function translateZ2jh(data: PlainObject, opts: { runPython?: PythonRunner } = {}): Omit<Z2jhTranslation, 'runPython'> {
  const findings: ConfigFinding[] = [];
  const renamed: { to: ConfigPath; from: ConfigPath }[] = [];
  dropEmptyChoices(data);
  findings.push(...otherDatabase(data));
  for (const { old, to } of MOVED_KEYS) {
    const value = getIn(data, old);
    if (value === undefined) continue;
    deleteIn(data, old);
    if (!isDefaultValue(to, getIn(data, to))) {
      findings.push({ path: old, at: 'key', message: `both ${formatPath(old)} (z2jh 0.x) and ${formatPath(to)} are set; keep only ${formatPath(to)}` });
      continue;
    }
    setIn(data, to, value);
    renamed.push({ to, from: old });
    findings.push({ path: old, at: 'key', message: `z2jh 1.0 moved this key: use ${formatPath(to)} instead`, warning: 'CONFIG_DEPRECATED' });
  }

  const extra = evaluateExtraConfig(data, opts.runPython ?? pythonRunner());
  const fromFile = hubConfigSettings(data);
  const traits = translateTraitSettings(data, [...fromFile.settings, ...extra.settings]);
  findings.push(...extra.findings, ...fromFile.findings, ...traits.findings);
  renamed.push(...traits.renamed);
  // config check reports what each snippet set.
  for (const { setting, to } of traits.applied) {
    if (!setting.where) continue;
    findings.push({
      path: setting.from,
      at: 'key',
      message: `${setting.where}: c.${setting.cls}.${setting.trait} = ${SECRET_TRAIT.test(setting.trait) ? REDACTED : short(redactValue(setting.value))} applied as ${to.map(formatPath).join(', ')}`,
      warning: 'CONFIG_MAPPED',
    });
  }
  return { findings, renamed };
}

/** Traits whose values are secrets: never printed. */
const SECRET_TRAIT = /secret|token|passw|key|cookie|db_url/i;

/** z2jh's enums allow '' for "unset" (image pullPolicy, proxy.https.type): the same as leaving the key out. */
function dropEmptyChoices(node: unknown, path: ConfigPath = []): void {
  if (Array.isArray(node)) return node.forEach((v, i) => dropEmptyChoices(v, [...path, i]));
  if (!isPlainObject(node)) return;
  for (const [k, v] of Object.entries(node)) {
    if (v === '' && (k === 'pullPolicy' || formatPath([...path, k]) === 'proxy.https.type')) delete node[k];
    else dropEmptyChoices(v, [...path, k]);
  }
}

/** z2jh's hub.db.type other (any SQLAlchemy URL): nbhub's postgres or mysql, by the URL's scheme. */
function otherDatabase(data: PlainObject): ConfigFinding[] {
  if (getIn(data, ['hub', 'db', 'type']) !== 'other') return [];
  const url = getIn(data, ['hub', 'db', 'url']);
  const scheme = typeof url === 'string' ? /^([a-z0-9+]+):/i.exec(url)?.[1].toLowerCase() : undefined;
  const type = scheme?.startsWith('postgres') ? 'postgres' : scheme?.startsWith('mysql') || scheme?.startsWith('mariadb') ? 'mysql' : undefined;
  if (!type) {
    return [{ path: ['hub', 'db', 'type'], message: 'other: nbhub supports sqlite-pvc, sqlite-memory, postgres and mysql; with other, hub.db.url must be a postgres:// or mysql:// URL' }];
  }
  setIn(data, ['hub', 'db', 'type'], type);
  return [{ path: ['hub', 'db', 'type'], message: `other runs as ${type} (from the scheme of hub.db.url)`, warning: 'CONFIG_MAPPED' }];
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
