// Result shapes of the hub benchmark's measurements (one per hub), as the report reads them.
import type { WrkResult } from '../lib/wrk.ts';

export interface LoadSettings {
  durationS: number;
  warmupS: number;
  connections: number;
  threads: number;
  workDir: string;
}

/** One wrk run against one hub. */
export interface LoadMeasurement {
  via: string;
  result: WrkResult;
  /** Statuses that count as success. */
  expected: number[];
  /** Responses with any other status, plus socket errors and timeouts. */
  errors: number;
  notes: string[];
}

export interface CreateUsersMeasurement {
  count: number;
  wallMs: number;
  /** Anything odd right after the call (e.g. the next request through the proxy hung). */
  notes: string[];
}

export interface SpawnSample {
  user: string;
  /** POST …/server until the hub said ready (201, or the progress stream's ready event). */
  readyMs: number;
  /** The status POST …/server answered (201 ready, 202 pending). */
  postStatus: number;
  /** GET /user/<name>/api through the public proxy right after ready. */
  proxiedStatus: number | string;
  stopMs: number;
  /** The same spawn seen from outside (serverWatch.ts), or why it could not be. */
  timeline: SpawnTimeline | string;
}

export interface SpawnTimeline {
  /** POST sent → the server process started (hub work before the process: 10 ms resolution). */
  beforeStartMs: number;
  /** Process started → it first answered HTTP (this server's own start-up). */
  serverMs: number;
  /** Server first answered → the hub said ready (readiness polling, route, response). */
  afterAnswerMs: number;
  /** spawn→ready − this server's own start-up = beforeStartMs + afterAnswerMs. */
  overheadMs: number;
}

export interface SpawnMeasurement {
  samples: SpawnSample[];
  medianMs: number;
  minMs: number;
  /** The same server started without a hub, interleaved with the spawns (same time window). */
  alone: {
    samplesMs: number[];
    medianMs: number;
    minMs: number;
    command: string;
    /** Requests the stub hub saw, by method and path, e.g. "GET /hub/api": 5. */
    stubRequests: Record<string, number>;
    firstStatus: number;
  };
  /** median(spawn→ready) − median(server alone). */
  overheadMs: number;
  /** min(spawn→ready) − min(server alone). */
  overheadMinMs: number;
  /** Median of the per-pair differences (spawn i − alone i). */
  overheadPairedMs: number;
  /** Medians over the spawns whose timeline was seen (null when none was). */
  direct: { samples: number; beforeStartMs: number; serverMs: number; afterAnswerMs: number; overheadMs: number; maxOverheadMs: number } | null;
}

/** A measurement's value, or why there is none. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

export interface HubResults {
  label: string;
  spawnSetup: string;
  components: string;
  apiViaProxy: Outcome<LoadMeasurement>;
  apiDirect: Outcome<LoadMeasurement>;
  login: Outcome<LoadMeasurement>;
  createUsers: Outcome<CreateUsersMeasurement>;
  spawn: Outcome<SpawnMeasurement>;
  /** Error-level lines in the hub's log after the run (count and the first few). */
  logErrors: { count: number; first: string[] };
  /** The machine's 1/5/15-minute load averages when this hub's measurements began. */
  loadAverage: string;
  /** Set when the hub stopped working (exited) during the run. */
  failure: string | null;
}
