import { DEPARTMENTS, type Department, type Period, periodDates, SHIFT_SYMBOLS, type StaffMember } from '@staff-sync/protocol';
import type { CellMap, ScheduleCell } from '@staff-sync/react';
import { cellKind } from './cell-values.ts';
import { holidayName } from './holidays.ts';

/** One column of the grid. */
export interface Day {
  date: string;
  /** Day of the month. */
  day: number;
  /** 0 = Sunday. */
  weekday: number;
  /** The public holiday's name, when it is one. */
  holiday: string | undefined;
}

/** The period's days, in order. */
export function daysOf(period: Pick<Period, 'startDate' | 'endDate'> | undefined): Day[] {
  if (!period) return [];
  return periodDates(period).map((date) => ({
    date,
    day: Number(date.slice(8, 10)),
    weekday: new Date(`${date}T00:00:00Z`).getUTCDay(),
    holiday: holidayName(date),
  }));
}

/** The members of one department, in display order. */
export interface DepartmentGroup {
  department: Department;
  members: StaffMember[];
}

/** The period's members grouped by department (調理, ホール, 管理), each in the order given. */
export function groupByDepartment(members: readonly StaffMember[]): DepartmentGroup[] {
  return DEPARTMENTS.map((department) => ({ department, members: members.filter((m) => m.department === department) })).filter(
    (g) => g.members.length > 0,
  );
}

const NO_CELLS: ReadonlyMap<string, ScheduleCell> = new Map();

/** A member's cell map, empty when none is held. */
export function cellsOf(cells: CellMap | undefined, staffId: string): ReadonlyMap<string, ScheduleCell> {
  return cells?.get(staffId) ?? NO_CELLS;
}

/** Days off and days worked of one member over the period's dates. */
export function memberCounts(cells: ReadonlyMap<string, ScheduleCell>, days: readonly Day[]): { off: number; work: number } {
  let off = 0;
  let work = 0;
  for (const { date } of days) {
    const kind = cellKind(cells.get(date)?.value ?? null);
    if (kind === 'off') off++;
    else if (kind === 'work') work++;
  }
  return { off, work };
}

export interface DayCounts {
  work: number;
  off: number;
  early: number;
  late: number;
}

/** For each day: how many work, are off, and on the early (△) and late shifts. */
export function dayCounts(cells: CellMap | undefined, members: readonly StaffMember[], days: readonly Day[]): DayCounts[] {
  return days.map(({ date }) => {
    const counts = { work: 0, off: 0, early: 0, late: 0 };
    for (const member of members) {
      const value = cells?.get(member.id)?.get(date)?.value ?? null;
      const kind = cellKind(value);
      if (kind === 'off') counts.off++;
      else if (kind === 'work') counts.work++;
      if (value === SHIFT_SYMBOLS.early) counts.early++;
      if (value === SHIFT_SYMBOLS.late) counts.late++;
    }
    return counts;
  });
}
