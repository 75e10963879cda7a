import type { CellMap, CellResult, Schedule, StaffSyncError } from '@staff-sync/react';
import { useStaffSyncClient } from '@staff-sync/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useToasts } from '../components/toasts.tsx';
import { useMessages } from '../i18n/i18n.tsx';
import { reasonOf } from '../staff/use-staff-actions.ts';
import { type CellStep, type Edit, reversalOf, UndoHistory } from './undo-history.ts';

export interface CellCommands {
  /** Set the cells (one change: a single cell, else one bulk change) and remember it for undo. */
  commit: (steps: CellStep[]) => void;
  undo: () => void;
  redo: () => void;
  /** The oldest cell conflict the person has not decided yet. */
  conflict: StaffSyncError | undefined;
  /** Apply the person's values over the current ones (a new change from the current versions). */
  applyMine: () => void;
  keepCurrent: () => void;
}

const isCellMutation = (error: StaffSyncError) => error.mutation?.type.startsWith('SHIFT_') === true;
const cellKey = (staffId: string, dateKey: string) => `${staffId}|${dateKey}`;

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

/**
 * The schedule's changes and what the person sees of their outcome: a conflict goes to the cell
 * conflict dialog, any other refusal to a toast. Undo and redo make new changes (docs/web.md).
 */
export function useCellCommands(schedule: Schedule): CellCommands {
  const toasts = useToasts();
  const messages = useMessages();
  const client = useStaffSyncClient();
  const messagesRef = useRef(messages);
  messagesRef.current = messages;
  const cellsRef = useRef<CellMap | undefined>(undefined);
  cellsRef.current = schedule.schedule?.cells;
  const history = useMemo(() => new UndoHistory(), []);
  const [conflicts, setConflicts] = useState<StaffSyncError[]>([]);
  const { setCell, setCells } = schedule;

  // Set below, once `send` exists; a refusal arrives later than both.
  const resendRef = useRef<(error: StaffSyncError, mine: boolean) => void>(() => {});

  const refused = useCallback(
    (error: unknown) => {
      const e = error as StaffSyncError;
      if (e?.code === 'CONFLICT' && e.cellConflict) {
        // Nothing to decide when every contested cell already holds what the person tried: the
        // rest of a refused bulk change goes again.
        if (e.cellConflict.cells.every((c) => c.current.shiftValue === c.attempted)) {
          resendRef.current(e, false);
          return;
        }
        setConflicts((list) => [...list, e]);
        return;
      }
      toasts.show('error', messagesRef.current.schedule.failed(reasonOf(messagesRef.current, error)));
    },
    [toasts],
  );

  const send = useCallback(
    (steps: CellStep[], baseVersions?: Map<string, number>): Edit | undefined => {
      if (steps.length === 0) return undefined;
      const edit: Edit = { cells: steps };
      const base = (s: CellStep) => baseVersions?.get(cellKey(s.staffId, s.dateKey));
      const only = steps[0] as CellStep;
      const sent: Promise<CellResult> =
        steps.length === 1
          ? setCell(only.staffId, only.dateKey, only.after, base(only) === undefined ? {} : { baseVersion: base(only) })
          : setCells(
              steps.map((s) => ({
                staffId: s.staffId,
                dateKey: s.dateKey,
                value: s.after,
                ...(base(s) === undefined ? {} : { baseVersion: base(s) }),
              })),
            );
      sent.then((result) => {
        edit.versions = result.versions;
      }, refused);
      return edit;
    },
    [setCell, setCells, refused],
  );

  /**
   * A refused change's cells go again (a bulk change is refused whole): the contested ones with the
   * person's values from their current versions (`mine`) or left as they are (not `mine`).
   */
  resendRef.current = (error: StaffSyncError, mine: boolean) => {
    const contested = new Map((error.cellConflict?.cells ?? []).map((c) => [cellKey(c.staffId, c.dateKey), c]));
    const versions = new Map<string, number>();
    const steps: CellStep[] = [];
    for (const cell of refusedCells(error)) {
      const key = cellKey(cell.staffId, cell.dateKey);
      const current = contested.get(key);
      if (current && !mine) continue;
      if (current) versions.set(key, current.current.version);
      const before = current
        ? current.current.shiftValue
        : (cellsRef.current?.get(cell.staffId)?.get(cell.dateKey)?.value ?? null);
      steps.push({ staffId: cell.staffId, dateKey: cell.dateKey, before, after: cell.value });
    }
    const edit = send(steps, versions);
    if (edit) history.record(edit);
  };

  useEffect(() => {
    // Refusals no promise of this page hears of (re-sent after a reload, a closed tab's).
    const unanswered = (error: StaffSyncError) => {
      if (error.origin !== 'promise' && isCellMutation(error)) refused(error);
    };
    const off = [client.on('conflict', unanswered), client.on('error', unanswered)];
    return () => {
      for (const unsubscribe of off) unsubscribe();
    };
  }, [client, refused]);

  const reverse = useCallback(
    (take: () => Edit | undefined, keep: (edit: Edit) => void, nothing: string) => {
      const edit = take();
      if (!edit) {
        toasts.show('info', nothing);
        return;
      }
      const { cells, skipped } = reversalOf(edit, cellsRef.current);
      const made = send(cells);
      if (made) keep(made);
      if (skipped > 0) toasts.show('info', messagesRef.current.schedule.undoSkipped(skipped));
    },
    [send, toasts],
  );

  /** Decide the oldest conflict (see `resendRefused`) and take it off the queue. */
  const settle = useCallback(
    (mine: boolean) => {
      const error = conflicts[0];
      setConflicts((list) => list.slice(1));
      if (error) resendRef.current(error, mine);
      if (!mine) toasts.show('info', messagesRef.current.schedule.keptCurrent);
    },
    [conflicts, toasts],
  );

  return useMemo(
    () => ({
      commit: (steps: CellStep[]) => {
        const edit = send(steps);
        if (edit) history.record(edit);
      },
      undo: () =>
        reverse(
          () => history.takeUndo(),
          (edit) => history.pushRedo(edit),
          messagesRef.current.schedule.nothingToUndo,
        ),
      redo: () =>
        reverse(
          () => history.takeRedo(),
          (edit) => history.pushUndo(edit),
          messagesRef.current.schedule.nothingToRedo,
        ),
      conflict: conflicts[0],
      applyMine: () => settle(true),
      keepCurrent: () => settle(false),
    }),
    [send, reverse, history, conflicts, settle],
  );
}
