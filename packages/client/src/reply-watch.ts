import type { Clock } from './clock.ts';

export interface ReplyWatchOptions {
  clock: Clock;
  /** How long a sent mutation may wait for its answer before `overdue` runs; 0: never. */
  afterMs: number;
  overdue: () => void;
}

/**
 * Watches the mutations in flight on the open connection. The server answers a mutation within
 * milliseconds; one that has waited `afterMs` suggests a connection that went silent without
 * closing (a NAT that forgot us, a laptop that slept), which the heartbeat alone would notice
 * only after its interval (docs/client.md, `probeAfterMs`). Then `overdue` runs, and again at
 * most once per `afterMs` while answers stay away (a slow server is asked, not hammered).
 */
export class ReplyWatch {
  readonly #o: ReplyWatchOptions;
  /** sequenceNumber -> when it was sent (or last found overdue). */
  readonly #since = new Map<number, number>();
  #timer: unknown;

  constructor(options: ReplyWatchOptions) {
    this.#o = options;
  }

  /** A mutation left on the open connection. */
  sent(sequenceNumber: number): void {
    if (this.#o.afterMs <= 0 || this.#since.has(sequenceNumber)) return;
    this.#since.set(sequenceNumber, this.#o.clock.now());
    this.#arm();
  }

  /** Its answer came (or it is no longer in flight). */
  answered(sequenceNumber: number): void {
    this.#since.delete(sequenceNumber);
    if (this.#since.size === 0) this.clear();
  }

  /** The connection is gone: nothing is in flight on it any more. */
  clear(): void {
    this.#since.clear();
    this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    if (this.#timer !== undefined || this.#since.size === 0) return;
    const due = Math.min(...this.#since.values()) + this.#o.afterMs;
    this.#timer = this.#o.clock.setTimeout(() => this.#check(), Math.max(0, due - this.#o.clock.now()));
  }

  #check(): void {
    this.#timer = undefined;
    const now = this.#o.clock.now();
    let overdue = false;
    for (const [sequenceNumber, since] of this.#since) {
      if (now - since < this.#o.afterMs) continue;
      overdue = true;
      this.#since.set(sequenceNumber, now);
    }
    if (overdue) this.#o.overdue();
    this.#arm();
  }
}
