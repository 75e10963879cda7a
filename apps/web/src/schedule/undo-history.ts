import type { CellMap } from '@staff-sync/react';

/** One cell of an edit: what it held before and what the person set. */
export interface CellStep {
  staffId: string;
  dateKey: string;
  before: string | null;
  after: string | null;
}

/** One of the person's own changes (a cell, a range), as undo and redo see it. */
export interface Edit {
  cells: CellStep[];
  /** The versions the server gave the cells (from the ACK); until then the values are compared. */
  versions?: Record<string, Record<string, number>>;
}

/** Which cells of an edit can be taken back now, and how many someone else changed since. */
export interface Reversal {
  cells: CellStep[];
  skipped: number;
}

const LIMIT = 100;

/**
 * The person's own last changes, newest last. Undo and redo never rewrite history: each makes a new
 * change that sets the cells back (docs/web.md, "Undo"), and skips a cell someone else changed
 * since, which keeps their change.
 */
export class UndoHistory {
  #undo: Edit[] = [];
  #redo: Edit[] = [];

  get canUndo(): boolean {
    return this.#undo.length > 0;
  }

  get canRedo(): boolean {
    return this.#redo.length > 0;
  }

  /** A new change by the person: it starts a new branch (nothing left to redo). */
  record(edit: Edit): void {
    this.#undo = [...this.#undo, edit].slice(-LIMIT);
    this.#redo = [];
  }

  /** Take the newest change to undo; the caller applies the reversal and records its result with `pushRedo`. */
  takeUndo(): Edit | undefined {
    return this.#undo.pop();
  }

  takeRedo(): Edit | undefined {
    return this.#redo.pop();
  }

  pushRedo(edit: Edit): void {
    this.#redo.push(edit);
  }

  pushUndo(edit: Edit): void {
    this.#undo = [...this.#undo, edit].slice(-LIMIT);
  }
}

/**
 * The cells of `edit` to set back to `before`: those that still show what the edit set (at the
 * version its ACK gave, once known). The rest were changed by someone else since.
 */
export function reversalOf(edit: Edit, cells: CellMap | undefined): Reversal {
  const out: CellStep[] = [];
  let skipped = 0;
  for (const step of edit.cells) {
    const cell = cells?.get(step.staffId)?.get(step.dateKey);
    const value = cell?.value ?? null;
    const version = edit.versions?.[step.staffId]?.[step.dateKey];
    const untouched = value === step.after && (version === undefined || cell?.pending || (cell?.version ?? 0) === version);
    if (untouched) out.push({ ...step, before: step.after, after: step.before });
    else skipped++;
  }
  return { cells: out, skipped };
}
