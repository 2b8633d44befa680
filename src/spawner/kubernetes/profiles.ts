// singleuser.profileList (KubeSpawner's profile_list): choices on the spawn page, each
// overriding pod settings with KubeSpawner's `kubespawner_override` names. Overrides are
// checked when the spawner is built, so a typo fails the hub's start, not a user's spawn.
// As in KubeSpawner, maps (environment, node_selector, extra_pod_config, lifecycle_hooks, …)
// are merged into the base recursively (a null value removes a key); lists and scalars replace
// it (so a profile's `tolerations` replaces z2jh's user-node tolerations too). The chosen profile arrives in the spawn's user options: {profile: slug,
// <option>: <choice>, '<option>--unlisted-choice': <value>}.
import type { ProfileConfig } from '../../config/index.ts';
import { parseSize } from '../../config/quantity.ts';
import type { FreeObject, ServerSettings } from './settings.ts';

export class ProfileError extends Error {
  constructor(
    readonly code: 'PROFILE_INVALID' | 'UNKNOWN_PROFILE' | 'UNKNOWN_PROFILE_CHOICE',
    message: string,
  ) {
    super(message);
  }
}

type Override = Record<string, unknown>;

export interface ProfileChoice {
  key: string;
  displayName: string;
  default: boolean;
  override: Override;
}

export interface ProfileOption {
  name: string;
  displayName: string;
  choices: ProfileChoice[];
  /** A free-text choice, substituted for {value} in its override's strings. */
  unlisted: { displayName: string; validationRegex: string | null; override: Override } | null;
}

export interface Profile {
  slug: string;
  displayName: string;
  description: string;
  default: boolean;
  override: Override;
  options: ProfileOption[];
}

interface OverrideKey {
  check(v: unknown): boolean;
  expected: string;
  apply(s: ServerSettings, v: unknown): void;
}

const isObj = (v: unknown): v is FreeObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isStrList = (v: unknown): v is string[] => Array.isArray(v) && v.every(isStr);
const isObjList = (v: unknown): v is FreeObject[] => Array.isArray(v) && v.every(isObj);
const isStrMap = (v: unknown): v is Record<string, string> => isObj(v) && Object.values(v).every(isStr);
const isNum = (v: unknown): v is number => typeof v === 'number' && v > 0;
const isSize = (v: unknown): boolean => {
  if (typeof v !== 'string' && typeof v !== 'number') return false;
  try {
    parseSize(v);
    return true;
  } catch {
    return false;
  }
};
const orNull = (f: (v: unknown) => boolean) => (v: unknown) => v === null || f(v);

const OVERRIDES: Record<string, OverrideKey> = {
  image: { check: isStr, expected: 'an image name:tag', apply: (s, v) => (s.image = v as string) },
  image_pull_policy: {
    check: (v) => v === null || v === 'Always' || v === 'IfNotPresent' || v === 'Never',
    expected: 'Always, IfNotPresent, Never or null',
    apply: (s, v) => (s.imagePullPolicy = v as ServerSettings['imagePullPolicy']),
  },
  image_pull_secrets: {
    check: (v) => Array.isArray(v) && v.every((x) => isStr(x) || (isObj(x) && isStr(x.name))),
    expected: 'a list of secret names',
    apply: (s, v) => (s.imagePullSecrets = (v as (string | { name: string })[]).map((x) => (isStr(x) ? x : x.name))),
  },
  cmd: { check: (v) => isStr(v) || isStrList(v), expected: 'a command (string or list)', apply: (s, v) => (s.cmd = isStr(v) ? [v] : [...(v as string[])]) },
  args: { check: isStrList, expected: 'a list of strings', apply: (s, v) => (s.args = [...(v as string[])]) },
  default_url: { check: isStr, expected: 'a path such as /lab', apply: (s, v) => (s.defaultUrl = v as string) },
  environment: {
    check: (v) => isObj(v) && Object.values(v).every((x) => isStr(x) || isObj(x) || typeof x === 'number' || typeof x === 'boolean'),
    expected: 'a map of NAME: value',
    apply: (s, v) => {
      for (const [k, x] of Object.entries(v as FreeObject)) s.environment[k] = isObj(x) ? x : String(x as string | number | boolean);
    },
  },
  cpu_limit: { check: orNull(isNum), expected: 'a number of cores', apply: (s, v) => (s.resources.cpuLimit = v as number | null) },
  cpu_guarantee: { check: orNull(isNum), expected: 'a number of cores', apply: (s, v) => (s.resources.cpuGuarantee = v as number | null) },
  mem_limit: { check: orNull(isSize), expected: 'a size such as 2G', apply: (s, v) => (s.resources.memLimit = v as string | number | null) },
  mem_guarantee: { check: orNull(isSize), expected: 'a size such as 1G', apply: (s, v) => (s.resources.memGuarantee = v as string | number | null) },
  extra_resource_limits: { check: isStrMap, expected: 'a map of resource: quantity', apply: (s, v) => Object.assign(s.resources.extraLimits, v) },
  extra_resource_guarantees: { check: isStrMap, expected: 'a map of resource: quantity', apply: (s, v) => Object.assign(s.resources.extraGuarantees, v) },
  lifecycle_hooks: { check: isObj, expected: 'a Lifecycle object', apply: (s, v) => recursiveUpdate(s.lifecycleHooks, v as FreeObject) },
  node_selector: { check: isStrMap, expected: 'a map of label: value', apply: (s, v) => Object.assign(s.nodeSelector, v) },
  tolerations: { check: isObjList, expected: 'a list of Toleration objects', apply: (s, v) => (s.tolerations = v as FreeObject[]) },
  node_affinity_required: { check: isObjList, expected: 'a list of NodeSelectorTerm objects', apply: (s, v) => (s.nodeAffinityRequired = v as FreeObject[]) },
  node_affinity_preferred: { check: isObjList, expected: 'a list of PreferredSchedulingTerm objects', apply: (s, v) => (s.nodeAffinityPreferred = v as FreeObject[]) },
  service_account: { check: orNull(isStr), expected: 'a service account name or null', apply: (s, v) => (s.serviceAccountName = v as string | null) },
  uid: { check: orNull((v) => Number.isInteger(v)), expected: 'an integer or null', apply: (s, v) => (s.uid = v as number | null) },
  fs_gid: { check: orNull((v) => Number.isInteger(v)), expected: 'an integer or null', apply: (s, v) => (s.fsGid = v as number | null) },
  allow_privilege_escalation: { check: (v) => typeof v === 'boolean', expected: 'true or false', apply: (s, v) => (s.allowPrivilegeEscalation = v as boolean) },
  volumes: { check: isObjList, expected: 'a list of Volume objects', apply: (s, v) => (s.extraVolumes = v as FreeObject[]) },
  volume_mounts: { check: isObjList, expected: 'a list of VolumeMount objects', apply: (s, v) => (s.extraVolumeMounts = v as FreeObject[]) },
  extra_labels: { check: isStrMap, expected: 'a map of label: value', apply: (s, v) => Object.assign(s.extraLabels, v) },
  extra_annotations: { check: isStrMap, expected: 'a map of annotation: value', apply: (s, v) => Object.assign(s.extraAnnotations, v) },
  extra_pod_config: { check: isObj, expected: 'PodSpec fields', apply: (s, v) => recursiveUpdate(s.extraPodConfig, v as FreeObject) },
  extra_container_config: { check: isObj, expected: 'Container fields', apply: (s, v) => recursiveUpdate(s.extraContainerConfig, v as FreeObject) },
  init_containers: { check: isObjList, expected: 'a list of Container objects', apply: (s, v) => (s.initContainers = v as FreeObject[]) },
  extra_containers: { check: isObjList, expected: 'a list of Container objects', apply: (s, v) => (s.extraContainers = v as FreeObject[]) },
  storage_capacity: { check: isSize, expected: 'a size such as 10Gi', apply: (s, v) => (s.storage.capacity = v as string | number) },
  storage_class: { check: orNull(isStr), expected: 'a StorageClass name or null', apply: (s, v) => (s.storage.storageClass = v as string | null) },
  // Local spawner only (a Python environment on the hub's machine); config check warns under Kubernetes.
  python_env: { check: orNull((v) => isStr(v) && v.startsWith('/')), expected: 'an absolute path or null', apply: (s, v) => (s.pythonEnv = v as string | null) },
};

/** KubeSpawner's recursive_update: nested maps merge, null deletes, anything else replaces. */
function recursiveUpdate(target: FreeObject, src: FreeObject): void {
  for (const [k, v] of Object.entries(src)) {
    if (v === null) delete target[k];
    else if (isObj(v) && isObj(target[k])) recursiveUpdate(target[k] as FreeObject, v);
    else target[k] = v;
  }
}

/** The kubespawner_override keys nbhub understands. */
export const OVERRIDE_KEYS: readonly string[] = Object.keys(OVERRIDES);

/** KubeSpawner's slug of a display name (python-slugify): lowercase ASCII words joined by '-'. */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function checkOverride(raw: unknown, where: string): Override {
  if (!isObj(raw)) throw new ProfileError('PROFILE_INVALID', `${where}: expected a map of KubeSpawner settings`);
  for (const [key, value] of Object.entries(raw)) {
    const o = OVERRIDES[key];
    if (!o) throw new ProfileError('PROFILE_INVALID', `${where}.${key}: not a setting nbhub can override (known: ${OVERRIDE_KEYS.join(', ')})`);
    if (!o.check(value)) throw new ProfileError('PROFILE_INVALID', `${where}.${key}: expected ${o.expected}, got ${JSON.stringify(value)}`);
  }
  return raw;
}

function parseOptions(raw: FreeObject, where: string): ProfileOption[] {
  return Object.entries(raw).map(([name, opt]) => {
    const at = `${where}.${name}`;
    if (!isObj(opt)) throw new ProfileError('PROFILE_INVALID', `${at}: expected {display_name, choices}`);
    const choicesRaw = opt.choices ?? {};
    if (!isObj(choicesRaw)) throw new ProfileError('PROFILE_INVALID', `${at}.choices: expected a map of choices`);
    const choices = Object.entries(choicesRaw).map(([key, c]): ProfileChoice => {
      if (!isObj(c)) throw new ProfileError('PROFILE_INVALID', `${at}.choices.${key}: expected {display_name, kubespawner_override}`);
      return {
        key,
        displayName: isStr(c.display_name) ? c.display_name : key,
        default: c.default === true,
        override: checkOverride(c.kubespawner_override ?? {}, `${at}.choices.${key}.kubespawner_override`),
      };
    });
    const u = opt.unlisted_choice;
    const unlisted =
      isObj(u) && u.enabled === true
        ? {
            displayName: isStr(u.display_name) ? u.display_name : 'Other',
            validationRegex: isStr(u.validation_regex) ? u.validation_regex : null,
            override: checkOverride(u.kubespawner_override ?? {}, `${at}.unlisted_choice.kubespawner_override`),
          }
        : null;
    if (!choices.length && !unlisted) throw new ProfileError('PROFILE_INVALID', `${at}: no choices`);
    return { name, displayName: isStr(opt.display_name) ? opt.display_name : name, choices, unlisted };
  });
}

/** Checks singleuser.profileList; throws ProfileError naming the bad key. */
export function parseProfiles(list: readonly ProfileConfig[]): Profile[] {
  const seen = new Map<string, number>();
  return list.map((p, i) => {
    const where = `singleuser.profileList[${i}]`;
    const slug = p.slug ?? slugify(p.display_name);
    if (!slug) throw new ProfileError('PROFILE_INVALID', `${where}: cannot derive a slug from display_name ${JSON.stringify(p.display_name)}; set slug`);
    const first = seen.get(slug);
    if (first !== undefined) throw new ProfileError('PROFILE_INVALID', `${where}: slug ${JSON.stringify(slug)} is already used by profile ${first}`);
    seen.set(slug, i);
    return {
      slug,
      displayName: p.display_name,
      description: p.description,
      default: p.default,
      override: checkOverride(p.kubespawner_override, `${where}.kubespawner_override`),
      options: parseOptions(p.profile_options, `${where}.profile_options`),
    };
  });
}

/** A copy of the settings, deep enough that applying overrides never touches the base. */
function cloneSettings(s: ServerSettings): ServerSettings {
  return structuredClone(s);
}

function applyOverride(s: ServerSettings, o: Override): void {
  for (const [key, value] of Object.entries(o)) OVERRIDES[key].apply(s, structuredClone(value));
}

function substitute(o: Override, value: string): Override {
  const sub = (v: unknown): unknown =>
    isStr(v) ? v.replaceAll('{value}', value) : Array.isArray(v) ? v.map(sub) : isObj(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sub(x)])) : v;
  return sub(o) as Override;
}

export interface ResolvedProfile {
  /** null when no profiles are configured. */
  slug: string | null;
  settings: ServerSettings;
}

/**
 * The settings for one spawn: the base, then the chosen profile (or the default one: the
 * profile marked default, else the first), then its chosen options.
 */
export function resolveProfile(base: ServerSettings, profiles: readonly Profile[], userOptions: Record<string, unknown>): ResolvedProfile {
  if (!profiles.length) return { slug: null, settings: base };
  const wanted = userOptions.profile;
  let profile: Profile | undefined;
  if (wanted === undefined || wanted === null || wanted === '') {
    profile = profiles.find((p) => p.default) ?? profiles[0];
  } else {
    profile = profiles.find((p) => p.slug === wanted);
    if (!profile) {
      throw new ProfileError(
        'UNKNOWN_PROFILE',
        `Unknown profile ${JSON.stringify(wanted)} in the spawn options; choose one of: ${profiles.map((p) => JSON.stringify(p.slug)).join(', ')}`,
      );
    }
  }
  const settings = cloneSettings(base);
  applyOverride(settings, profile.override);
  for (const opt of profile.options) {
    const unlistedValue = userOptions[`${opt.name}--unlisted-choice`];
    if (opt.unlisted && isStr(unlistedValue) && unlistedValue !== '') {
      if (opt.unlisted.validationRegex && !new RegExp(opt.unlisted.validationRegex).test(unlistedValue)) {
        throw new ProfileError('UNKNOWN_PROFILE_CHOICE', `${JSON.stringify(unlistedValue)} is not a valid value for ${opt.displayName} in profile ${JSON.stringify(profile.slug)}`);
      }
      applyOverride(settings, substitute(opt.unlisted.override, unlistedValue));
      continue;
    }
    const key = userOptions[opt.name];
    const choice = key === undefined || key === null || key === '' ? (opt.choices.find((c) => c.default) ?? opt.choices[0]) : opt.choices.find((c) => c.key === key);
    if (!choice) {
      throw new ProfileError(
        'UNKNOWN_PROFILE_CHOICE',
        `Unknown choice ${JSON.stringify(key)} for ${opt.displayName} in profile ${JSON.stringify(profile.slug)}; choose one of: ${opt.choices.map((c) => JSON.stringify(c.key)).join(', ')}`,
      );
    }
    applyOverride(settings, choice.override);
  }
  return { slug: profile.slug, settings };
}

/** What the spawn page renders: profiles, their options and the preselected entries. */
export interface ProfileFormModel {
  profiles: {
    slug: string;
    displayName: string;
    description: string;
    selected: boolean;
    options: {
      name: string;
      displayName: string;
      choices: { key: string; displayName: string; selected: boolean }[];
      unlisted: { displayName: string; validationRegex: string | null } | null;
    }[];
  }[];
}

/**
 * The profile form of a config: an empty list when no profiles are configured (then the spawn
 * page shows no form). Field names the page should post: `profile`, `<option name>`,
 * `<option name>--unlisted-choice`. Throws ProfileError for an invalid profile list.
 */
export function profileFormModel(config: { singleuser: { profileList: readonly ProfileConfig[] } }): ProfileFormModel {
  const profiles = parseProfiles(config.singleuser.profileList);
  const selectedSlug = (profiles.find((p) => p.default) ?? profiles[0])?.slug;
  return {
    profiles: profiles.map((p) => ({
      slug: p.slug,
      displayName: p.displayName,
      description: p.description,
      selected: p.slug === selectedSlug,
      options: p.options.map((o) => {
        const sel = (o.choices.find((c) => c.default) ?? o.choices[0])?.key;
        return {
          name: o.name,
          displayName: o.displayName,
          choices: o.choices.map((c) => ({ key: c.key, displayName: c.displayName, selected: c.key === sel })),
          unlisted: o.unlisted ? { displayName: o.unlisted.displayName, validationRegex: o.unlisted.validationRegex } : null,
        };
      }),
    })),
  };
}

