import { TokenBucket } from './token-bucket.ts';

/** Buckets unused this long are dropped; a fresh one starts full, which is what an idle key had. */
const IDLE_MS = 60_000;
/** A bound on remembered keys, so that many distinct clients cannot grow the map without limit. */
const MAX_KEYS = 100_000;

/**
 * Per-key token buckets for HTTP requests (a WebSocket has one bucket per connection; an HTTP
 * client is known by its clientId or address instead).
 */
export class RequestBuckets {
  readonly #perSecond: number;
  readonly #burst: number;
  readonly #buckets = new Map<string, { bucket: TokenBucket; usedAt: number }>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(perSecond: number, burst: number) {
    this.#perSecond = perSecond;
    this.#burst = burst;
    this.#sweeper = setInterval(() => this.#sweep(), IDLE_MS);
    this.#sweeper.unref();
  }

  /** Take one token for `key`; false when it has none left. */
  take(key: string): boolean {
    let entry = this.#buckets.get(key);
    if (!entry) {
      if (this.#buckets.size >= MAX_KEYS) this.#sweep();
      if (this.#buckets.size >= MAX_KEYS) return false;
      entry = { bucket: new TokenBucket(this.#perSecond, this.#burst), usedAt: 0 };
      this.#buckets.set(key, entry);
    }
    entry.usedAt = Date.now();
    return entry.bucket.take();
  }

  stop(): void {
    clearInterval(this.#sweeper);
  }

  #sweep(): void {
    const stale = Date.now() - IDLE_MS;
    for (const [key, entry] of this.#buckets) if (entry.usedAt < stale) this.#buckets.delete(key);
  }
}
