import { describe, expect, it } from 'vitest';
import { defaultPeriods, isInPeriod, isPeriodOrderValid, isValidYmd, periodIndexOf, periodLabel } from '../../src/index.ts';

describe('period rules', () => {
  it('default periods run from the 21st to the 20th of the next month, labelled with both months', () => {
    expect(defaultPeriods({ year: 2025, month: 11 }, 3)).toEqual([
      { index: 0, startDate: '2025-11-21', endDate: '2025-12-20', label: '11月・12月' },
      { index: 1, startDate: '2025-12-21', endDate: '2026-01-20', label: '12月・1月' },
      { index: 2, startDate: '2026-01-21', endDate: '2026-02-20', label: '1月・2月' },
    ]);
    expect(periodLabel(1)).toBe('1月・2月');
  });

  it('finds the period containing a date', () => {
    const periods = defaultPeriods({ year: 2026, month: 1 }, 3);
    expect(periodIndexOf(periods, '2026-01-21')).toBe(0);
    expect(periodIndexOf(periods, '2026-02-20')).toBe(0);
    expect(periodIndexOf(periods, '2026-02-21')).toBe(1);
    expect(periodIndexOf(periods, '2026-01-20')).toBe(-1);
  });

  it('a member is in a period when its start and end overlap it; a missing day is 1 for a start, 31 for an end', () => {
    const period = { startDate: '2026-01-21', endDate: '2026-02-20' };
    expect(isInPeriod({ startPeriod: null, endPeriod: null }, period)).toBe(true);
    expect(isInPeriod({ startPeriod: { year: 2026, month: 2 }, endPeriod: null }, period)).toBe(true); // from Feb 1
    expect(isInPeriod({ startPeriod: { year: 2026, month: 2, day: 21 }, endPeriod: null }, period)).toBe(false);
    expect(isInPeriod({ startPeriod: null, endPeriod: { year: 2026, month: 1 } }, period)).toBe(true); // to Jan 31
    expect(isInPeriod({ startPeriod: null, endPeriod: { year: 2026, month: 1, day: 20 } }, period)).toBe(false);
    expect(isInPeriod({ startPeriod: { year: 2025, month: 3 }, endPeriod: { year: 2025, month: 12 } }, period)).toBe(false);
  });

  it('an end must not be before its start; a day must exist', () => {
    expect(isPeriodOrderValid({ year: 2026, month: 3 }, { year: 2026, month: 3 })).toBe(true);
    expect(isPeriodOrderValid({ year: 2026, month: 3, day: 15 }, { year: 2026, month: 3 })).toBe(true);
    expect(isPeriodOrderValid({ year: 2026, month: 3 }, { year: 2026, month: 2, day: 28 })).toBe(false);
    expect(isPeriodOrderValid(null, { year: 2020, month: 1 })).toBe(true);
    expect(isValidYmd({ year: 2024, month: 2, day: 29 })).toBe(true);
    expect(isValidYmd({ year: 2025, month: 2, day: 29 })).toBe(false);
  });
});
