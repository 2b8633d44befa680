// Where the spawner's API credentials and namespace come from.
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** A kubeconfig file when given; else in-cluster credentials inside a pod; else $KUBECONFIG / ~/.kube/config. */
export function loadKubeConfig(file: string | null, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else if (env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

/**
 * spawner.kubernetes.namespace when set; else the hub's own namespace ($POD_NAMESPACE, the
 * in-cluster service account's namespace); else the kubeconfig context's; else `default`.
 */
export function resolveNamespace(configured: string | null, kc: KubeConfig, env: NodeJS.ProcessEnv = process.env): string {
  if (configured) return configured;
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  if (env.KUBERNETES_SERVICE_HOST) {
    try {
      const ns = readFileSync(`${SA_DIR}/namespace`, 'utf8').trim();
      if (ns) return ns;
    } catch {
      // not in a pod with a mounted service account
    }
  }
  return kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
}
