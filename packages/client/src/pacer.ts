import type { Clock } from './clock.ts';

export interface PacerOptions {
  /** Messages per second, sustained (default 80: under the server's default RATE_LIMIT_PER_SECOND of 100). */
  perSecond?: number;
  /** Messages at once (default 150: under the server's default RATE_LIMIT_BURST of 200). */
  burst?: number;
}

/**
 * The client's own token bucket, kept under the server's rate limit, so that replaying a long
 * outbox after a reconnect is not answered with RATE_LIMITED (which would cost a retry and could
 * let a later mutation overtake an earlier one).
 */
export class Pacer {
  readonly #perSecond: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #at: number;

  constructor(clock: Clock, options: PacerOptions = {}) {
    this.#clock = clock;
    this.#perSecond = options.perSecond ?? 80;
    this.#burst = options.burst ?? 150;
    this.#tokens = this.#burst;
    this.#at = clock.now();
  }

  /** Take a token; false when none is left (see {@link waitMs}). */
  take(): boolean {
    const now = this.#clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#at) / 1000) * this.#perSecond);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** How long until the next token. */
  waitMs(): number {
    return Math.max(1, Math.ceil(((1 - this.#tokens) / this.#perSecond) * 1000));
  }
}
