// Several `nbhub start` hub replicas on one database, for the HA tests (issue 13): each with
// its own hub port, data directory and embedded proxy, and a replica id; user servers reach
// "the hub" through a TCP forwarder that stands in for the Kubernetes Service in front of the
// hub pods (it connects to the first replica that accepts). Stops only what it started.
import net from 'node:net';
import { pino } from 'pino';
import { openStore, type Store } from '../../src/store/index.ts';
import { startMariaDb } from './mariadb.ts';
import { startPostgres } from './postgres.ts';
import { e2eConfig } from './e2eConfig.ts';
import { freePort, startNbhub, type NbhubProcess } from './nbhubProcess.ts';

export interface HubReplicas {
  serviceToken: string;
  /** Starts (or restarts) the replica with this id; `extraYaml` is appended to its config (top-level keys). */
  start(id: string, extraYaml?: string[]): Promise<NbhubProcess>;
  stop(): Promise<void>;
}

export async function hubReplicas(o: { ids: string[]; dbYaml: string[]; heartbeatMs: number; hubYaml?: string[] }): Promise<HubReplicas> {
  const ports = new Map<string, number>();
  for (const id of o.ids) ports.set(id, await freePort());
  const service = net.createServer((client) => {
    client.pause();
    const tryPort = (left: number[]) => {
      const [port, ...rest] = left;
      if (port === undefined) return client.destroy();
      let connected = false;
      const upstream = net.connect(port, '127.0.0.1');
      upstream.on('error', () => (connected ? client.destroy() : tryPort(rest)));
      upstream.once('connect', () => {
        connected = true;
        client.pipe(upstream).pipe(client);
        client.on('error', () => upstream.destroy());
      });
    };
    tryPort([...ports.values()]);
  });
  await new Promise<void>((r) => service.listen(0, '127.0.0.1', r));
  const servicePort = (service.address() as net.AddressInfo).port;
  const serviceToken = e2eConfig().serviceToken;
  const started: NbhubProcess[] = [];
  return {
    serviceToken,
    async start(id, extraYaml = []) {
      const hub = [...o.dbYaml, ...(o.hubYaml ?? []), `port: ${ports.get(id)}`, `connectUrl: http://127.0.0.1:${servicePort}`];
      const configYaml = e2eConfig({ hub }).yaml.replace(/apiToken: \w+/, `apiToken: ${serviceToken}`) + extraYaml.map((l) => `${l}\n`).join('');
      const h = await startNbhub({
        configYaml,
        name: id,
        env: { NBHUB_REPLICA_ID: id, NBHUB_REPLICA_HEARTBEAT_MS: String(o.heartbeatMs) },
      });
      started.push(h);
      return h;
    },
    async stop() {
      for (const h of started) await h.stop().catch(() => undefined);
      await new Promise<void>((r) => service.close(() => r()));
    },
  };
}

/** Polls `check` every 50 ms until it returns a value; throws naming `what` after `timeoutMs`. */
export async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A real database server of this kind with one empty database, and a Store on it for the test to inspect. */
export interface SharedDatabase {
  dbYaml: string[];
  store: Store;
  stop(): Promise<void>;
}

export async function sharedDatabase(kind: 'postgres' | 'mysql'): Promise<SharedDatabase> {
  const server = kind === 'postgres' ? await startPostgres() : await startMariaDb();
  const url = await server.newDatabase();
  const store = await openStore({ type: kind, url, dataDir: '', logger: pino({ level: 'silent' }) });
  return {
    dbYaml: ['db:', `  type: ${kind}`, `  url: "${url}"`],
    store,
    async stop() {
      await store.close();
      await server.stop();
    },
  };
}
