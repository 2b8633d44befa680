// The cross-replica progress scenario (haProgress.ts) on PostgreSQL.
import { progressScenario } from './haProgress.ts';

await progressScenario('postgres');
