import type { StaffRow } from '@staff-sync/protocol';

/**
 * A row of `staff_sync_changes`, or the same object received in a notification. `collection`
 * says whose change it is (`staff`, ...); `row` is that collection's row after the change.
 */
export interface ChangeRow {
  restaurant_id: string;
  seq: number | string;
  /** Absent in rows and notifications written before collections existed: those are staff. */
  collection?: string;
  staff_id: string;
  /** The item within the member (a schedule cell's date); '' for the member itself. */
  item_key?: string;
  op: string;
  client_id: string;
  sequence_number: number | string;
  /** The signed-in user who made the change through the server; null for other writers. */
  user_id?: string | null;
  user_name?: string | null;
  changed: string[];
  row: StaffRow | Record<string, unknown>;
  version: number;
  created_at: string | Date;
}
