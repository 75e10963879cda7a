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
  readonly #leases = new Map<string, Lease>();

  constructor(presence: PresenceService, leaseMs: number) {
    this.#presence = presence;
    this.#leaseMs = leaseMs;
  }

  set(restaurantId: string, clientId: string, staffId: string | null, userName: string): void {
    const key = `${restaurantId}|${clientId}`;
    let lease = this.#leases.get(key);
    if (staffId === null) {
      if (!lease) return;
      clearTimeout(lease.timer);
      this.#leases.delete(key);
      this.#presence.set(lease.member, clientId, null, userName);
      return;
    }
    if (lease) clearTimeout(lease.timer);
    else {
      const member: PresenceMember = {
        info: {
          id: `http:${clientId}`,
          restaurantId,
          role: 'viewer',
          userId: undefined,
          expiresAt: undefined,
          period: undefined,
        },
        send: () => {}, // an HTTP client reads PRESENCE from its change stream
      };
      lease = { member, timer: undefined as unknown as NodeJS.Timeout };
      this.#leases.set(key, lease);
    }
    const { member } = lease;
    this.#presence.set(member, clientId, staffId, userName);
    lease.timer = setTimeout(() => {
      this.#leases.delete(key);
      this.#presence.expire(member);
    }, this.#leaseMs);
    lease.timer.unref();
  }

  stop(): void {
    for (const lease of this.#leases.values()) clearTimeout(lease.timer);
    this.#leases.clear();
  }
}
