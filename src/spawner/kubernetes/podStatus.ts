// Pure reading of a user pod's status and events: is it running, still starting, never going
// to start (and why), or has its server exited? Used by start (fail fast), poll and waitForExit.
import type { CoreV1Event, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { NOTEBOOK_CONTAINER } from './objects.ts';

export type PodView =
  | { kind: 'pending'; detail: string | null }
  | { kind: 'running'; podIP: string }
  | { kind: 'failed'; reason: string; message: string }
  | { kind: 'exited'; exitCode: number | null; message: string }
  | { kind: 'deleting' };

/**
 * Container waiting reasons after which the kubelet will not get the server running by
 * itself: the spawn fails at once with the reason instead of waiting for the start timeout.
 * ErrImagePull is not here: the kubelet retries, and reports ImagePullBackOff right after.
 */
const HOPELESS_WAITING = new Set([
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'CrashLoopBackOff',
  'RunContainerError',
  'PreCreateHookError',
  'PreStartHookError',
]);

export interface ClassifyOptions {
  /** Fail when the scheduler finds no node (spawner.kubernetes.failOnUnschedulable). */
  failOnUnschedulable: boolean;
  /** The pod's events (a cluster autoscaler's TriggeredScaleUp keeps an unschedulable pod waiting). */
  events: readonly CoreV1Event[];
}

export function classifyPod(pod: V1Pod, o: ClassifyOptions): PodView {
  if (pod.metadata?.deletionTimestamp) return { kind: 'deleting' };
  const status = pod.status ?? {};
  const containers = status.containerStatuses ?? [];
  const notebook = containers.find((c) => c.name === NOTEBOOK_CONTAINER);
  const terminated = notebook?.state?.terminated;
  if (terminated) return { kind: 'exited', exitCode: terminated.exitCode ?? null, message: exitMessage(terminated.exitCode, terminated.reason, terminated.message) };
  if (status.phase === 'Succeeded' || status.phase === 'Failed') {
    const why = [status.reason, status.message].filter(Boolean).join(': ');
    return { kind: 'exited', exitCode: null, message: why ? `The pod stopped (${why})` : `The pod stopped (${status.phase})` };
  }
  for (const c of status.initContainerStatuses ?? []) {
    const t = c.state?.terminated;
    if (t && t.exitCode !== 0) return { kind: 'failed', reason: 'InitContainerFailed', message: `Init container ${c.name} failed with exit code ${t.exitCode}${t.message ? `: ${t.message}` : ''}` };
    const hopeless = hopelessWaiting(c);
    if (hopeless) return { ...hopeless, message: `Init container ${c.name}: ${hopeless.message}` };
  }
  for (const c of containers) {
    const hopeless = hopelessWaiting(c);
    if (hopeless) return hopeless;
  }
  const scheduled = status.conditions?.find((c) => c.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable' && o.failOnUnschedulable && !scaleUpTriggered(o.events) && !waitsForVolume(scheduled.message)) {
    return { kind: 'failed', reason: 'Unschedulable', message: `Unschedulable: ${scheduled.message ?? 'no node can run the pod'}` };
  }
  const ready = status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  if (status.phase === 'Running' && ready && status.podIP) return { kind: 'running', podIP: status.podIP };
  const waiting = containers.map((c) => c.state?.waiting).find((w) => w?.reason);
  if (waiting) return { kind: 'pending', detail: [waiting.reason, waiting.message].filter(Boolean).join(': ') };
  if (scheduled?.status === 'False') return { kind: 'pending', detail: `Waiting for a node: ${scheduled.message ?? scheduled.reason ?? 'not scheduled yet'}` };
  return { kind: 'pending', detail: null };
}

function hopelessWaiting(c: V1ContainerStatus): { kind: 'failed'; reason: string; message: string } | null {
  const w = c.state?.waiting;
  if (!w?.reason || !HOPELESS_WAITING.has(w.reason)) return null;
  return { kind: 'failed', reason: w.reason, message: w.message ? `${w.reason}: ${w.message}` : w.reason };
}

function exitMessage(code: number | undefined, reason: string | undefined, message: string | undefined): string {
  const head = code === undefined ? 'Server exited' : `Server exited with code ${code}`;
  const detail = [reason && reason !== 'Error' && reason !== 'Completed' ? reason : '', message?.trim() ?? ''].filter(Boolean).join(': ');
  return detail ? `${head} (${detail})` : head;
}

/** The scheduler retries by itself once the claim is bound (a new PVC, a provisioner at work). */
function waitsForVolume(message: string | undefined): boolean {
  return /PersistentVolumeClaim|volume binding|bind volumes|persistentvolumeclaim/i.test(message ?? '');
}

function scaleUpTriggered(events: readonly CoreV1Event[]): boolean {
  return events.some((e) => e.reason === 'TriggeredScaleUp');
}

export function eventTime(e: CoreV1Event): number {
  const t = e.eventTime ?? e.lastTimestamp ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  return t ? new Date(t as unknown as string).getTime() : 0;
}

/** One line for the spawn page and log tails, e.g. `[Warning] FailedScheduling: 0/3 nodes are available: …`. */
export function eventLine(e: CoreV1Event): string {
  const text = `${e.reason ?? 'Event'}: ${(e.message ?? '').trim()}`;
  return e.type === 'Warning' ? `[Warning] ${text}` : text;
}
