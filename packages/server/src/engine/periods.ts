import { defaultPeriods, type Period, periodIndexOf } from '@staff-sync/protocol';
import type { Queryable } from '../storage/db.ts';
import { readPeriods } from '../storage/staff-queries.ts';

export interface PeriodSettings {
  /** `YYYY-MM`: the month whose 21st starts default period 0. */
  periodsStart: string;
  /** Default periods listed beyond the current one. */
  periodsAhead: number;
}

/**
 * The default periods: from PERIODS_START to `periodsAhead` periods past the one containing
 * `today`. Index 0 stays the same period over time, so a client's period index keeps its meaning.
 */
function defaultPeriodsUntil(settings: PeriodSettings, today: Date): Period[] {
  const [year, month] = settings.periodsStart.split('-').map(Number) as [number, number];
  // The period containing today started this month if today is the 21st or later, else last month.
  let y = today.getFullYear();
  let m = today.getMonth() + 1;
  if (today.getDate() < 21) {
    m -= 1;
    if (m === 0) {
      m = 12;
      y -= 1;
    }
  }
  const current = (y - year) * 12 + (m - month);
  return defaultPeriods({ year, month }, Math.max(current, 0) + 1 + settings.periodsAhead);
}

/** The restaurant's periods: its own `schedule_periods` rows, else the default ones. */
export async function periodsFor(
  q: Queryable,
  restaurantId: string,
  settings: PeriodSettings,
  today = new Date(),
): Promise<Period[]> {
  const own = await readPeriods(q, restaurantId);
  return own.length > 0 ? own : defaultPeriodsUntil(settings, today);
}

/** The index of the period containing `today`, else the last one. */
export function currentPeriodIndex(periods: readonly Period[], today = new Date()): number {
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${today.getFullYear()}-${pad(today.getMonth() + 1)}-${pad(today.getDate())}`;
  const index = periodIndexOf(periods, date);
  return index >= 0 ? index : Math.max(periods.length - 1, 0);
}
