export interface BackoffOptions {
  /** First delay's ceiling in ms (default 1000). */
  baseMs?: number;
  /** Growth of the ceiling per attempt (default 1.5, the plan's multiplier). */
  factor?: number;
  /** Largest ceiling in ms (default 30000). */
  maxMs?: number;
  /** Attempts before giving up; unset: never give up. */
  maxAttempts?: number;
  /** A number in [0, 1); injectable so tests get exact delays. */
  random?: () => number;
}

/**
 * Exponential backoff with full jitter: attempt n waits a uniformly random time in
 * [0, min(maxMs, baseMs * factor^n)). Full jitter spreads a crowd of clients that lost the same
 * server, so they do not all come back in the same millisecond.
 */
export class Backoff {
  readonly #baseMs: number;
  readonly #factor: number;
  readonly #maxMs: number;
  readonly #maxAttempts: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.#baseMs = options.baseMs ?? 1000;
    this.#factor = options.factor ?? 1.5;
    this.#maxMs = options.maxMs ?? 30_000;
    this.#maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
    this.#random = options.random ?? Math.random;
  }

  /** Attempts made since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The delay before the next attempt, or undefined once `maxAttempts` are used up. */
  next(): number | undefined {
    if (this.#attempt >= this.#maxAttempts) return undefined;
    const ceiling = Math.min(this.#maxMs, this.#baseMs * this.#factor ** this.#attempt);
    this.#attempt++;
    return Math.floor(this.#random() * ceiling);
  }

  /** Start again from the base delay (after a connection succeeded). */
  reset(): void {
    this.#attempt = 0;
  }
}
