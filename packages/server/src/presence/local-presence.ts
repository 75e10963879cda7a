import type { PresenceEntry } from '@staff-sync/protocol';
import type { Hub } from '../fanout/hub.ts';
import type { PresenceMember, PresenceService } from './presence-service.ts';

/** How long a burst of presence changes is gathered before one PRESENCE goes out. */
const BROADCAST_DELAY_MS = 50;

/**
 * Who is editing which member, per restaurant, from this process's connections (without Redis;
 * presence/redis-presence.ts shares it across replicas). Every change is
 * broadcast to the restaurant as the whole list (PRESENCE); an entry goes when its connection
 * closes or its client sets `staffId: null`.
 */
export class Presence implements PresenceService {
  readonly #hub: Hub;
  readonly #entries = new Map<string, Map<string, PresenceEntry>>();
  readonly #timers = new Map<string, NodeJS.Timeout>();

  constructor(hub: Hub) {
    this.#hub = hub;
  }

  set(member: PresenceMember, clientId: string, staffId: string | null, userName: string, dateKey?: string): void {
    const { restaurantId, id } = member.info;
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
      if (before && before.staffId === staffId && before.userName === userName && before.dateKey === dateKey) return;
      entries.set(id, dateKey ? { clientId, userName, staffId, dateKey } : { clientId, userName, staffId });
    }
    this.#schedule(restaurantId);
  }

  remove(member: PresenceMember): void {
    const entries = this.#entries.get(member.info.restaurantId);
    if (entries?.delete(member.info.id)) this.#schedule(member.info.restaurantId);
  }

  expire(member: PresenceMember): void {
    this.remove(member);
  }

  async list(restaurantId: string): Promise<PresenceEntry[]> {
    return this.#current(restaurantId);
  }

  greet(member: PresenceMember): void {
    const editors = this.#current(member.info.restaurantId);
    if (editors.length > 0) member.send('PRESENCE', { editors });
  }

  #current(restaurantId: string): PresenceEntry[] {
    return [...(this.#entries.get(restaurantId)?.values() ?? [])];
  }

  stop(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #schedule(restaurantId: string): void {
    if (this.#timers.has(restaurantId)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(restaurantId);
      const editors = this.#current(restaurantId);
      if (editors.length === 0) this.#entries.delete(restaurantId);
      for (const connection of this.#hub.subscribers(restaurantId)) connection.send('PRESENCE', { editors });
    }, BROADCAST_DELAY_MS);
    timer.unref();
    this.#timers.set(restaurantId, timer);
  }
}
