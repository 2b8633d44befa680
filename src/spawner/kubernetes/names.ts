// Names and labels of a user's Kubernetes objects, spelled as KubeSpawner (legacy scheme) and
// z2jh spell them, so pods and volumes of a hub that moves to nbhub keep their names.
import { escapeForPodName, safeSlug } from '../../domain/slugs.ts';

/**
 * Fills `{username}` and `{servername}` in a name template: the user name escaped for object
 * names, and `-<escaped server name>` for a named server ('' for the default server).
 * `jupyter-{username}{servername}` → `jupyter-alice`, `jupyter-alice-gpu`.
 * `{userid}` is the user's stable id (SpawnSpec.userId), escaped the same way; callers check
 * that there is one when the template uses it.
 */
export function expandNameTemplate(template: string, userName: string, serverName: string, userId?: string): string {
  const server = serverName ? `-${escapeForPodName(serverName)}` : '';
  const out = template.replaceAll('{username}', escapeForPodName(userName)).replaceAll('{servername}', server);
  return userId === undefined ? out : out.replaceAll('{userid}', escapeForPodName(userId));
}

/** A Kubernetes object name (DNS-1123 subdomain, what pod and PVC names must be). */
export function isValidSubdomainName(s: string): boolean {
  return s.length >= 1 && s.length <= 253 && /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(s);
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A label value naming a user or server: the escaped name when it is a valid label value, else a hashed slug. */
export function labelValue(name: string): string {
  const escaped = escapeForPodName(name);
  return escaped.length <= 63 && LABEL_VALUE.test(escaped) ? escaped : safeSlug(name, 63);
}

export const COMPONENT_SERVER = 'singleuser-server';
export const COMPONENT_STORAGE = 'singleuser-storage';
export const USERNAME_KEY = 'hub.jupyter.org/username';
export const SERVERNAME_KEY = 'hub.jupyter.org/servername';

export interface LabelContext {
  appLabel: string;
  releaseName: string;
}

/** Labels that select every user pod of this hub (the informer's selector). */
export function serverSelector(c: LabelContext): Record<string, string> {
  return { app: c.appLabel, release: c.releaseName, component: COMPONENT_SERVER };
}

export function selectorString(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** Labels of one user's pod: z2jh's, so its network policies (hub access) apply. */
export function podLabels(c: LabelContext, userName: string, serverName: string, extra: Record<string, string>): Record<string, string> {
  return {
    ...extra,
    ...serverSelector(c),
    heritage: 'jupyterhub',
    'hub.jupyter.org/network-access-hub': 'true',
    [USERNAME_KEY]: labelValue(userName),
    [SERVERNAME_KEY]: labelValue(serverName),
  };
}

export function pvcLabels(c: LabelContext, userName: string, serverName: string, extra: Record<string, string>): Record<string, string> {
  return {
    ...extra,
    app: c.appLabel,
    release: c.releaseName,
    component: COMPONENT_STORAGE,
    heritage: 'jupyterhub',
    [USERNAME_KEY]: labelValue(userName),
    [SERVERNAME_KEY]: labelValue(serverName),
  };
}

/** The unescaped names, as annotations (labels may only hold the escaped or hashed spelling). */
export function ownerAnnotations(userName: string, serverName: string): Record<string, string> {
  return { [USERNAME_KEY]: userName, [SERVERNAME_KEY]: serverName };
}
