import type { Envelope } from '@staff-sync/protocol';
import type { ChangeRecord } from './collections/collection.ts';

/** The wire form of a committed change of any collection: its event, with `seq` and its originator. */
export function toChangeEvent(change: ChangeRecord): Envelope & { seq: number } {
  return {
    type: change.type,
    payload: change.payload,
    timestamp: change.committedAt,
    clientId: change.clientId,
    // A plain client's message without sequenceNumber is logged under a number below zero.
    sequenceNumber: Math.max(0, change.sequenceNumber),
    seq: change.seq,
  };
}
