import type { StaffSyncClient } from '@staff-sync/client';
import { createContext, useContext } from 'react';
import type { DirectStaffOptions } from './direct/direct-staff-store.ts';
import type { SyncFlag } from './feature-flag.ts';

export interface StaffSyncContextValue {
  client: StaffSyncClient;
  flag: SyncFlag | undefined;
  direct: DirectStaffOptions | undefined;
}

export const StaffSyncContext = createContext<StaffSyncContextValue | null>(null);

export function useStaffSyncContext(): StaffSyncContextValue {
  const value = useContext(StaffSyncContext);
  if (!value) throw new Error('staff-sync hooks need a <StaffSyncProvider> above them');
  return value;
}

/** The provider's client, for what the hooks do not cover (events, `on('conflict')`). */
export function useStaffSyncClient(): StaffSyncClient {
  return useStaffSyncContext().client;
}
