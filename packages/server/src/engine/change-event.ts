import type { ChangeEvent } from '@staff-sync/protocol';
import type { ChangeRecord } from '../storage/rows.ts';

/** The wire form of a committed change (PROTOCOL.md, server to client). */
export function toChangeEvent(change: ChangeRecord): ChangeEvent {
  return {
    type: change.op,
    payload: { staffId: change.staff.id, staff: change.staff, changes: change.changes, version: change.staff.version },
    timestamp: change.committedAt,
    clientId: change.clientId,
    sequenceNumber: change.sequenceNumber,
    seq: change.seq,
  };
}
