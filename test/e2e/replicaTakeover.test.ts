// The takeover scenario (haTakeover.ts) on PostgreSQL.
import { takeoverScenario } from './haTakeover.ts';

await takeoverScenario('postgres');
