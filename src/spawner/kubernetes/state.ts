// The JSON a KubernetesSpawner persists for one server: enough for a restarted hub to find,
// watch and delete its pod. The pod's uid tells this pod apart from a later one of the same name.

export interface KubeServerState {
  namespace: string;
  podName: string;
  podUid: string;
}

export class KubeStateError extends Error {
  readonly code = 'SPAWNER_STATE_INVALID';
}

export function toStateJson(s: KubeServerState): Record<string, unknown> {
  return { namespace: s.namespace, podName: s.podName, podUid: s.podUid };
}

/** Validates state read back from the store (it may come from another nbhub version or spawner). */
export function parseKubeState(state: Record<string, unknown>): KubeServerState {
  const str = (k: string): string => {
    const v = state[k];
    if (typeof v !== 'string' || v === '') throw new KubeStateError(`kubernetes spawner state: field ${k} must be a non-empty string, got ${JSON.stringify(v)}`);
    return v;
  };
  return { namespace: str('namespace'), podName: str('podName'), podUid: str('podUid') };
}
