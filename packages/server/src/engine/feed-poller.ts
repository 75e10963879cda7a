import type { Clock } from '../storage/reconnect.ts';

export interface FeedPollerOptions {
  intervalMs: number;
  clock: Clock;
  /** One poll; rejects when the database could not be read. */
  poll: () => Promise<void>;
  /** The first failure of a streak (one log line per outage, not one per poll). */
  onFailing?: (error: unknown) => void;
}

/**
 * The change feed's poll loop while LISTEN is down: one poll at a time, `intervalMs` from the end
 * of one to the start of the next, first one at once. `healthy` says whether polls succeed, so
 * that /ready can tell a feed that follows by polling from one that cannot follow at all.
 */
export class FeedPoller {
  readonly #options: FeedPollerOptions;
  #running = false;
  #timer: unknown;
  #lastOkAt: number | undefined;
  #failing = false;
  /** Counts start() calls, so that a poll of an earlier round does not schedule the next one. */
  #round = 0;

  constructor(options: FeedPollerOptions) {
    this.#options = options;
  }

  /** A poll succeeded recently (within four intervals, and at least a second). */
  get healthy(): boolean {
    if (!this.#running || this.#lastOkAt === undefined) return false;
    const window = Math.max(1000, 4 * this.#options.intervalMs);
    return this.#options.clock.now() - this.#lastOkAt <= window;
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#lastOkAt = undefined;
    this.#failing = false;
    const round = ++this.#round;
    this.#timer = this.#options.clock.setTimeout(() => this.#tick(round), 0);
  }

  stop(): void {
    this.#running = false;
    this.#options.clock.clearTimeout(this.#timer);
  }

  async #tick(round: number): Promise<void> {
    if (!this.#running || round !== this.#round) return;
    try {
      await this.#options.poll();
      this.#lastOkAt = this.#options.clock.now();
      this.#failing = false;
    } catch (error) {
      if (!this.#failing) this.#options.onFailing?.(error);
      this.#failing = true;
    }
    if (!this.#running || round !== this.#round) return;
    this.#timer = this.#options.clock.setTimeout(() => this.#tick(round), this.#options.intervalMs);
  }
}
