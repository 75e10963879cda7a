import type {
  ConnectionState,
  EditOptions,
  MutationResult,
  StaffSyncError,
  StaffSyncSnapshot,
  TransportKind,
} from '@staff-sync/client';
import type { Period, PresenceEntry, StaffChanges, StaffCreatePayload, StaffMember, StaffType } from '@staff-sync/protocol';
import { useEffect, useMemo, useSyncExternalStore } from 'react';
import { useStaffSyncContext } from './context.ts';
import { membersInPeriod } from './members-in-period.ts';

/** The fields `addStaff` takes: name and position required, the rest optional (`type` is derived). */
export type NewStaff = Omit<StaffCreatePayload, 'id'> & { id?: string; type?: StaffType };

/** What `useWebSocketStaff` and `useStaffManagement` return. */
export interface StaffManagement {
  /** Active members of the period, with pending changes shown; changes on every roster change. */
  staffMembers: StaffMember[];
  /**
   * Change a member; shows at once, resolves on ACK, rejects with a StaffSyncError (CONFLICT, ERROR).
   * `options.baseVersion`: the version the edit started from (when a form opened), so a change by
   * someone else since is decided by the server's conflict strategy instead of being overwritten.
   */
  updateStaff: (staffId: string, changes: StaffChanges & { type?: StaffType }, options?: EditOptions) => Promise<MutationResult>;
  /** Create a member; shows at once under its final id. */
  addStaff: (fields: NewStaff) => Promise<MutationResult>;
  /** Delete (deactivate) a member; `options.baseVersion` as for `updateStaff`. */
  deleteStaff: (staffId: string, options?: EditOptions) => Promise<MutationResult>;
  /** `connecting`, `connected`, `reconnecting` or `disconnected`; changes on every transition. */
  connectionStatus: ConnectionState;
  /** True until the first roster arrived; false from then on, also while reconnecting. */
  isLoading: boolean;
  /** `connectionStatus === 'connected'`. */
  isConnected: boolean;
  /** What carries the sync while connected: `websocket`, or `http` behind a proxy that blocks WebSockets; null otherwise and in direct mode. */
  transport: TransportKind | null;
  /** Changes made here and not yet confirmed by the server; 0 when everything is saved. */
  pendingCount: number;
  /** The latest refused edit (someone changed the same fields first), until the next one. */
  lastConflict: StaffSyncError | null;
  /** The latest other failure: a refused change, a refused sign-in, or giving up reconnecting. */
  lastError: StaffSyncError | null;
  /** Who else edits which member right now; changes when anyone starts or stops. */
  editors: readonly PresenceEntry[];
  /** Tell others which member this user edits now (`null`: none), e.g. when a modal opens and closes. */
  setEditing: (staffId: string | null, dateKey?: string | null) => void;
  /** The restaurant's schedule periods (index, dates, label); changes with a full roster. */
  periods: readonly Period[];
}

/**
 * The staff of one schedule period over the sync server, on the provider's client. Built on
 * useSyncExternalStore: a render sees one consistent snapshot, and re-renders only when it changed.
 */
export function useWebSocketStaff(period?: number): StaffManagement {
  const { client } = useStaffSyncContext();
  const snapshot: StaffSyncSnapshot = useSyncExternalStore(client.subscribe, client.getSnapshot, client.getSnapshot);
  useEffect(() => client.setPeriod(period), [client, period]);
  const staffMembers = useMemo(
    () => membersInPeriod(snapshot.members, snapshot.periods, period),
    [snapshot.members, snapshot.periods, period],
  );
  const actions = useMemo(
    () => ({
      updateStaff: (staffId: string, changes: StaffChanges & { type?: StaffType }, options?: EditOptions) =>
        client.updateStaff(staffId, changes, options),
      addStaff: (fields: NewStaff) => client.addStaff(fields),
      deleteStaff: (staffId: string, options?: EditOptions) => client.deleteStaff(staffId, options),
      setEditing: (staffId: string | null, dateKey?: string | null) => client.setEditing(staffId, dateKey),
    }),
    [client],
  );
  return useMemo(
    () => ({
      staffMembers,
      ...actions,
      connectionStatus: snapshot.status,
      isLoading: !snapshot.synced,
      isConnected: snapshot.status === 'connected',
      transport: snapshot.transport,
      pendingCount: snapshot.pendingCount,
      lastConflict: snapshot.lastConflict,
      lastError: snapshot.lastError,
      editors: snapshot.editors,
      periods: snapshot.periods,
    }),
    [staffMembers, actions, snapshot],
  );
}
