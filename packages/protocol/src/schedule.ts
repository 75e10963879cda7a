import { endKey, startKey } from './periods.ts';
import type { EmploymentStatus, Period, StaffMember } from './types.ts';

/**
 * The shift schedule: one cell per (staff member, date), holding a short value. Symbols and the
 * rules of which status may use which are the real app's (docs/schedule.md).
 */

/** The schedule's symbols and what each means. */
export const SHIFT_SYMBOLS = {
  early: '△',
  normal: '',
  normalPart: '○',
  late: 'late',
  special: '●',
  friedEgg: '◎',
  appetizer: '▣',
  off: '×',
  designatedHoliday: '★',
  unavailable: '⊘',
} as const;

export type ShiftSymbol = (typeof SHIFT_SYMBOLS)[keyof typeof SHIFT_SYMBOLS];

const SYMBOL_SET: ReadonlySet<string> = new Set(Object.values(SHIFT_SYMBOLS));

/** The symbols each employment status may use, in the order a picker offers them. */
export const SYMBOLS_BY_STATUS: Readonly<Record<EmploymentStatus, readonly ShiftSymbol[]>> = {
  社員: ['', '×', '△', 'late', '◎', '▣', '★', '●'],
  パート: ['⊘', '○', '×'],
  派遣: ['', '×', '△', '★'],
};

/** Longest custom text a cell may hold (after trimming). */
export const CUSTOM_TEXT_MAX = 20;

export function isShiftSymbol(value: string): value is ShiftSymbol {
  return SYMBOL_SET.has(value);
}

/**
 * Why `value` may not go into a cell of a member with `status`, or undefined when it may: one of
 * the status's symbols, or a custom text of 1..20 characters that is no symbol. `null` (clearing
 * the cell) is always allowed.
 */
export function cellValueProblem(status: EmploymentStatus, value: string | null): string | undefined {
  if (value === null) return undefined;
  if (isShiftSymbol(value)) {
    return SYMBOLS_BY_STATUS[status].includes(value) ? undefined : `"${value}" is not a symbol a ${status} member may have`;
  }
  const text = value.trim();
  if (text.length === 0) return 'a custom text must not be empty';
  if ([...text].length > CUSTOM_TEXT_MAX) return `a custom text must be at most ${CUSTOM_TEXT_MAX} characters`;
  return undefined;
}

/** `YYYY-MM-DD` as a comparable number. */
const dayNumber = (date: string): number =>
  Number(date.slice(0, 4)) * 10000 + Number(date.slice(5, 7)) * 100 + Number(date.slice(8, 10));

/** True when the member is employed on `date` (its start and end periods, a missing day as 1 and 31). */
export function isActiveOn(member: Pick<StaffMember, 'startPeriod' | 'endPeriod'>, date: string): boolean {
  const day = dayNumber(date);
  if (member.startPeriod && startKey(member.startPeriod) > day) return false;
  if (member.endPeriod && endKey(member.endPeriod) < day) return false;
  return true;
}

/** True when `date` lies within the period. */
export function isInPeriodDates(period: Pick<Period, 'startDate' | 'endDate'>, date: string): boolean {
  return date >= period.startDate && date <= period.endDate;
}

/** Every date of a period, `YYYY-MM-DD`, in order. */
export function periodDates(period: Pick<Period, 'startDate' | 'endDate'>): string[] {
  const dates: string[] = [];
  const day = new Date(`${period.startDate}T00:00:00Z`);
  const end = new Date(`${period.endDate}T00:00:00Z`);
  while (day <= end) {
    dates.push(day.toISOString().slice(0, 10));
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return dates;
}
