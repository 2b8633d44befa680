// Store conformance over SQLite: in memory, and a file in a temporary data directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { pino } from 'pino';
import { openStore } from './index.ts';
import { runStoreConformance } from './store.case.ts';
import type { Store } from './types.ts';

const logger = pino({ level: 'silent' });
const root = mkdtempSync(join(tmpdir(), 'nbhub-store-sqlite-'));
after(() => rmSync(root, { recursive: true, force: true }));

runStoreConformance('sqlite-memory', () => openStore({ type: 'sqlite-memory', dataDir: root, logger }));

const dataDirs = new WeakMap<Store, string>();
async function openFile(dataDir: string): Promise<Store> {
  const store = await openStore({ type: 'sqlite-pvc', dataDir, logger });
  dataDirs.set(store, dataDir);
  return store;
}

runStoreConformance('sqlite-pvc (file)', () => openFile(mkdtempSync(join(root, 'db-'))), undefined, {
  openSame: (store) => openFile(dataDirs.get(store) ?? ''),
});
