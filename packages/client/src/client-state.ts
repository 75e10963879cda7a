import type { PresenceEntry, Role } from '@staff-sync/protocol';
import type { ConnectionState } from './connection.ts';
import type { StaffSyncError } from './errors.ts';
import type { TransportKind } from './transport.ts';

/** The limit on one frame until the server's HELLO names its own. */
const DEFAULT_MAX_MESSAGE_BYTES = 65_536;

/**
 * What the client knows besides the roster, the schedule and the outbox (which keep their own
 * data): plain values, never changed in place. `reduce` returns the same object when an action
 * changes nothing, so "did anything change?" is one comparison.
 */
export interface ClientState {
  readonly status: ConnectionState;
  readonly transport: TransportKind | null;
  /** From the server's HELLO; null before the first. */
  readonly role: Role | null;
  readonly restaurantId: string | undefined;
  readonly maxMessageBytes: number;
  /** Who else edits what (this client's own entry left out). */
  readonly editors: readonly PresenceEntry[];
  readonly lastConflict: StaffSyncError | null;
  readonly lastError: StaffSyncError | null;
  /** Mutations waiting in the outbox. */
  readonly pendingCount: number;
  /** Bumped when the confirmed members or the pending mutations changed: the view is rebuilt. */
  readonly membersRevision: number;
  /** Bumped when something kept outside this state changed that the snapshot shows (the cells). */
  readonly revision: number;
}

export type ClientAction =
  | { type: 'connection'; status: ConnectionState; transport: TransportKind | null }
  | { type: 'hello'; role: Role; restaurantId: string; maxMessageBytes: number }
  | { type: 'presence'; editors: readonly PresenceEntry[]; ownClientId: string }
  /** A mutation was refused for good: CONFLICT is kept apart from the other errors. */
  | { type: 'refused'; error: StaffSyncError }
  /** The sign-in was refused, the client gave up, a sync request failed, or an unmatched ERROR. */
  | { type: 'failed'; error: StaffSyncError }
  | { type: 'pendingCount'; count: number }
  | { type: 'membersChanged' }
  | { type: 'changed' };

export const initialState: ClientState = Object.freeze({
  status: 'disconnected',
  transport: null,
  role: null,
  restaurantId: undefined,
  maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
  editors: Object.freeze([]),
  lastConflict: null,
  lastError: null,
  pendingCount: 0,
  membersRevision: 0,
  revision: 0,
});

/** The next state after `action`; `state` itself when nothing changed. Pure. */
export function reduce(state: ClientState, action: ClientAction): ClientState {
  switch (action.type) {
    case 'connection':
      if (state.status === action.status && state.transport === action.transport) return state;
      return { ...state, status: action.status, transport: action.transport };
    case 'hello':
      return {
        ...state,
        role: action.role,
        restaurantId: action.restaurantId,
        maxMessageBytes: action.maxMessageBytes,
        revision: state.revision + 1,
      };
    case 'presence':
      return { ...state, editors: action.editors.filter((e) => e.clientId !== action.ownClientId) };
    case 'refused':
      return action.error.code === 'CONFLICT' ? { ...state, lastConflict: action.error } : { ...state, lastError: action.error };
    case 'failed':
      return { ...state, lastError: action.error };
    case 'pendingCount':
      return state.pendingCount === action.count ? state : { ...state, pendingCount: action.count };
    case 'membersChanged':
      return { ...state, membersRevision: state.membersRevision + 1 };
    case 'changed':
      return { ...state, revision: state.revision + 1 };
  }
}
