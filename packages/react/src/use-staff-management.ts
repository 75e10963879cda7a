import { useSyncExternalStore } from 'react';
import { useStaffSyncContext } from './context.ts';
import type { FlagState } from './feature-flag.ts';
import { useDirectStaff } from './use-direct-staff.ts';
import { type StaffManagement, useWebSocketStaff } from './use-web-socket-staff.ts';

const on: FlagState = { enabled: true, reason: 'default', percent: 100, bucket: undefined };
const always = { subscribe: () => () => {}, getState: () => on };

export interface ManagedStaff extends StaffManagement {
  /** `sync` (the sync server) or `direct` (Supabase); changes when the flag does, without a reload. */
  mode: 'sync' | 'direct';
  /** Why this mode: the flag's state (rollback, override, remote, default). */
  flag: FlagState;
}

/**
 * The staff of a period by whichever way the WEBSOCKET_STAFF_MANAGEMENT flag says: the sync
 * server, or the direct Supabase mode when the flag is off or rolled back (the provider then
 * closes the sync connection). Without `direct` options on the provider, always the sync mode.
 */
export function useStaffManagement(period?: number): ManagedStaff {
  const { flag, direct } = useStaffSyncContext();
  const source = flag ?? always;
  const state = useSyncExternalStore(source.subscribe, source.getState, source.getState);
  const useDirect = !state.enabled && direct !== undefined;
  const sync = useWebSocketStaff(period);
  const directMode = useDirectStaff(period, useDirect);
  if (useDirect && directMode) return { ...directMode, mode: 'direct', flag: state };
  return { ...sync, mode: 'sync', flag: state };
}
