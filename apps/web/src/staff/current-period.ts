import { type Period, periodIndexOf } from '@staff-sync/protocol';

/** The period containing today (the person's local date), else the last one; undefined without periods. */
export function currentPeriodIndex(periods: readonly Period[], today = new Date()): number | undefined {
  if (periods.length === 0) return undefined;
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${today.getFullYear()}-${pad(today.getMonth() + 1)}-${pad(today.getDate())}`;
  const index = periodIndexOf(periods, date);
  return index >= 0 ? index : (periods.at(-1) as Period).index;
}
