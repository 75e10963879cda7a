import { useCallback, useEffect, useMemo, useRef, useState } from 'react';

/** A cell by its row (member, in the grid's order) and column (day). */
export interface CellPos {
  row: number;
  col: number;
}

/** The selected rectangle, inclusive. */
export interface CellRange {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export interface CellSelection {
  /** The cell the keyboard is on (null until the person picks one). */
  active: CellPos | null;
  /** The rectangle from the anchor to the active cell; a single cell when no range is chosen. */
  range: CellRange | null;
  /** Move the active cell by (dRow, dCol); with `extend`, grow the range from its anchor. */
  move: (dRow: number, dCol: number, extend: boolean) => void;
  /** Mouse down on a cell: it becomes active (Shift: the range grows to it) and a drag begins. */
  press: (pos: CellPos, extend: boolean) => void;
  /** The mouse enters a cell: while dragging, the range follows it. */
  hover: (pos: CellPos) => void;
}

const clamp = (n: number, max: number) => Math.max(0, Math.min(max, n));

/**
 * Which cells are selected: an active cell and an anchor, moved by arrows (Shift grows the range)
 * or by the mouse (drag, Shift+click). Kept inside a grid of `rows` x `cols`.
 */
export function useCellSelection(rows: number, cols: number): CellSelection {
  const [active, setActive] = useState<CellPos | null>(null);
  const [anchor, setAnchor] = useState<CellPos | null>(null);
  const dragging = useRef(false);

  useEffect(() => {
    const stop = () => {
      dragging.current = false;
    };
    window.addEventListener('mouseup', stop);
    return () => window.removeEventListener('mouseup', stop);
  }, []);

  // Rows come and go (a member added or deleted): keep the selection inside the grid.
  const inside = (pos: CellPos | null) =>
    pos && rows > 0 && cols > 0 ? { row: clamp(pos.row, rows - 1), col: clamp(pos.col, cols - 1) } : null;
  const a = inside(active);
  const b = inside(anchor) ?? a;

  const move = (dRow: number, dCol: number, extend: boolean) => {
    if (rows === 0 || cols === 0) return;
    const from = a ?? { row: 0, col: 0 };
    const next = a ? { row: clamp(from.row + dRow, rows - 1), col: clamp(from.col + dCol, cols - 1) } : from;
    setActive(next);
    if (!extend) setAnchor(next);
    else setAnchor(b ?? from);
  };
  const press = useCallback((pos: CellPos, extend: boolean) => {
    dragging.current = true;
    setActive(pos);
    if (!extend) setAnchor(pos);
  }, []);
  const hover = useCallback((pos: CellPos) => {
    if (dragging.current) setActive((was) => (was && was.row === pos.row && was.col === pos.col ? was : pos));
  }, []);

  const top = a && b ? Math.min(a.row, b.row) : -1;
  const bottom = a && b ? Math.max(a.row, b.row) : -1;
  const left = a && b ? Math.min(a.col, b.col) : -1;
  const right = a && b ? Math.max(a.col, b.col) : -1;
  // One object while the rectangle stays: the grid passes its numbers on to memoized rows.
  const range = useMemo(() => (top < 0 ? null : { top, bottom, left, right }), [top, bottom, left, right]);
  const activeRow = a?.row ?? -1;
  const activeCol = a?.col ?? -1;
  const current = useMemo(() => (activeRow < 0 ? null : { row: activeRow, col: activeCol }), [activeRow, activeCol]);
  return { active: current, range, move, press, hover };
}
