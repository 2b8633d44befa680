// Runs the real `helm` (built by scripts/k8s/build.sh into $NBHUB_CACHE_DIR/k8s/bin) on chart/,
// and reads what it renders: the objects as parsed YAML, the hub's config.yaml, and the
// environment the hub container would get (secretKeyRefs resolved against the rendered Secret).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { buildK8sBinaries } from '../support/k8sCluster.ts';
import { loadConfig, type LoadedConfig } from '../../src/config/index.ts';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CHART = join(REPO, 'chart');
export const EXAMPLES = {
  minimal: join(CHART, 'examples/minimal.yaml'),
  up2u: join(CHART, 'examples/up2u.yaml'),
  paws: join(CHART, 'examples/paws.yaml'),
} as const;

/** A Kubernetes object as rendered (only the fields the tests read are typed). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

let helmPath: Promise<string> | undefined;
const scratch = mkdtempSync(join(tmpdir(), 'nbhub-chart-test-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/** The helm binary, built on first use if it is not cached (a no-op when it is). */
export function helmBinary(): Promise<string> {
  helmPath ??= buildK8sBinaries(['helm']).then((bin) => join(bin, 'helm'));
  return helmPath;
}

/** Runs helm with its caches in a temp dir; never throws on a non-zero exit. */
export async function helm(args: string[], env: NodeJS.ProcessEnv = {}): Promise<HelmResult> {
  const bin = await helmBinary();
  return new Promise((ok, fail) => {
    execFile(
      bin,
      args,
      {
        maxBuffer: 64 * 1024 * 1024,
        env: {
          PATH: process.env.PATH,
          HOME: scratch,
          HELM_CACHE_HOME: join(scratch, 'cache'),
          HELM_CONFIG_HOME: join(scratch, 'config'),
          HELM_DATA_HOME: join(scratch, 'data'),
          ...env,
        },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        if (err && code === -1) fail(err);
        else ok({ code, stdout, stderr });
      },
    );
  });
}

let valuesFileCount = 0;

/** Writes values (an object) to a temp file for -f, as JSON: Helm reads YAML 1.1, where `y` or `no` would be booleans. */
export function valuesFile(values: object): string {
  const file = join(scratch, `values-${++valuesFileCount}.json`);
  writeFileSync(file, JSON.stringify(values));
  return file;
}

/** `-f` arguments: example files by path, inline values as objects (later ones win). */
export function valuesArgs(values: (string | object)[]): string[] {
  return values.flatMap((v) => ['-f', typeof v === 'string' ? v : valuesFile(v)]);
}

/** `helm template` output, or the failed result. */
export async function template(values: (string | object)[] = [], extra: string[] = []): Promise<HelmResult> {
  return helm(['template', 'nbhub-test', CHART, '--namespace', 'hubns', ...valuesArgs(values), ...extra]);
}

/** Renders the chart and parses every object; fails with helm's message when it does not render. */
export async function render(values: (string | object)[] = [], extra: string[] = []): Promise<Rendered> {
  const r = await template(values, extra);
  if (r.code !== 0) throw new Error(`helm template failed (${r.code}):\n${r.stderr}`);
  return new Rendered(parseObjects(r.stdout));
}

export function parseObjects(text: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`helm rendered invalid YAML: ${doc.errors[0].message}`);
    const obj = doc.toJS() as K8sObject | null;
    if (obj) out.push(obj);
  }
  return out;
}

/** The objects of one render, with lookups the tests need. */
export class Rendered {
  constructor(readonly objects: K8sObject[]) {}

  all(kind: string): K8sObject[] {
    return this.objects.filter((o) => o.kind === kind);
  }

  find(kind: string, name: string): K8sObject | undefined {
    return this.objects.find((o) => o.kind === kind && o.metadata.name === name);
  }

  get(kind: string, name: string): K8sObject {
    const o = this.find(kind, name);
    if (!o) throw new Error(`no ${kind} ${name} rendered; have: ${this.objects.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
    return o;
  }

  /** The pod spec of a Deployment, DaemonSet, StatefulSet or Job. */
  podSpec(kind: string, name: string): PodSpec {
    return (this.get(kind, name) as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
  }

  container(kind: string, name: string, container: string): Container {
    const c = this.podSpec(kind, name).containers.find((x) => x.name === container);
    if (!c) throw new Error(`${kind} ${name} has no container ${container}`);
    return c;
  }

  /** The hub's config.yaml from the Secret "hub-config". */
  hubConfigYaml(): string {
    return this.secretData('hub-config')['config.yaml'];
  }

  /** Decoded data of a rendered Secret. */
  secretData(name: string): Record<string, string> {
    const data = ((this.get('Secret', name) as unknown as { data?: Record<string, string> }).data ?? {}) as Record<string, string>;
    return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  }

  /** The hub container's environment: plain values, and secretKeyRefs read from the rendered Secrets. */
  hubEnv(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const e of this.container('Deployment', 'hub', 'hub').env ?? []) {
      if (typeof e.value === 'string') env[e.name] = e.value;
      const ref = e.valueFrom?.secretKeyRef;
      if (ref) {
        const value = this.secretData(ref.name)[ref.key];
        if (value === undefined) throw new Error(`env ${e.name}: Secret ${ref.name} has no key ${ref.key}`);
        env[e.name] = value;
      }
    }
    return env;
  }
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } };
}

export interface Container {
  name: string;
  image: string;
  imagePullPolicy?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  ports?: { name: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string }[];
  resources?: Record<string, unknown>;
}

export interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  containers: Container[];
  initContainers?: Container[];
  volumes?: ({ name: string } & Record<string, unknown>)[];
  imagePullSecrets?: { name: string }[];
  affinity?: Record<string, unknown>;
  schedulerName?: string;
  priorityClassName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Record<string, unknown>[];
}

/** The hub's config as nbhub loads it in the pod: the Secret hub-config's file plus the container's environment. */
export function loadRenderedConfig(r: Rendered): LoadedConfig {
  return loadConfig({ text: r.hubConfigYaml(), file: 'config.yaml (Secret hub-config)', env: r.hubEnv() });
}
