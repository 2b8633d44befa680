// z2jh 4 keys folded into nbhub's, after validation (defaults applied): alternative shapes
// (extraEnv as a list, extraVolumes as a mapping), alternative spellings (proxy.chp.networkPolicy,
// singleuser.podNameTemplate, JupyterHub's snake_case service keys), and the keys nbhub accepts
// without acting on them, each reported with what happens instead. `given` is the file's data, to
// tell what the file wrote from a default.
import { formatPath, type ConfigFinding, type ConfigPath } from '../errors.ts';
import { deleteIn, getIn, isPlainObject, setIn, type PlainObject } from '../dataPath.ts';
import { isDefaultValue } from './defaults.ts';

/** Keys accepted and not applied, with what happens instead. Removed from the loaded config. */
export const NOT_APPLIED: { path: ConfigPath; reason: string }[] = [
  { path: ['fullnameOverride'], reason: 'the chart’s objects have fixed names (hub, proxy, proxy-public), one release per namespace' },
  { path: ['nameOverride'], reason: 'the chart’s labels name the chart nbhub' },
  { path: ['hub', 'existingSecret'], reason: 'the chart keeps the hub’s secrets in its Secret hub (give them in the values, or as NBHUB_* environment variables)' },
  { path: ['hub', 'consecutiveFailureLimit'], reason: 'nbhub reports each failed spawn to its user and keeps running' },
  { path: ['proxy', 'traefik'], reason: 'nbhub’s proxy terminates TLS itself: configure proxy.https' },
  { path: ['proxy', 'secretSync'], reason: 'nbhub’s proxy keeps its certificates on its own volume: configure proxy.https' },
  { path: ['proxy', 'chp', 'image'], reason: 'the proxy runs nbhub’s own proxy from hub.image (configurable-http-proxy is not used)' },
  { path: ['proxy', 'chp', 'command'], reason: 'the chart runs `nbhub proxy` (use proxy.chp.extraCommandLineFlags for flags)' },
];

/** Keys with no meaning for nbhub's config that are dropped silently (Helm's own). */
const HELM_ONLY: ConfigPath[] = [['enabled'], ['global']];

export function foldZ2jhShapes(value: PlainObject, given: unknown): ConfigFinding[] {
  const out: ConfigFinding[] = [];
  for (const key of ['config', 'extraConfig', 'extraConfigMap']) deleteIn(value, ['hub', key]);
  for (const p of HELM_ONLY) deleteIn(value, p);
  for (const { path, reason } of NOT_APPLIED) {
    const written = getIn(given, path);
    if (written !== undefined && !isEmpty(written)) {
      out.push({ path, at: 'key', message: `not applied: ${reason}`, warning: 'CONFIG_IGNORED' });
    }
    deleteIn(value, path);
  }

  for (const { path, when, reason } of NOT_DONE) {
    const written = getIn(given, path);
    if (written !== undefined && when(written)) out.push({ path, at: 'key', message: reason, warning: 'CONFIG_IGNORED' });
  }

  foldInto(value, given, ['proxy', 'chp', 'networkPolicy'], ['proxy', 'networkPolicy'], out);
  const podName = getIn(value, ['singleuser', 'podNameTemplate']);
  deleteIn(value, ['singleuser', 'podNameTemplate']);
  if (typeof podName === 'string') {
    if (!isDefaultValue(['spawner', 'kubernetes', 'podNameTemplate'], getIn(given, ['spawner', 'kubernetes', 'podNameTemplate']))) {
      out.push({ path: ['singleuser', 'podNameTemplate'], at: 'key', message: 'spawner.kubernetes.podNameTemplate is set too; keep one of them' });
    } else setIn(value, ['spawner', 'kubernetes', 'podNameTemplate'], podName);
  }

  for (const section of [['hub'], ['singleuser'], ['proxy', 'chp']]) envListToMap(value, [...section, 'extraEnv'], out);
  for (const key of ['extraVolumes', 'extraVolumeMounts']) volumesToList(value, ['singleuser', 'storage', key]);
  out.push(...foldServices(value), ...foldRoles(value), ...foldExtraImages(value));
  return out;
}

function isEmpty(v: unknown): boolean {
  return v === null || v === '' || (Array.isArray(v) && v.length === 0) || (isPlainObject(v) && Object.values(v).every(isEmpty));
}

/** Values nbhub keeps but cannot do what z2jh does with: a warning when the file has them. */
const NOT_DONE: { path: ConfigPath; when: (v: unknown) => boolean; reason: string }[] = [
  {
    path: ['prePuller', 'hook', 'pullOnlyOnChanges'],
    when: (v) => v === true,
    reason: 'not applied: the chart runs the pre-pull hook at every install and upgrade (it does not compare the images with the last release)',
  },
  {
    path: ['hub', 'image', 'name'],
    when: (v) => typeof v === 'string' && /(^|\/)jupyterhub\/k8s-hub$/.test(v),
    reason: 'this is z2jh’s JupyterHub image; the hub and the proxy run nbhub’s image (leave hub.image out, or name an nbhub build)',
  },
];

/** Merges what the file wrote under `from` into `to` (the file's keys under `from` win). */
function foldInto(value: PlainObject, given: unknown, from: ConfigPath, to: ConfigPath, out: ConfigFinding[]): void {
  const written = getIn(given, from);
  deleteIn(value, from);
  if (!isPlainObject(written)) return;
  const target = getIn(value, to);
  if (!isPlainObject(target)) return;
  const merge = (into: PlainObject, over: PlainObject, path: ConfigPath) => {
    for (const [k, v] of Object.entries(over)) {
      if (v === null) continue;
      if (isPlainObject(v) && isPlainObject(into[k])) merge(into[k] as PlainObject, v, [...path, k]);
      else {
        if (!isDefaultValue([...to, ...path, k], getIn(given, [...to, ...path, k]))) {
          out.push({ path: [...from, ...path, k], at: 'key', message: `${formatPath([...to, ...path, k])} is set too; keep one of them` });
        }
        into[k] = structuredClone(v);
      }
    }
  };
  merge(target, written, []);
}

/** extraEnv as a list of EnvVar objects → NAME: value / NAME: {valueFrom}. */
function envListToMap(value: PlainObject, path: ConfigPath, out: ConfigFinding[]): void {
  const env = getIn(value, path);
  if (!Array.isArray(env)) return;
  const map: PlainObject = {};
  env.forEach((item: PlainObject, i) => {
    const name = String(item.name);
    if (name in map) out.push({ path: [...path, i, 'name'], message: `${name} is listed twice` });
    map[name] = item.valueFrom !== undefined ? { valueFrom: item.valueFrom } : item.value === undefined ? '' : String(item.value);
  });
  setIn(value, path, map);
}

/** A mapping of volumes (z2jh 2+) → the list of its values, in key order. */
function volumesToList(value: PlainObject, path: ConfigPath): void {
  const v = getIn(value, path);
  if (isPlainObject(v)) {
    setIn(
      value,
      path,
      Object.keys(v)
        .sort()
        .map((k) => v[k])
        .filter((x) => x !== null),
    );
  }
}

/** JupyterHub's snake_case service keys (passed through by z2jh) → nbhub's. */
function foldServices(value: PlainObject): ConfigFinding[] {
  const out: ConfigFinding[] = [];
  const services = getIn(value, ['hub', 'services']);
  if (!isPlainObject(services)) return out;
  for (const [name, s] of Object.entries(services)) {
    if (!isPlainObject(s)) continue;
    const at = (k: string): ConfigPath => ['hub', 'services', name, k];
    if (s.name !== undefined && s.name !== name) out.push({ path: at('name'), message: `must be ${JSON.stringify(name)}, the service's key (or left out)` });
    // JupyterHub's command may be a single string
    if (typeof s.command === 'string') s.command = [s.command];
    for (const [snake, camel] of [
      ['api_token', 'apiToken'],
      ['oauth_no_confirm', 'oauthNoConfirm'],
      ['oauth_client_id', 'oauthClientId'],
      ['oauth_redirect_uri', 'oauthRedirectUri'],
    ] as const) {
      if (s[snake] === undefined || s[snake] === null) continue;
      if (s[camel] !== null && s[camel] !== undefined && s[camel] !== false && s[camel] !== s[snake]) {
        out.push({ path: at(snake), at: 'key', message: `${camel} is set too; keep one of them` });
      } else s[camel] = s[snake];
    }
    if (s.oauth_roles !== undefined) {
      out.push({ path: at('oauth_roles'), at: 'key', message: 'not applied: grant the service roles with hub.loadRoles', warning: 'CONFIG_IGNORED' });
    }
    if (s.user !== undefined) {
      out.push({ path: at('user'), at: 'key', message: "not applied: nbhub runs managed services as the hub's own user", warning: 'CONFIG_IGNORED' });
    }
    for (const k of ['name', 'api_token', 'oauth_no_confirm', 'oauth_client_id', 'oauth_redirect_uri', 'oauth_roles', 'user']) delete s[k];
  }
  return out;
}

function foldRoles(value: PlainObject): ConfigFinding[] {
  const out: ConfigFinding[] = [];
  const roles = getIn(value, ['hub', 'loadRoles']);
  if (!isPlainObject(roles)) return out;
  for (const [key, role] of Object.entries(roles)) {
    if (!isPlainObject(role) || role.name === undefined) continue;
    if (role.name !== key) out.push({ path: ['hub', 'loadRoles', key, 'name'], message: `must be ${JSON.stringify(key)}, the role's key (or left out)` });
    delete role.name;
  }
  return out;
}

/** prePuller.extraImages.<n>.pullPolicy (z2jh 1.x+) and policy (0.x) are one setting. */
function foldExtraImages(value: PlainObject): ConfigFinding[] {
  const out: ConfigFinding[] = [];
  const images = getIn(value, ['prePuller', 'extraImages']);
  if (!isPlainObject(images)) return out;
  for (const [name, image] of Object.entries(images)) {
    if (!isPlainObject(image)) continue;
    const pullPolicy = image.pullPolicy;
    delete image.pullPolicy;
    if (pullPolicy === null || pullPolicy === undefined) continue;
    if (image.policy !== null && image.policy !== pullPolicy) {
      out.push({ path: ['prePuller', 'extraImages', name, 'pullPolicy'], message: 'differs from policy (the same setting); keep one of them' });
    }
    image.policy = pullPolicy;
  }
  return out;
}
