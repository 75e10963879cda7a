import type { Clock } from './clock.ts';

export interface LivenessOptions {
  clock: Clock;
  intervalMs: number;
  timeoutMs: number;
  /** How long a PING sent by `probe` may go unanswered. */
  probeTimeoutMs: number;
  /** Whether the open transport needs watching (WebSocket; HTTP watches its own stream). */
  watched: () => boolean;
  ping: () => void;
  /** The socket is taken for dead; `reason` says why, for the log and the close. */
  dead: (reason: string) => void;
}

/**
 * Notices a half-open WebSocket (a laptop that slept, a NAT that forgot us): after `intervalMs`
 * without a frame it sends a PING, and `timeoutMs` later, still without one, it gives up on the
 * socket so the client reconnects. `probe` asks at once, when something sent waits too long for
 * its answer: then only a PONG within `probeTimeoutMs` keeps the socket.
 */
export class Liveness {
  readonly #o: LivenessOptions;
  #lastFrameAt = 0;
  #pinged = false;
  #timer: unknown;
  #probeTimer: unknown;

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

  /**
   * `cause` (e.g. a change unanswered) makes the socket suspect: PING now, whatever the heartbeat's
   * schedule. Only a PONG answers it: frames from the server show that it can reach us, not that
   * what we send reaches it.
   */
  probe(cause: string): void {
    if (this.#probeTimer !== undefined || !this.#o.watched()) return;
    this.#o.ping();
    const { probeTimeoutMs } = this.#o;
    this.#probeTimer = this.#o.clock.setTimeout(() => {
      this.#probeTimer = undefined;
      this.#o.dead(`${cause}, and a PING went unanswered for ${probeTimeoutMs} ms`);
    }, probeTimeoutMs);
  }

  /** A PONG from the server. */
  ponged(): void {
    this.#o.clock.clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
  }

  stop(): void {
    this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.ponged();
  }

  #arm(ms: number): void {
    this.#o.clock.clearTimeout(this.#timer);
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
      this.#o.dead(`the connection was silent for ${silent} ms, a PING included`);
    } else {
      this.#arm(intervalMs + timeoutMs - silent);
    }
  }
}
