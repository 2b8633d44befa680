// z2jh's `hub.config.<Class>.<trait>` (and the c.<Class>.<trait> assignments of hub.extraConfig)
// mapped onto nbhub's keys, in this one place. Classes and traits are checked against the real
// packages' traits (traits.json): an unknown class or trait is an error; a real trait nbhub has no
// meaning for is a warning naming it. Authenticator traits go to `auth.custom` and through the
// per-class tables of customAuth.ts, exactly as z2jh 0.x's `auth.type: custom` does.
import { readFileSync } from 'node:fs';
import { formatPath, type ConfigFinding, type ConfigPath } from '../errors.ts';
import { getIn, isPlainObject, setIn, isUnder, type PlainObject } from '../dataPath.ts';
import { authenticatorTraitTarget, customClassMapping, translateCustomAuthenticator, SUPPORTED_CUSTOM_CLASSES } from '../customAuth.ts';
import { closestKey } from '../suggest.ts';
import { SPAWNER_KINDS, TRAIT_NOTES, traitTarget } from './hubTraits.ts';
import { isDefaultValue } from './defaults.ts';

interface ClassInfo {
  module: string;
  bases: string[];
  traits: string[];
}
interface TraitsFile {
  classes: Record<string, ClassInfo>;
  entryPoints: Record<string, Record<string, string>>;
}

const TRAITS = JSON.parse(readFileSync(new URL('./traits.json', import.meta.url), 'utf8')) as TraitsFile;
const AUTH_ENTRY_POINTS = TRAITS.entryPoints['jupyterhub.authenticators'];

/** One trait setting and where it was written. */
export interface TraitSetting {
  cls: string;
  trait: string;
  value: unknown;
  /** The key in the file (hub.config.X.y, or hub.extraConfig.<snippet>). */
  from: ConfigPath;
  /** Added to messages: e.g. "snippet line 3". */
  where?: string;
}

export interface TraitTranslation {
  findings: ConfigFinding[];
  renamed: { to: ConfigPath; from: ConfigPath }[];
  /** What each setting became (for config check's report of hub.extraConfig). */
  applied: { setting: TraitSetting; to: ConfigPath[] }[];
}

/** hub.config as settings (the file's data is not changed). */
export function hubConfigSettings(data: PlainObject): { settings: TraitSetting[]; findings: ConfigFinding[] } {
  const config = getIn(data, ['hub', 'config']);
  const settings: TraitSetting[] = [];
  const findings: ConfigFinding[] = [];
  if (config === undefined || config === null) return { settings, findings };
  if (!isPlainObject(config)) return { settings, findings: [{ path: ['hub', 'config'], message: 'must be a mapping of Python class names to their traits' }] };
  for (const [cls, traits] of Object.entries(config)) {
    if (traits === null) continue;
    if (!isPlainObject(traits)) {
      findings.push({ path: ['hub', 'config', cls], message: 'must be a mapping of trait names to values' });
      continue;
    }
    for (const [trait, value] of Object.entries(traits)) settings.push({ cls, trait, value, from: ['hub', 'config', cls, trait] });
  }
  return { settings, findings };
}

/** An authenticator named as JupyterHub does: an entry point (github), a class path, or a class name. */
export function authenticatorClassName(name: string): string {
  const path = AUTH_ENTRY_POINTS[name] ?? name;
  return path.split('.').pop() ?? path;
}

const isAuthenticator = (cls: string) => cls === 'Authenticator' || (TRAITS.classes[cls]?.bases.includes('Authenticator') ?? false);
const isSpawner = (cls: string) => cls === 'Spawner' || (TRAITS.classes[cls]?.bases.includes('Spawner') ?? false);

/** Applies the settings to `data` (the file's data, before validation). Later settings of a trait win. */
export function translateTraitSettings(data: PlainObject, all: TraitSetting[]): TraitTranslation {
  const out: TraitTranslation = { findings: [], renamed: [], applied: [] };
  const settings = lastOfEach(all);
  const here = (s: TraitSetting) => (s.where ? ` (${s.where})` : '');
  const fail = (s: TraitSetting, message: string) => out.findings.push({ path: s.from, at: 'key', message: `${message}${here(s)}` });
  const warn = (s: TraitSetting, message: string) => out.findings.push({ path: s.from, at: 'key', message: `${message}${here(s)}`, warning: 'CONFIG_IGNORED' });

  const authClass = settings.find((s) => s.cls === 'JupyterHub' && s.trait === 'authenticator_class');
  let chosen: string | undefined;
  if (authClass) {
    const name = typeof authClass.value === 'string' ? authenticatorClassName(authClass.value) : undefined;
    if (!name) fail(authClass, 'must name an authenticator class (an entry point such as github, or a class path)');
    else if (!customClassMapping(name)) {
      fail(authClass, `${String(authClass.value)} has no nbhub equivalent; supported: ${[...SUPPORTED_CUSTOM_CLASSES].join(', ')} (entry points such as dummy, github, generic-oauth, ldap)`);
    } else chosen = name;
  }

  const writtenBy = new Map<string, TraitSetting>();
  const authConfig: PlainObject = {};
  const authOrigin = new Map<string, TraitSetting>();
  for (const s of settings) {
    if (s === authClass) continue;
    const info = TRAITS.classes[s.cls];
    if (!info) {
      fail(s, `unknown class ${s.cls}${suggestion(s.cls, Object.keys(TRAITS.classes))} (classes nbhub reads: ${Object.keys(TRAITS.classes).join(', ')})`);
      continue;
    }
    if (!info.traits.includes(s.trait)) {
      fail(s, `${s.cls} has no trait ${s.trait}${suggestion(s.trait, info.traits)}`);
      continue;
    }
    if (s.cls === 'JupyterHub' && s.trait === 'spawner_class') {
      const kind = typeof s.value === 'string' ? SPAWNER_KINDS[s.value.split('.').pop() ?? ''] : undefined;
      if (!kind) fail(s, `${String(s.value)} has no nbhub equivalent; nbhub has KubeSpawner (spawner.kind kubernetes) and LocalProcessSpawner (local)`);
      else apply(s, [{ to: ['spawner', 'kind'], value: kind }]);
      continue;
    }
    if (isAuthenticator(s.cls)) {
      if (chosen && (s.cls === chosen || TRAITS.classes[chosen]?.bases.includes(s.cls))) {
        // The most specific class wins, as in traitlets: a base class's value never replaces it.
        const prior = authOrigin.get(s.trait);
        if (!prior || !isMoreSpecific(prior.cls, s.cls)) {
          authConfig[s.trait] = s.value;
          authOrigin.set(s.trait, s);
        }
      } else if (chosen) {
        warn(s, `configures ${s.cls}, but the authenticator is ${chosen}; ignored`);
      } else {
        const target = s.cls === 'Authenticator' ? authenticatorTraitTarget(s.trait) : undefined;
        if (target) apply(s, [{ to: ['auth', ...target.to], value: target.value(s.value) }]);
        else warn(s, `configures ${s.cls}, but no authenticator is chosen (hub.config.JupyterHub.authenticator_class); ignored`);
      }
      continue;
    }
    const target = traitTarget(s.cls, s.trait, isSpawner(s.cls));
    if (!target) {
      const note = TRAIT_NOTES[`${s.cls}.${s.trait}`] ?? TRAIT_NOTES[`Spawner.${s.trait}`];
      warn(s, `${s.cls}.${s.trait} has no nbhub equivalent${note ? ` (${note})` : ''}; ignored`);
      continue;
    }
    try {
      apply(s, target.split ? target.split(s.value) : [{ to: target.to, value: target.convert ? target.convert(s.value) : s.value }]);
    } catch (e) {
      fail(s, `${s.cls}.${s.trait} ${(e as Error).message}`);
    }
  }

  if (chosen && authClass) {
    const auth = isPlainObject(data.auth) ? data.auth : {};
    if (auth.type !== undefined || auth.custom !== undefined) {
      fail(authClass, `auth.${auth.type !== undefined ? 'type' : 'custom'} is set too; keep one of them`);
      return out;
    }
    data.auth = { ...auth, type: 'custom', custom: { className: chosen, config: authConfig } };
    const custom = translateCustomAuthenticator(data);
    const origin = (p: ConfigPath): TraitSetting | undefined => (isUnder(p, ['auth', 'custom', 'config']) && p.length > 3 ? authOrigin.get(String(p[3])) : undefined);
    for (const f of custom.findings) {
      const s = origin(f.path);
      if (s) out.findings.push({ ...f, path: [...s.from, ...f.path.slice(4)], message: `${f.message}${here(s)}` });
      else if (isUnder(f.path, ['auth', 'custom', 'className'])) out.findings.push({ ...f, path: authClass.from, message: f.message.replace(/^\S+ runs as/, `${String(authClass.value)} runs as`) });
      else out.findings.push(f);
    }
    for (const r of custom.renamed) {
      const s = origin(r.from);
      if (s) {
        out.renamed.push({ to: r.to, from: s.from });
        out.applied.push({ setting: s, to: [r.to] });
      }
    }
    // The class's settings now live in nbhub's keys; auth.custom was only the way there.
    if (isPlainObject(data.auth)) delete data.auth.custom;
    out.applied.push({ setting: authClass, to: [['auth', 'type']] });
  }
  return out;

  function apply(s: TraitSetting, writes: { to: ConfigPath; value: unknown }[]): void {
    for (const w of writes) {
      const prior = writtenBy.get(formatPath(w.to));
      // Spawner.cmd and KubeSpawner.cmd: the more specific class wins, as in traitlets.
      if (prior && isMoreSpecific(prior.cls, s.cls)) return;
      // A key at its default (the chart writes every default) is not a second setting.
      if (!prior && !isDefaultValue(w.to, getIn(data, w.to))) {
        fail(s, `${formatPath(w.to)} is set too; keep one of them`);
        return;
      }
    }
    for (const w of writes) {
      writtenBy.set(formatPath(w.to), s);
      out.renamed = out.renamed.filter((r) => formatPath(r.to) !== formatPath(w.to));
      if (!setIn(data, w.to, w.value)) {
        fail(s, `cannot be applied: ${formatPath(w.to.slice(0, -1))} is not a mapping`);
        return;
      }
      out.renamed.push({ to: w.to, from: s.from });
    }
    out.applied.push({ setting: s, to: writes.map((w) => w.to) });
  }
}

/** The last setting of each Class.trait, in the order of their last appearance. */
function lastOfEach(settings: TraitSetting[]): TraitSetting[] {
  const last = new Map<string, TraitSetting>();
  for (const s of settings) {
    const key = `${s.cls}.${s.trait}`;
    last.delete(key);
    last.set(key, s);
  }
  return [...last.values()];
}

function isMoreSpecific(a: string, b: string): boolean {
  return TRAITS.classes[a]?.bases.includes(b) ?? false;
}

function suggestion(word: string, known: string[]): string {
  const hint = closestKey(word, known);
  return hint ? ` (did you mean ${hint}?)` : '';
}
