// The cross-replica progress scenario (haProgress.ts) on MariaDB.
import { progressScenario } from './haProgress.ts';

await progressScenario('mysql');
