import {
  type CellConflict,
  type CellVersions,
  cellValueProblem,
  ErrorCode,
  type ErrorPayload,
  isShiftSymbol,
  type Period,
  periodIndexOf,
  type ResolvedInfo,
  SHIFT_SYMBOLS,
  type ShiftAckPayload,
  type ShiftBroadcastPayload,
  type ShiftMutationMessage,
  STATUSES,
  SYMBOLS_BY_STATUS,
} from '@staff-sync/protocol';
import type { Db } from '../../storage/db.ts';
import type { ChangeRow } from '../../storage/rows.ts';
import { fingerprint } from '../fingerprint.ts';
import { periodsFor } from '../periods.ts';
import { callApply, stampParams } from '../stored-outcome.ts';
import type { ChangeStamp, Collection, MutationContext, MutationOutcome } from './collection.ts';

/** One cell of a schedule change as `staff_sync_apply_cells` takes it. */
interface CellWrite {
  staffId: string;
  date: string;
  value: string | null;
  version: number | null;
  /** Where an error about this cell points (`payload.dateKey`, `payload.scheduleData.<id>.<date>`). */
  field: string;
  versionField: string;
}

type StoredOutcome =
  | {
      type: 'ACK';
      seq: number | string;
      cells: number;
      versions: CellVersions;
      duplicate?: true;
      resolved?: ResolvedInfo;
    }
  | { type: 'CONFLICT'; strategy: MutationContext['strategy']; cells: CellConflict[]; duplicate?: true }
  | { type: 'ERROR'; code: ErrorCode; message: string; fields?: Record<string, string>; duplicate?: true }
  | { type: 'REUSED' };

/** Which symbols each status may use, as the apply function checks them (the protocol's rules). */
const ALLOWED = JSON.stringify({ symbols: Object.values(SHIFT_SYMBOLS), ...SYMBOLS_BY_STATUS });

/** A custom text is kept trimmed; a symbol as it is (`""` is the normal shift). */
const normalize = (value: string | null): string | null => (value === null || isShiftSymbol(value) ? value : value.trim());

function cellsOf(message: ShiftMutationMessage): CellWrite[] {
  if (message.type === 'SHIFT_UPDATE') {
    const p = message.payload;
    return [
      {
        staffId: p.staffId,
        date: p.dateKey,
        value: normalize(p.shiftValue),
        version: p.version ?? null,
        field: 'payload.shiftValue',
        versionField: 'payload.version',
      },
    ];
  }
  const { scheduleData, versions } = message.payload;
  const cells: CellWrite[] = [];
  for (const [staffId, byDate] of Object.entries(scheduleData)) {
    for (const [date, value] of Object.entries(byDate)) {
      cells.push({
        staffId,
        date,
        value: normalize(value),
        version: versions?.[staffId]?.[date] ?? null,
        field: `payload.scheduleData.${staffId}.${date}`,
        versionField: `payload.versions.${staffId}.${date}`,
      });
    }
  }
  // One order for every writer, so that two bulk changes never lock the same cells crosswise.
  return cells.sort((a, b) => (a.staffId === b.staffId ? a.date.localeCompare(b.date) : a.staffId.localeCompare(b.staffId)));
}

/** A custom text that is empty or too long is refused before the database is asked. */
function customTextProblem(cells: CellWrite[]): ErrorPayload | undefined {
  for (const cell of cells) {
    if (cell.value === null || isShiftSymbol(cell.value)) continue;
    // Status does not matter for a text that is no symbol: ask with any.
    const problem = cellValueProblem(STATUSES[0], cell.value);
    if (problem) return { code: ErrorCode.VALIDATION_FAILED, message: problem, fields: { [cell.field]: problem } };
  }
  return undefined;
}

/** The parameters after the first five of `staff_sync_apply_cells` and `staff_sync_resolve_cells`. */
type CellCall =
  | { ok: true; cells: CellWrite[]; periodIndex: number | null; period: Period | undefined }
  | { ok: false; error: MutationOutcome };

async function prepareCells(db: Db, ctx: MutationContext, message: ShiftMutationMessage): Promise<CellCall> {
  const { sequenceNumber } = message;
  const cells = cellsOf(message);
  const refused = customTextProblem(cells);
  if (refused) return { ok: false, error: { type: 'ERROR', payload: { ...refused, sequenceNumber } } };
  const periods = await periodsFor(db, ctx.restaurantId, ctx.periodSettings);
  const named = message.payload.periodIndex;
  let period: Period | undefined;
  if (named !== undefined) {
    period = periods[named];
    if (!period) {
      const message = `period ${named} does not exist; this restaurant has periods 0 to ${periods.length - 1}`;
      return {
        ok: false,
        error: {
          type: 'ERROR',
          payload: { code: ErrorCode.VALIDATION_FAILED, message, fields: { 'payload.periodIndex': message }, sequenceNumber },
        },
      };
    }
  }
  // A single cell without a period goes to the schedule of the period its date lies in.
  const periodIndex = period?.index ?? periodIndexOf(periods, cells[0]?.date ?? '');
  return { ok: true, cells, periodIndex: periodIndex >= 0 ? periodIndex : null, period };
}

async function applyCells(db: Db, ctx: MutationContext, message: ShiftMutationMessage): Promise<MutationOutcome> {
  const prepared = await prepareCells(db, ctx, message);
  if (!prepared.ok) return prepared.error;
  const { cells, periodIndex, period } = prepared;
  const apply =
    'staff_sync_apply_cells($1, $2, $3, $4, $5, $6, $7::text::jsonb, $8, $9::text::jsonb, $10::integer, $11::date, $12::date)';
  const params = [
    ctx.userId ?? null,
    ctx.userName ?? null,
    ctx.restaurantId,
    message.clientId,
    message.sequenceNumber,
    fingerprint(message.type, message.payload),
    JSON.stringify(cells),
    ctx.strategy,
    ALLOWED,
    periodIndex,
    period?.startDate ?? null,
    period?.endDate ?? null,
  ];
  const outcome = ctx.stamp
    ? await callApply<StoredOutcome>(
        db,
        `select staff_sync_stamp(${apply}, $3, $4, $5, $13, $14::timestamptz, $15::text::jsonb) as outcome`,
        [...params, ...stampParams(ctx.stamp)],
      )
    : await callApply<StoredOutcome>(db, `select ${apply} as outcome`, params);
  return toProtocol(outcome, message.sequenceNumber);
}

/**
 * Apply a suggested resolution of a single cell's CONFLICT (strategy `assisted`): `message` holds
 * the suggested value at the cell's current version. Undefined when the claim is no longer a
 * CONFLICT (migration 008, `staff_sync_resolve_cells`).
 */
export async function resolveCell(
  db: Db,
  ctx: MutationContext & { stamp: ChangeStamp },
  message: ShiftMutationMessage,
): Promise<MutationOutcome | undefined> {
  const prepared = await prepareCells(db, ctx, message);
  if (!prepared.ok) return prepared.error;
  const { cells, periodIndex, period } = prepared;
  const outcome = await callApply<StoredOutcome | null>(
    db,
    `select staff_sync_resolve_cells($1, $2, $3, $4, $5, $6::text::jsonb, $7::text::jsonb, $8::integer, $9::date, $10::date,
       $11, $12::timestamptz, $13::text::jsonb) as outcome`,
    [
      ctx.userId ?? null,
      ctx.userName ?? null,
      ctx.restaurantId,
      message.clientId,
      message.sequenceNumber,
      JSON.stringify(cells),
      ALLOWED,
      periodIndex,
      period?.startDate ?? null,
      period?.endDate ?? null,
      ...stampParams(ctx.stamp),
    ],
  );
  return outcome ? toProtocol(outcome, message.sequenceNumber) : undefined;
}

function toProtocol(outcome: StoredOutcome, sequenceNumber: number): MutationOutcome {
  switch (outcome.type) {
    case 'ACK': {
      const payload: ShiftAckPayload = {
        sequenceNumber,
        seq: Number(outcome.seq),
        cells: outcome.cells,
        versions: outcome.versions,
      };
      if (outcome.duplicate) payload.duplicate = true;
      if (outcome.resolved) payload.resolved = outcome.resolved;
      return { type: 'ACK', payload };
    }
    case 'CONFLICT':
      return {
        type: 'CONFLICT',
        payload: { sequenceNumber, strategy: outcome.strategy, cells: outcome.cells, conflictingFields: ['shiftValue'] },
      };
    case 'ERROR': {
      const payload: ErrorPayload = { code: outcome.code, message: outcome.message, sequenceNumber };
      if (outcome.fields) payload.fields = outcome.fields;
      return { type: 'ERROR', payload };
    }
    case 'REUSED':
      return {
        type: 'ERROR',
        payload: {
          code: ErrorCode.SEQUENCE_REUSED,
          message: `sequenceNumber ${sequenceNumber} was already used by this client for a different message`,
          sequenceNumber,
        },
      };
  }
}

/** The cell's row in the change log (`staff_sync_cell_after_write`). */
interface CellLogRow {
  staff_id: string;
  date: string;
  value: string | null;
  version: number;
  schedule_id: string | null;
  period_index: number | null;
  bulk?: number;
  bulk_left?: number;
}

/**
 * The schedule: one row per (restaurant, member, date) in `schedule_cells`, versioned by its
 * triggers and kept in step with the app's `schedules` documents; changed by SHIFT_UPDATE (one
 * cell) and SHIFT_BULK_UPDATE (many, all or nothing), each cell change broadcast as SHIFT_BROADCAST.
 */
export const shiftCollection: Collection = {
  name: 'shift',
  operations: { SHIFT_UPDATE: 'cell_update', SHIFT_BULK_UPDATE: 'cell_bulk_update' },
  apply: (db, ctx, message) => applyCells(db, ctx, message as ShiftMutationMessage),
  event(row: ChangeRow) {
    const cell = row.row as unknown as CellLogRow;
    const payload: ShiftBroadcastPayload = {
      staffId: cell.staff_id,
      dateKey: cell.date,
      shiftValue: cell.value,
      version: Number(cell.version),
      scheduleId: cell.schedule_id ?? '',
      periodIndex: cell.period_index ?? -1,
    };
    const size = Number(cell.bulk ?? 1);
    return {
      type: 'SHIFT_BROADCAST',
      payload,
      bulk: size > 1 ? { size, left: Number(cell.bulk_left ?? 0), periodIndex: payload.periodIndex } : undefined,
    };
  },
};
