// Public face of the Kubernetes spawner: build it from the config; the profile form model for
// the spawn page.
import type { Logger } from 'pino';
import type { Config } from '../../config/index.ts';
import { loadKubeConfig, resolveNamespace } from './client.ts';
import { kubeSettingsFromConfig } from './settings.ts';
import { KubernetesSpawner } from './spawner.ts';

export { KubernetesSpawner, SpawnerClosedError, type KubernetesSpawnerOptions } from './spawner.ts';
export { profileFormModel, ProfileError, type ProfileFormModel } from './profiles.ts';
export { kubeSettingsFromConfig, type KubeSettings } from './settings.ts';

/** spawner.kind: kubernetes. Throws ProfileError for an invalid singleuser.profileList. */
export function createKubernetesSpawner(config: Config, logger: Logger, env: NodeJS.ProcessEnv = process.env): KubernetesSpawner {
  const k = config.spawner.kubernetes;
  const kubeConfig = loadKubeConfig(k.kubeconfig, env);
  return new KubernetesSpawner({
    kubeConfig,
    namespace: resolveNamespace(k.namespace, kubeConfig, env),
    settings: kubeSettingsFromConfig(config),
    logger,
  });
}
