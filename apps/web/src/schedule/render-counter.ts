/**
 * How many times schedule rows rendered: bench/schedule-render.ts reads it to prove that a cell
 * change repaints one row, not the grid. A plain counter, cheap enough to keep in production.
 */
export const renderCounter = { rows: 0 };

if (typeof window !== 'undefined' && new URLSearchParams(window.location.search).has('bench')) {
  (window as unknown as { __scheduleRenders: typeof renderCounter }).__scheduleRenders = renderCounter;
}
