// A fair FIFO gate for concurrent spawns: past `limit`, spawns wait their turn (and can be
// told their place) instead of being refused with 429 as JupyterHub does. With several hub
// replicas, the spawns other replicas run (as last read from the database) take slots too;
// the order is first-come within each replica, not across replicas.

export interface QueueTicket {
  /** Resolves when the spawn may proceed; rejects if cancelled while waiting. */
  readonly granted: Promise<void>;
  /** 1-based place in the queue, 0 once granted. */
  position(): number;
  /** Gives the slot back (or leaves the queue). Idempotent. */
  release(): void;
}

interface Waiter {
  grant: () => void;
  reject: (e: Error) => void;
  onPosition?: (p: number) => void;
}

export class SpawnQueue {
  private running = 0;
  /** Spawns in flight on other hub replicas. */
  private others = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private limit: number) {}

  setLimit(limit: number): void {
    this.limit = limit;
    this.drain();
  }

  /** How many spawns other replicas run now; slots they free go to this replica's queue. */
  setOthersInFlight(n: number): void {
    this.others = Math.max(0, n);
    this.drain();
  }

  private hasSlot(): boolean {
    return this.limit <= 0 || this.running + this.others < this.limit;
  }

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** `onPosition` is called whenever this ticket's place in the queue changes. */
  enter(signal?: AbortSignal, onPosition?: (p: number) => void): QueueTicket {
    let state: 'waiting' | 'granted' | 'done' = 'waiting';
    let waiter: Waiter | undefined;
    const granted = new Promise<void>((resolve, reject) => {
      waiter = {
        grant: () => {
          state = 'granted';
          this.running++;
          resolve();
        },
        reject,
        onPosition,
      };
    });
    granted.catch(() => undefined);
    const w = waiter!;
    if (this.hasSlot() && this.waiting.length === 0) {
      w.grant();
    } else {
      this.waiting.push(w);
      onPosition?.(this.waiting.length);
    }
    const leave = () => {
      if (state === 'granted') {
        state = 'done';
        this.running--;
        this.drain();
      } else if (state === 'waiting') {
        state = 'done';
        const i = this.waiting.indexOf(w);
        if (i >= 0) this.waiting.splice(i, 1);
        w.reject(new Error('left the spawn queue'));
        this.announce(i);
      }
    };
    signal?.addEventListener('abort', leave, { once: true });
    return {
      granted,
      position: () => (state === 'waiting' ? this.waiting.indexOf(w) + 1 : 0),
      release: leave,
    };
  }

  private drain(): void {
    let moved = false;
    while (this.waiting.length > 0 && this.hasSlot()) {
      this.waiting.shift()!.grant();
      moved = true;
    }
    if (moved) this.announce(0);
  }

  private announce(from: number): void {
    for (let i = Math.max(0, from); i < this.waiting.length; i++) this.waiting[i].onPosition?.(i + 1);
  }
}
