import type { Resolves, StaffMember } from '@staff-sync/protocol';
import type { CellMap, CellResult, Schedule, StaffSyncError } from '@staff-sync/react';
import { useStaffSyncClient } from '@staff-sync/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useToasts } from '../components/toasts.tsx';
import { type Choice, undoOf } from '../form/conflict-resolution.ts';
import { useMessages } from '../i18n/i18n.tsx';
import { reasonOf } from '../staff/use-staff-actions.ts';
import { cellKey, settlementOf } from './cell-settlement.ts';
import { type CellStep, type Edit, reversalOf, UndoHistory } from './undo-history.ts';

export interface CellCommands {
  /** Set the cells (one change: a single cell, else one bulk change) and remember it for undo. */
  commit: (steps: CellStep[]) => void;
  undo: () => void;
  redo: () => void;
  /** The oldest cell conflict the person has not decided yet. */
  conflict: StaffSyncError | undefined;
  /**
   * The person decided the oldest conflict: their values over the current ones (`mine`, a new
   * change from the current versions), the current ones (`current`), or the server's suggested
   * value (`merged`). When the server suggested something, the choice goes with `resolves`.
   */
  decide: (choice: Choice) => void;
  /** Escape: the cells stay as they are, and the server hears nothing. */
  dismiss: () => void;
}

const isCellMutation = (error: StaffSyncError) => error.mutation?.type.startsWith('SHIFT_') === true;

/**
 * The schedule's changes and what the person sees of their outcome: a conflict goes to the cell
 * conflict dialog, any other refusal to a toast, a change the server resolved itself (strategy
 * assisted) to a toast naming what it kept, with a way back to the person's value. Undo and redo
 * make new changes (docs/web.md).
 */
export function useCellCommands(schedule: Schedule, members: readonly StaffMember[]): CellCommands {
  const toasts = useToasts();
  const messages = useMessages();
  const client = useStaffSyncClient();
  const messagesRef = useRef(messages);
  messagesRef.current = messages;
  const cellsRef = useRef<CellMap | undefined>(undefined);
  cellsRef.current = schedule.schedule?.cells;
  const membersRef = useRef(members);
  membersRef.current = members;
  const history = useMemo(() => new UndoHistory(), []);
  const [conflicts, setConflicts] = useState<StaffSyncError[]>([]);
  const { setCell, setCells } = schedule;

  // Set below, once `send` exists; a refusal or an answer arrives later than both.
  const resendRef = useRef<(error: StaffSyncError, choice: Choice | undefined) => void>(() => {});
  const resolvedRef = useRef<(step: CellStep, result: CellResult) => void>(() => {});

  const refused = useCallback(
    (error: unknown) => {
      const e = error as StaffSyncError;
      if (e?.code === 'CONFLICT' && e.cellConflict) {
        // Nothing to decide when every contested cell already holds what the person tried: the
        // rest of a refused bulk change goes again.
        if (e.cellConflict.cells.every((c) => c.current.shiftValue === c.attempted)) {
          resendRef.current(e, undefined);
          return;
        }
        setConflicts((list) => [...list, e]);
        return;
      }
      toasts.show('error', messagesRef.current.schedule.failed(reasonOf(messagesRef.current, error)));
    },
    [toasts],
  );

  /** `resolves`: the conflict a single cell's change settles (a bulk change cannot carry one). */
  const send = useCallback(
    (steps: CellStep[], baseVersions?: Map<string, number>, resolves?: Resolves): Edit | undefined => {
      if (steps.length === 0) return undefined;
      const edit: Edit = { cells: steps };
      const base = (s: CellStep) => baseVersions?.get(cellKey(s.staffId, s.dateKey));
      const only = steps[0] as CellStep;
      const sent: Promise<CellResult> =
        steps.length === 1
          ? setCell(only.staffId, only.dateKey, only.after, {
              ...(base(only) === undefined ? {} : { baseVersion: base(only) }),
              ...(resolves ? { resolves } : {}),
            })
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
        if (result.resolved && steps.length === 1) resolvedRef.current(only, result);
      }, refused);
      return edit;
    },
    [setCell, setCells, refused],
  );

  /** Settle a refused change (see `settlementOf`): what goes again, recorded for undo when it changes anything. */
  resendRef.current = (error: StaffSyncError, choice: Choice | undefined) => {
    const { steps, versions, resolves } = settlementOf(error, choice, cellsRef.current);
    const edit = send(steps, versions, resolves);
    if (edit && steps.some((s) => s.before !== s.after)) history.record(edit);
  };

  /** A cell change the server resolved itself: what it kept, and (unless it kept "mine") the undo. */
  resolvedRef.current = (step: CellStep, result: CellResult) => {
    if (!result.resolved) return;
    const m = messagesRef.current;
    const { staffId, dateKey } = step;
    const kept = m.toast.kept[result.resolved.basis.shiftValue ?? 'theirs'];
    const name = membersRef.current.find((member) => member.id === staffId)?.name ?? m.unknownMember;
    const undo = undoOf(result.resolved, { shiftValue: step.after }, result.sequenceNumber);
    const run = () => {
      if (!undo) return;
      const now = cellsRef.current?.get(staffId)?.get(dateKey);
      const version = Math.max(now?.version ?? 0, result.versions[staffId]?.[dateKey] ?? 0);
      const back: CellStep = { staffId, dateKey, before: now?.value ?? null, after: undo.changes.shiftValue };
      const edit = send([back], new Map([[cellKey(staffId, dateKey), version]]), undo.resolves);
      if (edit) history.record(edit);
    };
    toasts.show('info', m.schedule.conflict.autoResolved(name, dateKey, kept), {
      ...(undo ? { action: { label: m.toast.undo, run } } : {}),
    });
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

  /** Decide the oldest conflict (see `resendRef`) and take it off the queue; undefined: Escape. */
  const settle = useCallback(
    (choice: Choice | undefined) => {
      const error = conflicts[0];
      setConflicts((list) => list.slice(1));
      if (error) resendRef.current(error, choice);
      if (choice === undefined || choice === 'current') toasts.show('info', messagesRef.current.schedule.keptCurrent);
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
      decide: (choice: Choice) => settle(choice),
      dismiss: () => settle(undefined),
    }),
    [send, reverse, history, conflicts, settle],
  );
}
