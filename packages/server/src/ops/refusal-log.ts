import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';

/** The limits that answer RATE_LIMITED (docs/operations.md, "Limits that refuse load"). */
export type RefusalLimit = 'rate' | 'pending' | 'user' | 'presence' | 'http';

/** What each limit is, and the setting that raises it, for the log line. */
const SETTING: Record<RefusalLimit, string> = {
  rate: 'RATE_LIMIT_PER_SECOND / RATE_LIMIT_BURST (per connection)',
  pending: 'MAX_PENDING_MESSAGES (per connection)',
  user: 'USER_RATE_LIMIT_PER_SECOND / USER_RATE_LIMIT_BURST (per user over all connections)',
  presence: 'MAX_CONNECTIONS (presence leases over the HTTP API, one per client)',
  http: 'RATE_LIMIT_PER_SECOND / RATE_LIMIT_BURST (per HTTP client)',
};

interface Window {
  since: number;
  refused: number;
  restaurants: Set<string>;
}

/**
 * Every message a limit refuses is counted (`staff_sync_rate_limited_total{limit}`) and said in
 * the log: a warn line at the first refusal of a limit, then at most one per `everyMs` with how
 * many were refused since the last line and in how many restaurants. Load a limit turns away is
 * therefore never silent, and a flood of refusals is not a flood of lines.
 */
export class RefusalLog {
  readonly #log: Logger;
  readonly #metrics: Metrics;
  readonly #everyMs: number;
  readonly #now: () => number;
  readonly #windows = new Map<RefusalLimit, Window>();

  constructor(log: Logger, metrics: Metrics, options: { everyMs?: number; now?: () => number } = {}) {
    this.#log = log;
    this.#metrics = metrics;
    this.#everyMs = options.everyMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  refused(limit: RefusalLimit, restaurantId: string): void {
    this.#metrics.rateLimited.inc({ limit });
    const now = this.#now();
    const window = this.#windows.get(limit);
    if (!window) {
      this.#windows.set(limit, { since: now, refused: 0, restaurants: new Set() });
      this.#line(limit, 1, 1, 0);
      return;
    }
    window.refused++;
    if (window.restaurants.size < 1000) window.restaurants.add(restaurantId);
    if (now - window.since < this.#everyMs) return;
    this.#line(limit, window.refused, window.restaurants.size, now - window.since);
    this.#windows.set(limit, { since: now, refused: 0, restaurants: new Set() });
  }

  #line(limit: RefusalLimit, refused: number, restaurants: number, windowMs: number): void {
    this.#log.warn(
      { limit, refused, restaurants, windowMs, setting: SETTING[limit] },
      `messages refused with RATE_LIMITED by the ${limit} limit; raise ${SETTING[limit]} if this load is expected`,
    );
  }
}
