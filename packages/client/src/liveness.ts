import type { Clock } from './clock.ts';

export interface LivenessOptions {
  clock: Clock;
  intervalMs: number;
  timeoutMs: number;
  /** Whether the open transport needs watching (WebSocket; HTTP watches its own stream). */
  watched: () => boolean;
  ping: () => void;
  dead: () => void;
}

/**
 * Notices a half-open WebSocket (a laptop that slept, a NAT that forgot us): after `intervalMs`
 * without a frame it sends a PING, and `timeoutMs` later, still without one, it gives up on the
 * socket so the client reconnects.
 */
export class Liveness {
  readonly #o: LivenessOptions;
  #lastFrameAt = 0;
  #pinged = false;
  #timer: unknown;

  constructor(options: LivenessOptions) {
    this.#o = options;
  }

  /** A transport opened: start watching. */
  start(): void {
    this.heard();
    this.#arm(this.#o.intervalMs);
  }

  /** Any frame from the server. */
  heard(): void {
    this.#lastFrameAt = this.#o.clock.now();
    this.#pinged = false;
  }

  stop(): void {
    this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    this.stop();
    this.#timer = this.#o.clock.setTimeout(() => this.#check(), Math.max(50, ms));
  }

  #check(): void {
    this.#timer = undefined;
    const silent = this.#o.clock.now() - this.#lastFrameAt;
    const { intervalMs, timeoutMs } = this.#o;
    if (!this.#o.watched() || silent < intervalMs) {
      this.#arm(intervalMs - silent);
    } else if (!this.#pinged) {
      this.#pinged = true;
      this.#o.ping();
      this.#arm(timeoutMs);
    } else if (silent >= intervalMs + timeoutMs) {
      this.#o.dead();
    } else {
      this.#arm(intervalMs + timeoutMs - silent);
    }
  }
}
