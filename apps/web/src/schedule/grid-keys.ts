import type { KeyboardEvent } from 'react';

/** What a key on the grid asks for (docs/web.md, "The schedule screen"). */
export type GridCommand =
  | { kind: 'move'; dRow: number; dCol: number; extend: boolean }
  | { kind: 'picker' }
  | { kind: 'collapse' }
  | { kind: 'clear' }
  | { kind: 'undo' }
  | { kind: 'redo' }
  | { kind: 'symbol'; key: string };

const ARROWS: Record<string, [number, number]> = {
  ArrowUp: [-1, 0],
  ArrowDown: [1, 0],
  ArrowLeft: [0, -1],
  ArrowRight: [0, 1],
};

/** The command of a key press on the grid, or undefined for keys it leaves alone (Tab, …). */
export function gridCommand(
  event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>,
): GridCommand | undefined {
  const arrow = ARROWS[event.key];
  if (arrow) return { kind: 'move', dRow: arrow[0], dCol: arrow[1], extend: event.shiftKey };
  const mod = event.ctrlKey || event.metaKey;
  const key = event.key.toLowerCase();
  if (mod && key === 'z') return event.shiftKey ? { kind: 'redo' } : { kind: 'undo' };
  if (mod && key === 'y') return { kind: 'redo' };
  if (mod || event.altKey) return undefined;
  if (event.key === 'Enter' || event.key === 'F2') return { kind: 'picker' };
  if (event.key === 'Escape') return { kind: 'collapse' };
  if (event.key === 'Delete' || event.key === 'Backspace') return { kind: 'clear' };
  if (key.length === 1 && /[a-z]/.test(key)) return { kind: 'symbol', key };
  return undefined;
}
