import type { CellEdit, CellResult, EditOptions, ScheduleSnapshot, StaffSyncSnapshot } from '@staff-sync/client';
import { useCallback, useEffect, useSyncExternalStore } from 'react';
import { useStaffSyncContext } from './context.ts';

/** What `useSchedule` returns. */
export interface Schedule {
  /**
   * The period's cells (confirmed with the pending changes on top); null until the period is set.
   * A member's cell map keeps its identity while none of its cells change: memo a row on it.
   */
  schedule: ScheduleSnapshot | null;
  /** Set one cell (`null` clears it); shows at once, resolves on ACK, rejects with a StaffSyncError. */
  setCell: (staffId: string, dateKey: string, value: string | null, options?: EditOptions) => Promise<CellResult>;
  /** Set many cells of this period in one change, all or nothing. */
  setCells: (cells: readonly CellEdit[]) => Promise<CellResult>;
}

/**
 * The shift schedule of one period over the sync server, on the provider's client: its cells are
 * kept in step from the moment a screen asks for them (SHIFT_SYNC_REQUEST, then every cell change
 * as it commits), and on every reconnect.
 */
export function useSchedule(periodIndex: number): Schedule {
  const { client } = useStaffSyncContext();
  const snapshot: StaffSyncSnapshot = useSyncExternalStore(client.subscribe, client.getSnapshot, client.getSnapshot);
  useEffect(() => client.setSchedulePeriod(periodIndex), [client, periodIndex]);
  const setCell = useCallback<Schedule['setCell']>(
    (staffId, dateKey, value, options) => client.setCell(staffId, dateKey, value, options),
    [client],
  );
  const setCells = useCallback<Schedule['setCells']>((cells) => client.setCells(periodIndex, cells), [client, periodIndex]);
  const schedule = snapshot.schedule?.periodIndex === periodIndex ? snapshot.schedule : null;
  return { schedule, setCell, setCells };
}
