import type { EditOptions } from '@staff-sync/client';
import type { StaffChanges, StaffType } from '@staff-sync/protocol';
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { useStaffSyncContext } from './context.ts';
import { DirectStaffStore } from './direct/direct-staff-store.ts';
import { membersInPeriod } from './members-in-period.ts';
import type { NewStaff, StaffManagement } from './use-web-socket-staff.ts';

const idle = { subscribe: () => () => {}, getSnapshot: () => undefined };

/**
 * The direct Supabase mode with the same shape as useWebSocketStaff. Starts only while `active`
 * (supabase-js is loaded then, not before); stops when it becomes inactive.
 */
export function useDirectStaff(period: number | undefined, active: boolean): StaffManagement | undefined {
  const { direct } = useStaffSyncContext();
  const [store] = useState(() => (direct ? new DirectStaffStore(direct) : undefined));
  const source = store ?? idle;
  const snapshot = useSyncExternalStore(source.subscribe, source.getSnapshot, source.getSnapshot);
  useEffect(() => {
    if (!store || !active) return;
    void store.start();
    return () => store.stop();
  }, [store, active]);
  const staffMembers = useMemo(
    () => (snapshot ? membersInPeriod(snapshot.members, snapshot.periods, period) : []),
    [snapshot, period],
  );
  return useMemo(() => {
    if (!store || !snapshot) return undefined;
    return {
      staffMembers,
      updateStaff: (staffId: string, changes: StaffChanges & { type?: StaffType }, options?: EditOptions) =>
        store.updateStaff(staffId, changes, options),
      addStaff: (fields: NewStaff) => store.addStaff(fields),
      deleteStaff: (staffId: string, options?: EditOptions) => store.deleteStaff(staffId, options),
      connectionStatus: snapshot.status,
      isLoading: !snapshot.synced,
      isConnected: snapshot.status === 'connected',
      transport: null,
      pendingCount: snapshot.pendingCount,
      lastConflict: snapshot.lastConflict,
      lastError: snapshot.lastError,
      editors: [],
      setEditing: () => {},
      periods: snapshot.periods,
    };
  }, [store, snapshot, staffMembers]);
}
