import type { Period, YMD } from './types.ts';

/**
 * Period rules. A schedule period runs from the 21st of one month to the 20th of the next and is
 * labelled with both months (`1月・2月`). A staff member's `startPeriod`/`endPeriod` are month
 * granular by default: a missing day counts as 1 for a start and 31 for an end.
 */

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `YYYY-MM-DD` for a calendar date (month 1..12). */
export function formatDate(year: number, month: number, day: number): string {
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/** Days in a month (month 1..12). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** A comparable number `yyyymmdd` for the first day a start covers. */
export function startKey(ymd: YMD): number {
  return ymd.year * 10000 + ymd.month * 100 + (ymd.day ?? 1);
}

/** A comparable number `yyyymmdd` for the last day an end covers (a missing day counts as 31). */
export function endKey(ymd: YMD): number {
  return ymd.year * 10000 + ymd.month * 100 + (ymd.day ?? 31);
}

function dateKey(date: string): number {
  return Number(date.slice(0, 4)) * 10000 + Number(date.slice(5, 7)) * 100 + Number(date.slice(8, 10));
}

/** True when `endPeriod` is not before `startPeriod` (either may be open). */
export function isPeriodOrderValid(start: YMD | null | undefined, end: YMD | null | undefined): boolean {
  if (!start || !end) return true;
  return endKey(end) >= startKey(start);
}

/** True when the day exists in its month (day is optional). */
export function isValidYmd(ymd: YMD): boolean {
  if (ymd.day === undefined) return true;
  return ymd.day <= daysInMonth(ymd.year, ymd.month);
}

/** The period's label: its two months, as the schedule app shows them (`12月・1月`). */
export function periodLabel(startMonth: number): string {
  const next = startMonth === 12 ? 1 : startMonth + 1;
  return `${startMonth}月・${next}月`;
}

/**
 * The default periods: `count` consecutive periods from the 21st of `first.month` in `first.year`
 * to the 20th of the next month, indexed from 0.
 */
export function defaultPeriods(first: { year: number; month: number }, count: number): Period[] {
  const periods: Period[] = [];
  let year = first.year;
  let month = first.month;
  for (let index = 0; index < count; index++) {
    const endYear = month === 12 ? year + 1 : year;
    const endMonth = month === 12 ? 1 : month + 1;
    periods.push({
      index,
      startDate: formatDate(year, month, 21),
      endDate: formatDate(endYear, endMonth, 20),
      label: periodLabel(month),
    });
    year = endYear;
    month = endMonth;
  }
  return periods;
}

/** The index of the period containing `date` (`YYYY-MM-DD`), or -1. */
export function periodIndexOf(periods: readonly Period[], date: string): number {
  const key = dateKey(date);
  const found = periods.find((p) => dateKey(p.startDate) <= key && key <= dateKey(p.endDate));
  return found ? found.index : -1;
}

/**
 * A member is in a period when its `[startPeriod, endPeriod]` overlaps the period's dates.
 * Open ends (null) reach forever in their direction.
 */
export function isInPeriod(
  member: { startPeriod: YMD | null; endPeriod: YMD | null },
  period: Pick<Period, 'startDate' | 'endDate'>,
): boolean {
  if (member.startPeriod && startKey(member.startPeriod) > dateKey(period.endDate)) return false;
  if (member.endPeriod && endKey(member.endPeriod) < dateKey(period.startDate)) return false;
  return true;
}
