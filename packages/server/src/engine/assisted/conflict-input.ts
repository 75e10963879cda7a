import type { ConflictPayload, ShiftConflictPayload, StaffMember, StaffRow } from '@staff-sync/protocol';
import { staffRowToMember } from '@staff-sync/protocol';
import type { ConflictInput, Edit } from '../../assist/index.ts';
import type { Queryable } from '../../storage/db.ts';
import type { MutationContext } from '../collections/collection.ts';

/**
 * What the Suggester needs to know about a CONFLICT, read from the change log (docs/assist.md):
 * each conflicting field's value at the base version, and who made the committed edit, when, in
 * which job. A cell's one field is `value` here and `shiftValue` on the wire.
 */

/** The cell's field as the Suggester names it, and as the protocol does. */
export const CELL_FIELD = 'value';
export const WIRE_CELL_FIELD = 'shiftValue';

type LogRow = {
  row: unknown;
  version: number;
  client_id: string;
  user_id: string | null;
  user_name: string | null;
  user_role: string | null;
  at: string | Date;
};

const iso = (at: string | Date): string => (at instanceof Date ? at : new Date(at)).toISOString();

/** The base row and the latest other-client change after it, of one item (a member or a cell). */
async function history(
  db: Queryable,
  restaurantId: string,
  collection: string,
  staffId: string,
  itemKey: string,
  baseVersion: number,
  clientId: string,
): Promise<{ base: LogRow | undefined; theirs: LogRow | undefined }> {
  const rows = await db.query<LogRow & { kind: string }>(
    `(select 'base' as kind, row, version, client_id, user_id, user_name, user_role, coalesce(edited_at, created_at) as at
        from staff_sync_changes
       where restaurant_id = $1 and collection = $2 and staff_id = $3::uuid and item_key = $4 and version = $5
       order by seq desc limit 1)
     union all
     (select 'theirs', row, version, client_id, user_id, user_name, user_role, coalesce(edited_at, created_at)
        from staff_sync_changes
       where restaurant_id = $1 and collection = $2 and staff_id = $3::uuid and item_key = $4 and version > $5
         and client_id <> $6
       order by version desc limit 1)`,
    [restaurantId, collection, staffId, itemKey, baseVersion, clientId],
  );
  return { base: rows.find((r) => r.kind === 'base'), theirs: rows.find((r) => r.kind === 'theirs') };
}

function theirsEdit(row: LogRow | undefined, fallbackAt: string): Edit {
  if (!row) return { userId: null, userName: null, role: null, clientId: 'database', at: fallbackAt };
  return {
    userId: row.user_id,
    userName: row.user_name,
    role: row.user_role,
    clientId: row.client_id,
    at: iso(row.at),
  };
}

/** The stale edit: the person in front of the conflict, at the message's time (never in the future). */
export function mineEdit(ctx: MutationContext, clientId: string, timestamp: string, now: number): Edit {
  const at = Math.min(Date.parse(timestamp), now);
  return {
    userId: ctx.userId ?? null,
    userName: ctx.userName ?? null,
    role: ctx.job ?? null,
    clientId,
    at: new Date(Number.isFinite(at) ? at : now).toISOString(),
  };
}

/** A member's CONFLICT as the Suggester's input: the conflicting fields with base, mine and theirs. */
export async function staffConflictInput(
  db: Queryable,
  ctx: MutationContext,
  conflict: ConflictPayload,
  mine: Edit,
  conflictId: string,
): Promise<ConflictInput | undefined> {
  const fields = conflict.conflictingFields.filter((f) => Object.hasOwn(conflict.attempted, f));
  if (fields.length === 0) return undefined;
  const log = await history(db, ctx.restaurantId, 'staff', conflict.staffId, '', conflict.baseVersion, mine.clientId);
  // A log that no longer reaches back to the base: the base is unknown (null).
  const base: Partial<StaffMember> = log.base ? staffRowToMember(log.base.row as StaffRow) : {};
  const current = conflict.current as unknown as Record<string, unknown>;
  const attempted = conflict.attempted as Record<string, unknown>;
  return {
    restaurantId: ctx.restaurantId,
    collection: 'staff',
    key: conflict.staffId,
    conflictId,
    fields: Object.fromEntries(
      fields.map((f) => [
        f,
        { base: (base as Record<string, unknown>)[f] ?? null, mine: attempted[f] ?? null, theirs: current[f] ?? null },
      ]),
    ),
    mine,
    theirs: theirsEdit(log.theirs, conflict.current.updatedAt),
    language: ctx.language ?? 'ja',
  };
}

/** A single cell's CONFLICT (SHIFT_UPDATE) as the Suggester's input; undefined for a bulk change. */
export async function cellConflictInput(
  db: Queryable,
  ctx: MutationContext,
  conflict: ShiftConflictPayload,
  mine: Edit,
  conflictId: string,
): Promise<ConflictInput | undefined> {
  const cell = conflict.cells.length === 1 ? conflict.cells[0] : undefined;
  if (!cell) return undefined;
  const log = await history(db, ctx.restaurantId, 'shift', cell.staffId, cell.dateKey, cell.baseVersion, mine.clientId);
  const baseValue = cell.baseVersion === 0 ? null : ((log.base?.row as { value?: string | null } | undefined)?.value ?? null);
  return {
    restaurantId: ctx.restaurantId,
    collection: 'shift',
    key: `${cell.staffId}/${cell.dateKey}`,
    conflictId,
    fields: { [CELL_FIELD]: { base: baseValue, mine: cell.attempted, theirs: cell.current.shiftValue } },
    mine,
    theirs: theirsEdit(log.theirs, mine.at),
    language: ctx.language ?? 'ja',
  };
}
