import type { PresenceEntry, ServerMessage } from '@staff-sync/protocol';
import type { ConnectionInfo } from './connection.ts';

/** Whoever receives PRESENCE lists: a WebSocket connection. */
export interface PresenceMember {
  readonly info: ConnectionInfo;
  send<M extends ServerMessage>(type: M['type'], payload: M['payload']): void;
}

/** This process's members of each restaurant (the hub). */
export interface PresenceAudience {
  restaurants(): string[];
  subscribers(restaurantId: string): Iterable<PresenceMember>;
}

/**
 * Who is editing which member of a restaurant. In one process by default (gateway/presence.ts);
 * across replicas through Redis when REDIS_URL is set (gateway/redis-presence.ts).
 */
export interface PresenceService {
  set(member: PresenceMember, clientId: string, staffId: string | null, userName: string): void;
  /** The member's connection closed: its entry goes. */
  remove(member: PresenceMember): void;
  /** Send the current list to a member that just connected, when the list is not empty. */
  greet(member: PresenceMember): void;
  stop(): void;
}

export type { PresenceEntry };
