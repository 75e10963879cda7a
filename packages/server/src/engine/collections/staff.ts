import {
  type ChangePayload,
  type StaffMember,
  type StaffMutationMessage,
  type StaffRow,
  staffRowToMember,
} from '@staff-sync/protocol';
import type { ChangeRow } from '../../storage/rows.ts';
import { applyMutation } from '../apply-mutation.ts';
import type { Collection } from './collection.ts';

/**
 * The roster: one row per member in the `staff` table, versioned by its triggers, changed by
 * STAFF_CREATE / STAFF_UPDATE / STAFF_DELETE, each change broadcast as an event of the same name
 * carrying the whole member and the changed fields.
 */
export const staffCollection: Collection = {
  name: 'staff',
  operations: { STAFF_CREATE: 'create', STAFF_UPDATE: 'update', STAFF_DELETE: 'delete' },
  apply: (db, ctx, message) => applyMutation(db, ctx, message as StaffMutationMessage),
  oneStatement: true,
  event(row: ChangeRow) {
    const staff = staffRowToMember(row.row as StaffRow);
    const changes: Record<string, unknown> = {};
    for (const field of row.changed) {
      if (field in staff) changes[field] = staff[field as keyof StaffMember];
    }
    const payload: ChangePayload = { staffId: staff.id, staff, changes, version: staff.version };
    return { type: row.op, payload };
  },
};
