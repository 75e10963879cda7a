import * as v from 'valibot';
import { toCompactEvent } from './compact-events.ts';
import type { AnyChangeEvent, ChangeEvent, StaffChanges } from './types.ts';

/**
 * Compact staff changes on the wire (`staff-sync.v2`, docs/protocol.md "Compact change events"):
 * the STAFF_UPDATE and STAFF_DELETE events without the member, each as one positional row
 *
 *   [seq, op, staffId, changes, version, clientId, sequenceNumber, committedAtMs]
 *
 * with `op` "U" (update) or "D" (delete) and the commit time in milliseconds since the epoch.
 * Consecutive ones of a fan-out pass share one STAFF_PATCHES message; the envelope's `seq` is the
 * last row's. The client reads the message as the compact events it stands for
 * (`expandStaffPatches`, used by `parseServerFrame`), so order, version gaps and resume apply
 * unchanged. About 125 bytes a row instead of about 240 for the same event as an object.
 */
export type StaffPatch = [
  seq: number,
  op: 'U' | 'D',
  staffId: string,
  changes: StaffChanges,
  version: number,
  clientId: string,
  sequenceNumber: number,
  committedAtMs: number,
];

export interface StaffPatches {
  type: 'STAFF_PATCHES';
  seq: number;
  payload: { events: StaffPatch[] };
}

export const staffPatchesSchema = v.pipe(
  v.object({
    type: v.literal('STAFF_PATCHES'),
    seq: v.number(),
    payload: v.object({
      events: v.pipe(
        v.array(
          v.tuple([
            v.pipe(v.number(), v.integer()),
            v.picklist(['U', 'D']),
            v.string(),
            v.record(v.string(), v.unknown()),
            v.pipe(v.number(), v.integer()),
            v.string(),
            v.pipe(v.number(), v.integer()),
            v.pipe(v.number(), v.integer()),
          ]),
        ),
        v.minLength(1, 'a STAFF_PATCHES message holds at least one change'),
      ),
    }),
  }),
  v.check((m) => m.seq === m.payload.events.at(-1)?.[0], 'seq must be the last row’s'),
  v.check(
    (m) => m.payload.events.every((row, i, rows) => i === 0 || row[0] > (rows[i - 1] as StaffPatch)[0]),
    'rows must be in seq order',
  ),
);

/** The row of a change event, when it travels compact (an update or delete, not a reactivation). */
export function toStaffPatch(event: AnyChangeEvent): StaffPatch | undefined {
  if (event.type !== 'STAFF_UPDATE' && event.type !== 'STAFF_DELETE') return undefined;
  const compact = toCompactEvent(event);
  if (compact.payload.staff) return undefined;
  const { staffId, changes, version } = compact.payload;
  const op = event.type === 'STAFF_UPDATE' ? 'U' : 'D';
  return [event.seq, op, staffId, changes, version, event.clientId, event.sequenceNumber, Date.parse(event.timestamp)];
}

/** Rows (in seq order) as one message. */
export function toStaffPatches(events: StaffPatch[]): StaffPatches {
  return { type: 'STAFF_PATCHES', seq: (events.at(-1) as StaffPatch)[0], payload: { events } };
}

/** The compact change events a STAFF_PATCHES message stands for, in seq order. */
export function expandStaffPatches(message: StaffPatches): ChangeEvent[] {
  return message.payload.events.map(([seq, op, staffId, changes, version, clientId, sequenceNumber, at]) => ({
    type: op === 'U' ? 'STAFF_UPDATE' : 'STAFF_DELETE',
    payload: { staffId, changes, version },
    timestamp: new Date(at).toISOString(),
    clientId,
    sequenceNumber,
    seq,
  }));
}
