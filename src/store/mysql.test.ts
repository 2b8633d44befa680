// Store conformance over a real MariaDB server this test starts (test/support/mariadb.ts).
import { after } from 'node:test';
import { pino } from 'pino';
import { startMariaDb } from '../../test/support/mariadb.ts';
import { openStore } from './index.ts';
import { runStoreConformance } from './store.case.ts';
import type { Store } from './types.ts';

const logger = pino({ level: 'silent' });
const server = await startMariaDb();
after(() => server.stop());

const urls = new WeakMap<Store, string>();
async function openAt(url: string): Promise<Store> {
  const store = await openStore({ type: 'mysql', url, dataDir: '', logger });
  urls.set(store, url);
  return store;
}

runStoreConformance('mysql (MariaDB)', async () => openAt(await server.newDatabase()), undefined, {
  openSame: (store) => openAt(urls.get(store) ?? ''),
  concurrentReplicas: true,
});
