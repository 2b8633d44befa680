import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { describeApiError } from './apiErrors.ts';
import { makeCoreApi } from './client.ts';

function kubeConfigFor(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'secret-token' }],
    contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
    currentContext: 'ctx',
  });
  return kc;
}

test('an API server that accepts a request and never answers: the call fails at the deadline and the connection is dropped', async () => {
  const hanging = new Set<http.IncomingMessage>();
  let closed = 0;
  const server = http.createServer((req) => {
    hanging.add(req);
    req.socket.on('close', () => closed++);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const core = makeCoreApi(kubeConfigFor(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), 200);
    const err = await core.readNamespacedPod({ name: 'jupyter-alice', namespace: 'ns' }).then(
      () => assert.fail('the call succeeded'),
      (e: unknown) => e,
    );
    assert.equal(describeApiError(err), 'the Kubernetes API did not answer in time');
    assert.equal(hanging.size, 1);
    const [req] = hanging;
    assert.equal(req.headers.authorization, 'Bearer secret-token', 'credentials still applied');
    for (let i = 0; i < 100 && closed === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(closed, 1, 'the request was aborted, not left open');
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('answers within the deadline come through as before', async () => {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'jupyter-alice', namespace: 'ns', uid: 'u1' } }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const core = makeCoreApi(kubeConfigFor(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), 5_000);
    const pod = await core.readNamespacedPod({ name: 'jupyter-alice', namespace: 'ns' });
    assert.equal(pod.metadata?.uid, 'u1');
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
