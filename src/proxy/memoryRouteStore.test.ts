import { MemoryRouteStore } from './memoryRouteStore.ts';
import { runRouteStoreConformance } from './routestore.case.ts';

runRouteStoreConformance('MemoryRouteStore', async () => ({ store: new MemoryRouteStore() }));
