// Progress of one spawn, as the event stream of protocol.md §6.5 sends it.

export interface ProgressMessage {
  progress: number;
  message: string;
  html_message?: string;
  ready?: boolean;
  failed?: boolean;
  url?: string;
  /** nbhub extras: place in the spawn queue, exit code and output tail of a failed start. */
  queue_position?: number;
  exit_code?: number | null;
  log_tail?: string[];
}

type Listener = (m: ProgressMessage) => void;

/** Events of one spawn attempt: replayed to late subscribers, closed by a final event. */
export class ProgressLog {
  private readonly events: ProgressMessage[] = [];
  private readonly listeners = new Set<Listener>();
  private finished = false;

  /** `sink` also gets every event (the hub writes them to the database for other replicas). */
  constructor(private readonly sink?: Listener) {}

  push(m: ProgressMessage): void {
    if (this.finished) return;
    this.events.push(m);
    this.sink?.(m);
    if (m.ready || m.failed) this.finished = true;
    for (const l of this.listeners) l(m);
    if (this.finished) this.listeners.clear();
  }

  get done(): boolean {
    return this.finished;
  }

  get last(): ProgressMessage | undefined {
    return this.events[this.events.length - 1];
  }

  /** Replays what happened so far, then follows. Returns an unsubscribe function. */
  subscribe(l: Listener): () => void {
    for (const m of this.events) l(m);
    if (this.finished) return () => undefined;
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
