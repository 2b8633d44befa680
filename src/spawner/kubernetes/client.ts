// Where the spawner's API credentials and namespace come from.
import { readFileSync } from 'node:fs';
import { CoreV1Api, createConfiguration, KubeConfig, ServerConfiguration, type RequestContext, type ResponseContext } from '@kubernetes/client-node';

/** Default deadline of one API request (not of watches, which stream). */
export const API_TIMEOUT_MS = 30_000;

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

/**
 * The core API client with a deadline on every request: client-node sets none, so an API server
 * (or a proxy in front of it) that accepts a request and never answers would hang a spawn or a
 * stop for good. A request past the deadline fails with an AbortError.
 */
export function makeCoreApi(kc: KubeConfig, timeoutMs = API_TIMEOUT_MS): CoreV1Api {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const config = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [
      {
        pre: async (ctx: RequestContext) => {
          ctx.setSignal(AbortSignal.timeout(timeoutMs));
          return ctx;
        },
        post: async (res: ResponseContext) => res,
      },
    ],
  });
  return new CoreV1Api(config);
}
