import type { PresenceEntry } from '@staff-sync/protocol';
import type { Connection } from './connection.ts';
import type { Hub } from './hub.ts';

/** How long a burst of presence changes is gathered before one PRESENCE goes out. */
const BROADCAST_DELAY_MS = 50;

/**
 * Who is editing which member, per restaurant, from this process's connections (without Redis;
 * gateway/redis-presence.ts shares it across replicas). Every change is
 * broadcast to the restaurant as the whole list (PRESENCE); an entry goes when its connection
 * closes or its client sets `staffId: null`.
 */
export class Presence {
  readonly #hub: Hub;
  readonly #entries = new Map<string, Map<string, PresenceEntry>>();
  readonly #timers = new Map<string, NodeJS.Timeout>();

  constructor(hub: Hub) {
    this.#hub = hub;
  }

  set(connection: Connection, clientId: string, staffId: string | null, userName: string): void {
    const { restaurantId, id } = connection.info;
    let entries = this.#entries.get(restaurantId);
    if (!entries) {
      entries = new Map();
      this.#entries.set(restaurantId, entries);
    }
    const before = entries.get(id);
    if (staffId === null) {
      if (!before) return;
      entries.delete(id);
    } else {
      if (before && before.staffId === staffId && before.userName === userName) return;
      entries.set(id, { clientId, userName, staffId });
    }
    this.#schedule(restaurantId);
  }

  remove(connection: Connection): void {
    const entries = this.#entries.get(connection.info.restaurantId);
    if (entries?.delete(connection.info.id)) this.#schedule(connection.info.restaurantId);
  }

  list(restaurantId: string): PresenceEntry[] {
    return [...(this.#entries.get(restaurantId)?.values() ?? [])];
  }

  greet(connection: Connection): void {
    const editors = this.list(connection.info.restaurantId);
    if (editors.length > 0) connection.send('PRESENCE', { editors });
  }

  stop(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #schedule(restaurantId: string): void {
    if (this.#timers.has(restaurantId)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(restaurantId);
      const editors = this.list(restaurantId);
      if (editors.length === 0) this.#entries.delete(restaurantId);
      for (const connection of this.#hub.subscribers(restaurantId)) connection.send('PRESENCE', { editors });
    }, BROADCAST_DELAY_MS);
    timer.unref();
    this.#timers.set(restaurantId, timer);
  }
}
