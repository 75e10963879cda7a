/**
 * Times an applied mutation from the moment its message arrived to the moment its change event
 * was handed to every subscriber (websocket_message_duration_seconds). The dispatcher starts a
 * timing, the fan-out finishes it; neither knows the other.
 */
export class MutationTimer {
  readonly #started = new Map<string, { at: number; type: string }>();
  readonly #observe: (type: string, seconds: number) => void;
  readonly #now: () => number;
  /** Timings older than this are forgotten (their change never came: another replica, a failure). */
  readonly #maxAgeMs: number;

  constructor(observe: (type: string, seconds: number) => void, now: () => number = () => performance.now(), maxAgeMs = 30_000) {
    this.#observe = observe;
    this.#now = now;
    this.#maxAgeMs = maxAgeMs;
  }

  static key(restaurantId: string, clientId: string, sequenceNumber: number): string {
    return `${restaurantId}|${clientId}|${sequenceNumber}`;
  }

  get size(): number {
    return this.#started.size;
  }

  start(key: string, type: string, at: number): void {
    if (this.#started.size >= 1000) this.#forgetOld();
    this.#started.set(key, { at, type });
  }

  /** Observe the time since `start`; nothing when the key was not started (or already finished). */
  finish(key: string): void {
    const entry = this.#started.get(key);
    if (!entry) return;
    this.#started.delete(key);
    this.#observe(entry.type, (this.#now() - entry.at) / 1000);
  }

  #forgetOld(): void {
    const cutoff = this.#now() - this.#maxAgeMs;
    for (const [key, entry] of this.#started) if (entry.at < cutoff) this.#started.delete(key);
  }
}
