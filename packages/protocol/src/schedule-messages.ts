// The wire payloads of the schedule collection (docs/protocol.md, schedule messages): types only, so
// that types.ts can name them without importing the schedule's rules.
import type { Resolves } from './assist.ts';

/** `{ [staffId]: { [date]: value } }`: a schedule document, the real app's `schedule_data`. */
export type ScheduleData = Record<string, Record<string, string>>;
/** `{ [staffId]: { [date]: version } }`. */
export type CellVersions = Record<string, Record<string, number>>;

/** A cell as the server holds it: its value (`null`: empty) and version (0: never set). */
export interface CellState {
  shiftValue: string | null;
  version: number;
}

export interface ShiftSyncRequestPayload {
  periodIndex: number;
  scheduleId?: string;
  sinceSeq?: number;
}

export interface ShiftUpdatePayload {
  staffId: string;
  dateKey: string;
  /** The new value; `null` clears the cell. */
  shiftValue: string | null;
  /** The cell's version the edit started from (0: it was empty); without it, a blind write. */
  version?: number;
  scheduleId?: string;
  periodIndex?: number;
  /** The conflict this change settles, and what the person chose (docs/protocol.md). */
  resolves?: Resolves;
}

export interface ShiftBulkUpdatePayload {
  periodIndex: number;
  scheduleId?: string;
  scheduleData: Record<string, Record<string, string | null>>;
  /** Addition: the version each cell's edit started from; a stale one refuses the whole change. */
  versions?: CellVersions;
}

export interface ShiftSyncResponsePayload {
  periodIndex: number;
  scheduleId: string;
  scheduleData: ScheduleData;
  /** Every cell's version, set or cleared (staff-sync.v1 clients and newer). */
  versions?: CellVersions;
  /** Plain dialect: sent to everyone after a bulk change. */
  broadcast?: true;
}

export interface ShiftBroadcastPayload {
  staffId: string;
  dateKey: string;
  shiftValue: string | null;
  version: number;
  scheduleId: string;
  periodIndex: number;
}

/** One cell of a CONFLICT: the version the edit started from, what the cell holds now, what was tried. */
export interface CellConflict {
  staffId: string;
  dateKey: string;
  baseVersion: number;
  current: CellState;
  attempted: string | null;
}
