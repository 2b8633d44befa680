// Stopping a server another hub replica started (issue 13): this replica takes the stop over
// through the database (request-stop claims the server, so the owner's own transitions are
// refused from then on and it lets go), stops the process through the spawner's persisted
// state, removes the route and the server's credentials, and records the server stopped.
import type { Logger } from 'pino';
import type { Store } from '../store/types.ts';
import type { Spawner } from '../spawner/types.ts';
import type { ProxyClient } from '../proxy/types.ts';
import { routeSpec } from '../domain/names.ts';

export interface RemoteStopDeps {
  store: Store;
  spawner: Spawner;
  proxy: ProxyClient;
  logger: Logger;
  now: () => Date;
  baseUrl: string;
  stopGraceMs: number;
  replicaId: string;
  leaseUntil: () => Date;
  revoke: (userName: string, serverName: string) => Promise<void>;
}

/** false when there was nothing to stop (not active, or another stop already under way). */
export async function stopForAnotherReplica(d: RemoteStopDeps, userName: string, serverName: string): Promise<boolean> {
  const rec = await d.store.getServer(userName, serverName);
  if (!rec) return false;
  const asked = await d.store.transitionServer(rec.id, {
    event: { type: 'request-stop' },
    now: d.now(),
    claim: { owner: d.replicaId, expires: d.leaseUntil() },
  });
  if (!asked.ok) return false;
  const log = d.logger.child({ user: userName, server: serverName });
  log.info({ from: asked.from.phase, owner: rec.claim?.owner }, 'stopping a server another replica started');
  if (asked.server.lifecycle.phase === 'stopped') return true; // it was only queued
  const state = asked.server.spawnerState;
  if (Object.keys(state).length > 0) {
    await d.spawner.stop(state, { graceMs: d.stopGraceMs }).catch((err) => log.warn({ err }, 'could not stop the server process'));
  }
  await d.proxy.deleteRoute(routeSpec(d.baseUrl, userName, serverName)).catch(() => undefined);
  await d.revoke(userName, serverName);
  const done = await d.store.transitionServer(rec.id, {
    event: { type: 'stopped' },
    now: d.now(),
    asOwner: d.replicaId,
    claim: null,
    patch: { target: null, spawnerState: {}, lastFailure: null },
  });
  if (!done.ok) log.warn({ code: done.error.code }, `could not record the stop: ${done.error.message}`);
  return true;
}
