import type { PresenceEntry, ServerMessage } from '@staff-sync/protocol';
import type { Session } from '../dispatch/session.ts';

/** Whoever receives PRESENCE lists: a WebSocket connection, a change stream, an HTTP lease. */
export interface PresenceMember {
  readonly info: Session;
  send<M extends ServerMessage>(type: M['type'], payload: M['payload']): void;
}

/** This process's members of each restaurant (the hub). */
export interface PresenceAudience {
  restaurants(): string[];
  subscribers(restaurantId: string): Iterable<PresenceMember>;
}

/**
 * Who is editing which member of a restaurant. In one process by default (presence/local-presence.ts);
 * across replicas through Redis when REDIS_URL is set (presence/redis-presence.ts).
 */
export interface PresenceService {
  /** `dateKey`: the schedule cell of that member the user is on, when it is one. */
  set(member: PresenceMember, clientId: string, staffId: string | null, userName: string, dateKey?: string): void;
  /** The member's connection closed: its entry goes. */
  remove(member: PresenceMember): void;
  /**
   * The member went silent (an HTTP lease ran out): stop keeping its entry. In one process it
   * goes at once; with Redis it runs out by its own expiry, so that a replica where the same
   * client renewed meanwhile is not overruled.
   */
  expire(member: PresenceMember): void;
  /** The restaurant's current list. */
  list(restaurantId: string): Promise<PresenceEntry[]>;
  /** Send the current list to a member that just connected, when the list is not empty. */
  greet(member: PresenceMember): void;
  stop(): void;
}
