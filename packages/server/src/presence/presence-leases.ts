import type { PresenceMember, PresenceService } from './presence-service.ts';

interface Lease {
  member: PresenceMember;
  timer: NodeJS.Timeout;
}

/**
 * Presence set over the HTTP API, where no connection's end tells when the client left: each
 * entry is a lease of `leaseMs` that the client renews while it edits (PUT /api/v1/presence
 * again), and that runs out when it stops. Keyed by restaurant and clientId, so a renewal lands
 * on the same entry (across replicas too, with Redis).
 */
export class PresenceLeases {
  readonly #presence: PresenceService;
  readonly #leaseMs: number;
  readonly #max: number;
  readonly #leases = new Map<string, Lease>();

  /** At most `max` leases at once (MAX_CONNECTIONS: each stands for a client). */
  constructor(presence: PresenceService, leaseMs: number, max: number) {
    this.#presence = presence;
    this.#leaseMs = leaseMs;
    this.#max = max;
  }

  /** Leases held now. */
  get size(): number {
    return this.#leases.size;
  }

  /** False when a new lease would pass the limit (nothing changes then). */
  set(restaurantId: string, clientId: string, staffId: string | null, userName: string, dateKey?: string): boolean {
    const key = `${restaurantId}|${clientId}`;
    const existing = this.#leases.get(key);
    if (existing) clearTimeout(existing.timer);
    if (staffId === null) {
      if (!existing) return true;
      this.#leases.delete(key);
      this.#presence.set(existing.member, clientId, null, userName);
      return true;
    }
    if (!existing && this.#leases.size >= this.#max) return false;
    const member = existing?.member ?? leaseMember(restaurantId, clientId);
    this.#presence.set(member, clientId, staffId, userName, dateKey);
    const timer = setTimeout(() => {
      this.#leases.delete(key);
      this.#presence.expire(member);
    }, this.#leaseMs).unref();
    this.#leases.set(key, { member, timer });
    return true;
  }

  stop(): void {
    for (const lease of this.#leases.values()) clearTimeout(lease.timer);
    this.#leases.clear();
  }
}

/** The presence member standing for an HTTP client: PRESENCE reaches it over its change stream instead. */
function leaseMember(restaurantId: string, clientId: string): PresenceMember {
  return {
    info: {
      id: `http:${clientId}`,
      restaurantId,
      role: 'viewer',
      userId: undefined,
      userName: undefined,
      expiresAt: undefined,
      period: undefined,
      dialect: 'v1',
    },
    send: () => {},
  };
}
