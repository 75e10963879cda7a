import type { Role } from '@staff-sync/protocol';
import type { Clock } from './clock.ts';
import { OrphanOutboxes, type OrphanOutboxesOptions } from './orphan-outboxes.ts';

export interface ClosedTabsOptions extends OrphanOutboxesOptions {
  clock: Clock;
  /** How often to look again while connected; 0: never. */
  everyMs: number;
  connected: () => boolean;
}

/**
 * Delivery of what closed tabs of this restaurant left unsent (OrphanOutboxes): at every HELLO,
 * and every `everyMs` while connected, on a timer of its own. A viewer's changes would all be
 * refused: it leaves them.
 */
export class ClosedTabs {
  readonly #o: ClosedTabsOptions;
  readonly #orphans: OrphanOutboxes;
  #timer: unknown;
  #disposed = false;

  constructor(options: ClosedTabsOptions) {
    this.#o = options;
    this.#orphans = new OrphanOutboxes(options);
  }

  /** Look now (and then every `everyMs`) for the outboxes of closed tabs of `restaurantId`. */
  check(restaurantId: string | undefined, role: Role | null): void {
    this.stop();
    const every = this.#o.everyMs;
    if (this.#disposed || restaurantId === undefined || role !== 'editor' || every <= 0) return;
    void this.#orphans.adopt(restaurantId).then(() => {
      if (this.#disposed || !this.#o.connected()) return;
      this.stop();
      this.#timer = this.#o.clock.setTimeout(() => this.check(restaurantId, role), every);
    });
  }

  /** The connection went: no checks until the next HELLO. */
  stop(): void {
    this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  dispose(): void {
    this.#disposed = true;
    this.stop();
    this.#orphans.dispose();
  }
}
