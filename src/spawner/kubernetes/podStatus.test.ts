import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CoreV1Event, V1Pod, V1PodStatus } from '@kubernetes/client-node';
import { classifyPod, eventLine } from './podStatus.ts';

const pod = (status: V1PodStatus, deleting = false): V1Pod => ({
  metadata: { name: 'jupyter-alice', uid: 'u1', ...(deleting ? { deletionTimestamp: new Date() } : {}) },
  status,
});
const opts = { failOnUnschedulable: true, events: [] as CoreV1Event[] };
const ready = [{ type: 'Ready', status: 'True' }];

describe('classifyPod', () => {
  it('running needs phase Running, Ready and a pod IP', () => {
    assert.deepEqual(classifyPod(pod({ phase: 'Running', podIP: '10.0.0.7', conditions: ready }), opts), { kind: 'running', podIP: '10.0.0.7' });
    assert.equal(classifyPod(pod({ phase: 'Running', conditions: ready }), opts).kind, 'pending');
    assert.equal(classifyPod(pod({ phase: 'Pending' }), opts).kind, 'pending');
  });

  it('ImagePullBackOff fails at once with the reason; ErrImagePull is still pending, with its message', () => {
    const waiting = (reason: string, message: string): V1PodStatus => ({
      phase: 'Pending',
      containerStatuses: [{ name: 'notebook', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason, message } } }],
    });
    assert.deepEqual(classifyPod(pod(waiting('ImagePullBackOff', 'Back-off pulling image "nbhub.test/does-not-exist:v1"')), opts), {
      kind: 'failed',
      reason: 'ImagePullBackOff',
      message: 'ImagePullBackOff: Back-off pulling image "nbhub.test/does-not-exist:v1"',
    });
    assert.deepEqual(classifyPod(pod(waiting('ErrImagePull', 'not found')), opts), { kind: 'pending', detail: 'ErrImagePull: not found' });
    assert.equal(classifyPod(pod(waiting('CreateContainerConfigError', 'secret "db" not found')), opts).kind, 'failed');
  });

  it('unschedulable fails with the scheduler’s message, unless configured to wait or an autoscaler is adding a node', () => {
    const status: V1PodStatus = {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient memory.' }],
    };
    assert.deepEqual(classifyPod(pod(status), opts), { kind: 'failed', reason: 'Unschedulable', message: 'Unschedulable: 0/3 nodes are available: 3 Insufficient memory.' });
    assert.deepEqual(classifyPod(pod(status), { ...opts, failOnUnschedulable: false }), {
      kind: 'pending',
      detail: 'Waiting for a node: 0/3 nodes are available: 3 Insufficient memory.',
    });
    const binding: V1PodStatus = {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims.' }],
    };
    assert.equal(classifyPod(pod(binding), opts).kind, 'pending', 'a claim being bound is worth waiting for');
    const scaleUp = { reason: 'TriggeredScaleUp', involvedObject: {}, metadata: {} } as CoreV1Event;
    assert.equal(classifyPod(pod(status), { ...opts, events: [scaleUp] }).kind, 'pending');
  });

  it('a terminated notebook container is an exit with its code and reason', () => {
    const term = (exitCode: number, reason: string, message?: string): V1PodStatus => ({
      phase: 'Failed',
      containerStatuses: [{ name: 'notebook', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode, reason, message } } }],
    });
    assert.deepEqual(classifyPod(pod(term(3, 'Error')), opts), { kind: 'exited', exitCode: 3, message: 'Server exited with code 3' });
    assert.deepEqual(classifyPod(pod(term(137, 'OOMKilled')), opts), { kind: 'exited', exitCode: 137, message: 'Server exited with code 137 (OOMKilled)' });
    assert.equal(classifyPod(pod({ phase: 'Failed', reason: 'Evicted', message: 'low on memory' }), opts).kind, 'exited');
  });

  it('a failed init container fails the start; a pod being deleted is not running', () => {
    const init: V1PodStatus = {
      phase: 'Pending',
      initContainerStatuses: [{ name: 'block-cloud-metadata', image: 'x', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 2 } } }],
    };
    assert.equal(classifyPod(pod(init), opts).kind, 'failed');
    assert.deepEqual(classifyPod(pod({ phase: 'Running', podIP: '1.2.3.4', conditions: ready }, true), opts), { kind: 'deleting' });
  });

  it('event lines mark warnings', () => {
    assert.equal(eventLine({ type: 'Warning', reason: 'FailedScheduling', message: '0/1 nodes are available', involvedObject: {}, metadata: {} }), '[Warning] FailedScheduling: 0/1 nodes are available');
    assert.equal(eventLine({ type: 'Normal', reason: 'Pulling', message: 'Pulling image "x"', involvedObject: {}, metadata: {} }), 'Pulling: Pulling image "x"');
  });
});
