// Store conformance over a real PostgreSQL server this test starts (test/support/postgres.ts).
import { after } from 'node:test';
import { pino } from 'pino';
import { startPostgres } from '../../test/support/postgres.ts';
import { openStore } from './index.ts';
import { runStoreConformance } from './store.case.ts';
import type { Store } from './types.ts';

const logger = pino({ level: 'silent' });
const server = await startPostgres();
after(() => server.stop());

const urls = new WeakMap<Store, string>();
async function openAt(url: string): Promise<Store> {
  const store = await openStore({ type: 'postgres', url, dataDir: '', logger });
  urls.set(store, url);
  return store;
}

runStoreConformance('postgres', async () => openAt(await server.newDatabase()), undefined, {
  openSame: (store) => openAt(urls.get(store) ?? ''),
  concurrentReplicas: true,
});
