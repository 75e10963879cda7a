import * as v from 'valibot';
import type { Envelope, ShiftChangeEvent } from './types.ts';

/**
 * A whole bulk change of the schedule as one message (`staff-sync.v2`, docs/protocol.md "Compact
 * change events"): instead of one SHIFT_BROADCAST of about 300 bytes per cell, the cells in `seq`
 * order, each `[member, dateKey, shiftValue, version]` with the member as an index into `staff`.
 * The envelope's `seq` is the bulk's last; its cells have `firstSeq`, `firstSeq + 1`, ... The
 * client reads it as the SHIFT_BROADCAST events it stands for (`expandBulkBroadcast`), so every
 * rule about events (order, gaps, resume) applies unchanged.
 */
export interface ShiftBulkBroadcastPayload {
  periodIndex: number;
  scheduleId: string;
  firstSeq: number;
  staff: string[];
  cells: [number, string, string | null, number][];
}

export type ShiftBulkBroadcast = Envelope<'SHIFT_BULK_BROADCAST', ShiftBulkBroadcastPayload> & { seq: number };

export const shiftBulkBroadcastSchema = v.pipe(
  v.object({
    type: v.literal('SHIFT_BULK_BROADCAST'),
    payload: v.object({
      periodIndex: v.number(),
      scheduleId: v.string(),
      firstSeq: v.number(),
      staff: v.array(v.string()),
      cells: v.array(v.tuple([v.number(), v.string(), v.nullable(v.string()), v.number()])),
    }),
    timestamp: v.string(),
    clientId: v.string(),
    sequenceNumber: v.number(),
    seq: v.number(),
  }),
  v.check(
    (m) => m.payload.cells.length > 0 && m.seq === m.payload.firstSeq + m.payload.cells.length - 1,
    'seq must be the last cell’s: firstSeq + cells - 1',
  ),
  v.check((m) => m.payload.cells.every(([i]) => i >= 0 && i < m.payload.staff.length), 'a cell names no member of staff'),
);

/** The events of one bulk change (consecutive seqs, one originator) as one message. */
export function toBulkBroadcast(events: readonly ShiftChangeEvent[]): ShiftBulkBroadcast {
  const first = events[0] as ShiftChangeEvent;
  const last = events[events.length - 1] as ShiftChangeEvent;
  const index = new Map<string, number>();
  const cells = events.map((e): [number, string, string | null, number] => {
    const { staffId, dateKey, shiftValue, version } = e.payload;
    let i = index.get(staffId);
    if (i === undefined) {
      i = index.size;
      index.set(staffId, i);
    }
    return [i, dateKey, shiftValue, version];
  });
  return {
    type: 'SHIFT_BULK_BROADCAST',
    payload: {
      periodIndex: first.payload.periodIndex,
      scheduleId: first.payload.scheduleId,
      firstSeq: first.seq,
      staff: [...index.keys()],
      cells,
    },
    timestamp: last.timestamp,
    clientId: last.clientId,
    sequenceNumber: last.sequenceNumber,
    seq: last.seq,
  };
}

/** The SHIFT_BROADCAST events a bulk message stands for, in seq order. */
export function expandBulkBroadcast(message: ShiftBulkBroadcast): ShiftChangeEvent[] {
  const { periodIndex, scheduleId, firstSeq, staff, cells } = message.payload;
  return cells.map(([i, dateKey, shiftValue, version], n) => ({
    type: 'SHIFT_BROADCAST',
    payload: { staffId: staff[i] as string, dateKey, shiftValue, version, scheduleId, periodIndex },
    timestamp: message.timestamp,
    clientId: message.clientId,
    sequenceNumber: message.sequenceNumber,
    seq: firstSeq + n,
  }));
}
