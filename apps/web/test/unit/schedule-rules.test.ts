import type { ConflictSuggestion, MutationMessage, StaffMember } from '@staff-sync/protocol';
import { type CellMap, type ScheduleCell, StaffSyncError } from '@staff-sync/react';
import { describe, expect, it } from 'vitest';
import { settlementOf } from '../../src/schedule/cell-settlement.ts';
import { cellKind, symbolForKey } from '../../src/schedule/cell-values.ts';
import { scheduleCsv } from '../../src/schedule/csv.ts';
import { gridCommand } from '../../src/schedule/grid-keys.ts';
import { dayCounts, daysOf, groupByDepartment, memberCounts } from '../../src/schedule/grid-model.ts';
import { holidayName, holidaysOf } from '../../src/schedule/holidays.ts';
import { reversalOf, UndoHistory } from '../../src/schedule/undo-history.ts';

const member = (id: string, over: Partial<StaffMember> = {}): StaffMember => ({
  id,
  name: id,
  position: 'ホール',
  department: 'ホール',
  status: '社員',
  type: 'regular',
  color: null,
  order: 0,
  startPeriod: null,
  endPeriod: null,
  isActive: true,
  version: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...over,
});

const cells = (entries: Record<string, Record<string, Partial<ScheduleCell> & { value: string | null }>>): CellMap =>
  new Map(
    Object.entries(entries).map(([id, byDate]) => [
      id,
      new Map(Object.entries(byDate).map(([d, c]) => [d, { version: 1, pending: false, ...c }])),
    ]),
  );

const key = (k: string, mods: Partial<{ ctrlKey: boolean; shiftKey: boolean; metaKey: boolean; altKey: boolean }> = {}) =>
  gridCommand({ key: k, ctrlKey: false, shiftKey: false, metaKey: false, altKey: false, ...mods });

/** The schedule screen's rules without a browser: holidays, keys, counts, undo, CSV. */
describe('schedule screen rules', () => {
  it("knows Japan's public holidays, substitutes and the day between two holidays", () => {
    expect(holidayName('2026-01-01')).toBe('元日');
    expect(holidayName('2026-01-12')).toBe('成人の日');
    expect(holidayName('2026-03-20')).toBe('春分の日');
    expect(holidayName('2026-05-06')).toBe('振替休日'); // 5/3 is a Sunday
    expect(holidayName('2026-09-22')).toBe('国民の休日'); // between 敬老の日 and 秋分の日
    expect(holidayName('2024-02-12')).toBe('振替休日');
    expect(holidayName('2020-07-24')).toBe('スポーツの日'); // moved for the Olympics
    expect(holidayName('2019-05-01')).toBe('天皇の即位の日');
    expect(holidayName('2026-12-23')).toBeUndefined();
    expect(holidaysOf(2025).size).toBe(19);
  });

  it('the period as days with weekdays, and members grouped by department in their order', () => {
    const days = daysOf({ startDate: '2026-01-01', endDate: '2026-01-31' });
    expect(days).toHaveLength(31);
    expect(days[0]).toEqual({ date: '2026-01-01', day: 1, weekday: 4, holiday: '元日' });
    const groups = groupByDepartment([
      member('a', { department: '管理' }),
      member('b', { department: '調理' }),
      member('c', { department: '管理' }),
    ]);
    expect(groups.map((g) => [g.department, g.members.map((m) => m.id)])).toEqual([
      ['調理', ['b']],
      ['管理', ['a', 'c']],
    ]);
  });

  it('one key per symbol, by the member status; arrows, ranges, undo and redo', () => {
    expect(symbolForKey('n', '社員')).toBe('');
    expect(symbolForKey('N', 'パート')).toBe('○');
    expect(symbolForKey('l', '派遣')).toBe('late');
    expect(symbolForKey('q', '社員')).toBeUndefined();
    expect(key('ArrowLeft', { shiftKey: true })).toEqual({ kind: 'move', dRow: 0, dCol: -1, extend: true });
    expect(key('z', { ctrlKey: true })).toEqual({ kind: 'undo' });
    expect(key('Z', { ctrlKey: true, shiftKey: true })).toEqual({ kind: 'redo' });
    expect(key('y', { metaKey: true })).toEqual({ kind: 'redo' });
    expect(key('Backspace')).toEqual({ kind: 'clear' });
    expect(key('Enter')).toEqual({ kind: 'picker' });
    expect(key('Escape')).toEqual({ kind: 'collapse' });
    expect(key('x', { altKey: true })).toBeUndefined();
    expect(key('Tab')).toBeUndefined();
  });

  it('counts work and days off per member and per day (early and late among the workers)', () => {
    const days = daysOf({ startDate: '2026-01-05', endDate: '2026-01-07' });
    const map = cells({
      a: { '2026-01-05': { value: '△' }, '2026-01-06': { value: '×' }, '2026-01-07': { value: null } },
      b: { '2026-01-05': { value: 'late' }, '2026-01-06': { value: '研修' }, '2026-01-07': { value: '⊘' } },
    });
    expect(memberCounts(map.get('a') as ReadonlyMap<string, ScheduleCell>, days)).toEqual({ off: 1, work: 1 });
    expect(dayCounts(map, [member('a'), member('b')], days)).toEqual([
      { work: 2, off: 0, early: 1, late: 1 },
      { work: 1, off: 1, early: 0, late: 0 },
      { work: 0, off: 1, early: 0, late: 0 },
    ]);
    expect([cellKind(''), cellKind('★'), cellKind(null)]).toEqual(['work', 'off', 'empty']);
  });

  it('undo takes back only the cells nobody else changed since, as a new change; a new edit ends redo', () => {
    const edit = {
      cells: [
        { staffId: 'a', dateKey: 'd1', before: null, after: '×' },
        { staffId: 'a', dateKey: 'd2', before: '△', after: '×' },
        { staffId: 'a', dateKey: 'd3', before: '', after: '×' },
      ],
      versions: { a: { d1: 2, d2: 5, d3: 7 } },
    };
    const now = cells({
      a: { d1: { value: '×', version: 2 }, d2: { value: '●', version: 6 }, d3: { value: '×', version: 8 } },
    });
    const reversal = reversalOf(edit, now);
    // d2 holds someone else's value; d3 holds ours again, but at a later version: someone set it meanwhile.
    expect(reversal).toEqual({ cells: [{ staffId: 'a', dateKey: 'd1', before: '×', after: null }], skipped: 2 });
    // Before the ACK (no versions), the values decide.
    expect(reversalOf({ cells: edit.cells }, now).cells.map((c) => c.dateKey)).toEqual(['d1', 'd3']);

    const history = new UndoHistory();
    history.record(edit);
    const taken = history.takeUndo();
    expect(taken).toBe(edit);
    history.pushRedo({ cells: [] });
    expect(history.canRedo).toBe(true);
    history.record({ cells: [] });
    expect(history.canRedo).toBe(false);
  });

  it('the CSV: a BOM for Excel, a header of dates, one row per member, fields quoted when needed', () => {
    const csv = scheduleCsv({
      nameHeader: '名前',
      dates: ['2026-01-05', '2026-01-06'],
      members: [member('a', { name: '山田, "太郎"' }), member('b', { name: '佐藤' })],
      cells: cells({ a: { '2026-01-05': { value: '' }, '2026-01-06': { value: 'late' } } }),
      show: (v) => (v === '' ? '出' : v === 'late' ? '遅' : (v ?? '')),
    });
    expect(csv).toBe('\uFEFF名前,2026-01-05,2026-01-06\r\n"山田, ""太郎""",出,遅\r\n佐藤,,\r\n');
  });
});

describe('settling a refused cell change', () => {
  const date = '2026-11-27';
  /** A single cell set to ★ from version 1, refused: someone set ● (version 2). */
  const refused = (suggestion?: ConflictSuggestion) =>
    new StaffSyncError('CONFLICT', 'stale', {
      sequenceNumber: 7,
      mutation: {
        type: 'SHIFT_UPDATE',
        timestamp: '2026-11-01T00:00:00.000Z',
        clientId: 'c',
        sequenceNumber: 7,
        payload: { staffId: 's', dateKey: date, shiftValue: '★', version: 1 },
      } as MutationMessage,
      cellConflict: {
        strategy: 'assisted',
        cells: [{ staffId: 's', dateKey: date, baseVersion: 1, current: { shiftValue: '●', version: 2 }, attempted: '★' }],
        conflictingFields: ['shiftValue'],
        ...(suggestion ? { suggestion } : {}),
      },
    });
  const suggestion = (basis: 'mine' | 'theirs' | 'merged', changes: Record<string, unknown>) => ({
    changes,
    basis: { shiftValue: basis },
    confidence: 0.8,
    reason: '…',
  });

  it('without a suggestion: mine from the current version, keep current sends nothing, no resolves', () => {
    expect(settlementOf(refused(), 'mine', undefined)).toEqual({
      steps: [{ staffId: 's', dateKey: date, before: '●', after: '★' }],
      versions: new Map([[`s|${date}`, 2]]),
      resolves: undefined,
    });
    expect(settlementOf(refused(), 'current', undefined).steps).toEqual([]);
  });

  it('with a suggestion, every choice is sent back; keep current as the current value at its version', () => {
    const theirs = refused(suggestion('theirs', {}));
    expect(settlementOf(theirs, 'current', undefined)).toEqual({
      steps: [{ staffId: 's', dateKey: date, before: '●', after: '●' }],
      versions: new Map([[`s|${date}`, 2]]),
      resolves: { sequenceNumber: 7, choices: { shiftValue: 'theirs' } },
    });
    expect(settlementOf(theirs, 'mine', undefined).resolves).toEqual({ sequenceNumber: 7, choices: { shiftValue: 'mine' } });
    const other = settlementOf(refused(suggestion('merged', { shiftValue: '研修' })), 'merged', undefined);
    expect(other.steps[0]?.after).toBe('研修');
    expect(other.resolves).toEqual({ sequenceNumber: 7, choices: { shiftValue: 'other' } });
  });

  it('Escape: nothing is sent and the server hears nothing', () => {
    expect(settlementOf(refused(suggestion('mine', { shiftValue: '★' })), undefined, undefined)).toEqual({
      steps: [],
      versions: new Map(),
      resolves: undefined,
    });
  });
});
