import type { Dialect, Role, ServerMessage } from '@staff-sync/protocol';
import type { Identity } from '../auth/authenticator.ts';

/**
 * Who is on the other end of a WebSocket, a change stream or one HTTP request: the restaurant
 * (tenant), the signed-in user and what they may do. Transports build it from the sign-in; the
 * dispatcher, the fan-out and presence read it and never ask which transport it came from.
 */
export interface Session {
  /** This connection's (or request's) own id. */
  readonly id: string;
  readonly restaurantId: string;
  readonly role: Role;
  /** Who signed in (the token's subject), when sign-in is on. */
  readonly userId: string | undefined;
  /** The token's display name, when it has one. */
  readonly userName: string | undefined;
  /** When the token expires (ms since epoch), when sign-in is on. */
  readonly expiresAt: number | undefined;
  /** The period index the client asked for at connect (`?period=`), if any. */
  readonly period: number | undefined;
  /** How this client speaks (docs/protocol.md, "Dialects"); the HTTP API speaks v1. */
  readonly dialect: Dialect;
}

/** Where the dispatcher's answers to one client go. */
export interface Replier {
  send<M extends ServerMessage>(type: M['type'], payload: M['payload'], seq?: number): void;
  /**
   * Around a sync answer: change events are held from `holdChanges` until `releaseChanges(seq)`,
   * then those the answer covers are dropped (a WebSocket; an HTTP request has no live events).
   * An answer that covers one collection only (`only`) drops only that collection's events.
   */
  holdChanges?(): void;
  releaseChanges?(seq: number | undefined, only?: string): void;
}

/** How this transport keeps a client's presence: on its connection, or as an HTTP lease. */
export interface PresenceSink {
  /** False when the transport cannot take another entry now. */
  set(clientId: string, staffId: string | null, userName: string, dateKey?: string): boolean;
}

/** The session of a signed-in (or open-access) client. */
export function sessionOf(id: string, identity: Identity, period: number | undefined, dialect: Dialect = 'v1'): Session {
  return {
    dialect,
    id,
    restaurantId: identity.restaurantId,
    role: identity.role,
    userId: identity.userId,
    userName: identity.userName,
    expiresAt: identity.expiresAt,
    period,
  };
}
