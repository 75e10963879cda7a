/**
 * The timing of the server's own reconnects (the LISTEN connection, the change feed's catch-up
 * polls), behind an injectable clock so that the schedule is unit-tested in milliseconds.
 */

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Real time; timers never keep the process alive on their own. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface BackoffOptions {
  /** The delay ceiling of the first retry. */
  baseMs: number;
  /** No delay is longer than this, however many attempts failed. */
  capMs: number;
  /** [0, 1); Math.random by default. */
  random?: () => number;
}

/** Fast, capped at one second: a database back after a restart is followed within about a second. */
export const LISTEN_BACKOFF: BackoffOptions = { baseMs: 50, capMs: 1000 };

/**
 * The wait before retry number `attempt` (0 for the first retry): the ceiling doubles from
 * `baseMs` up to `capMs`, and the wait is drawn from its upper half ("equal jitter"), so replicas
 * that lost the database together do not knock on it together, yet none waits much less than
 * the schedule says.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(attempt, 30));
  const random = options.random ?? Math.random;
  return ceiling / 2 + (random() * ceiling) / 2;
}

export interface ReconnectorEvents {
  /** Each attempt: resolve when connected, reject when it failed. */
  connect: () => Promise<void>;
  /** After a successful attempt, with how many failed before it. */
  onConnected: (failedAttempts: number) => void;
  /** After a failed attempt, with the error and the wait before the next one. */
  onFailed?: (error: unknown, retryInMs: number) => void;
}

/**
 * Runs `connect` until it succeeds, waiting `backoffDelay` between attempts. One attempt at a
 * time; `lost()` starts a new round after a connection dropped. Independent of any pool's retry
 * count: its schedule depends only on its own attempts.
 */
export class Reconnector {
  readonly #events: ReconnectorEvents;
  readonly #backoff: BackoffOptions;
  readonly #clock: Clock;
  #state: 'idle' | 'waiting' | 'connecting' | 'connected' | 'stopped' = 'idle';
  #failures = 0;
  #timer: unknown;

  constructor(events: ReconnectorEvents, backoff: BackoffOptions = LISTEN_BACKOFF, clock: Clock = systemClock) {
    this.#events = events;
    this.#backoff = backoff;
    this.#clock = clock;
  }

  get state(): 'idle' | 'waiting' | 'connecting' | 'connected' | 'stopped' {
    return this.#state;
  }

  /** The connection dropped: try again after the first delay of the schedule. */
  lost(): void {
    if (this.#state !== 'connected' && this.#state !== 'idle') return;
    this.#failures = 0;
    this.#wait(backoffDelay(0, this.#backoff));
  }

  stop(): void {
    this.#state = 'stopped';
    this.#clock.clearTimeout(this.#timer);
  }

  #wait(ms: number): void {
    this.#state = 'waiting';
    this.#timer = this.#clock.setTimeout(() => this.#attempt(), ms);
  }

  #attempt(): void {
    if (this.#state !== 'waiting') return;
    this.#state = 'connecting';
    this.#events.connect().then(
      () => {
        if (this.#state !== 'connecting') return;
        this.#state = 'connected';
        const failed = this.#failures;
        this.#failures = 0;
        this.#events.onConnected(failed);
      },
      (error: unknown) => {
        if (this.#state !== 'connecting') return;
        const delay = backoffDelay(++this.#failures, this.#backoff);
        this.#events.onFailed?.(error, delay);
        this.#wait(delay);
      },
    );
  }
}
