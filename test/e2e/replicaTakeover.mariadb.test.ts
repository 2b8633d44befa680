// The takeover scenario (haTakeover.ts) on MariaDB.
import { takeoverScenario } from './haTakeover.ts';

await takeoverScenario('mysql');
