import type { Resolves } from '@staff-sync/protocol';
import type { CellMap, StaffSyncError } from '@staff-sync/react';
import { type Choice, resolvesOf } from '../form/conflict-resolution.ts';
import type { CellStep } from './undo-history.ts';

export const cellKey = (staffId: string, dateKey: string) => `${staffId}|${dateKey}`;

/** Every cell the refused change named (a bulk change is refused whole), as (staffId, date, value). */
function refusedCells(error: StaffSyncError): { staffId: string; dateKey: string; value: string | null }[] {
  const m = error.mutation;
  if (m?.type === 'SHIFT_UPDATE')
    return [{ staffId: m.payload.staffId, dateKey: m.payload.dateKey, value: m.payload.shiftValue }];
  if (m?.type === 'SHIFT_BULK_UPDATE') {
    return Object.entries(m.payload.scheduleData).flatMap(([staffId, cells]) =>
      Object.entries(cells).map(([dateKey, value]) => ({ staffId, dateKey, value })),
    );
  }
  return (error.cellConflict?.cells ?? []).map((c) => ({ staffId: c.staffId, dateKey: c.dateKey, value: c.attempted }));
}

/** A suggested cell value, when the suggestion holds one (`changes.shiftValue`). */
function suggestedValue(error: StaffSyncError): string | null | undefined {
  const changes = error.suggestion?.changes;
  if (!changes || !Object.hasOwn(changes, 'shiftValue')) return undefined;
  const value = changes.shiftValue;
  return typeof value === 'string' || value === null ? value : undefined;
}

/** What settling a refused cell change sends: its cells, their base versions, and `resolves` (one cell only). */
export interface CellSettlement {
  steps: CellStep[];
  versions: Map<string, number>;
  resolves: Resolves | undefined;
}

/**
 * A refused change's cells go again (a bulk change is refused whole), the contested ones from
 * their current versions: with the person's values (`mine`), the suggested one (`merged`), or
 * left as they are (`current`, or undecided: Escape). When the server suggested something (a
 * single cell), the choice goes along as `resolves`; "keep current" is then sent as the current
 * value at the current version, which the server acknowledges without a write (docs/assist.md).
 * `cells`: what the screen shows now, for the cells not in conflict.
 */
export function settlementOf(error: StaffSyncError, choice: Choice | undefined, cells: CellMap | undefined): CellSettlement {
  const contested = new Map((error.cellConflict?.cells ?? []).map((c) => [cellKey(c.staffId, c.dateKey), c]));
  const conflicting = error.cellConflict?.conflictingFields ?? [];
  const resolves =
    choice === undefined ? undefined : resolvesOf(error.sequenceNumber, conflicting, { shiftValue: choice }, error.suggestion);
  const suggested = suggestedValue(error);
  const versions = new Map<string, number>();
  const steps: CellStep[] = [];
  for (const cell of refusedCells(error)) {
    const key = cellKey(cell.staffId, cell.dateKey);
    const current = contested.get(key);
    let after = cell.value;
    if (current) {
      if (choice === 'merged' && suggested !== undefined) after = suggested;
      else if (choice !== 'mine') {
        if (!resolves) continue;
        after = current.current.shiftValue;
      }
      versions.set(key, current.current.version);
    }
    const before = current ? current.current.shiftValue : (cells?.get(cell.staffId)?.get(cell.dateKey)?.value ?? null);
    steps.push({ staffId: cell.staffId, dateKey: cell.dateKey, before, after });
  }
  return { steps, versions, resolves: steps.length === 1 ? resolves : undefined };
}
