import type { StaffMember } from '@staff-sync/protocol';
import { describe, expect, it } from 'vitest';
import {
  contestedFields,
  currentValues,
  resolution,
  resolvesOf,
  suggestedChoices,
  undoOf,
} from '../src/form/conflict-resolution.ts';
import { changedSince, changesFrom, draftOf, emptyYmd, rebase, validateDraft } from '../src/form/staff-draft.ts';
import { en } from '../src/i18n/en.ts';
import { ja } from '../src/i18n/ja.ts';
import { describeLost, lostChangeOf } from '../src/staff/lost-change.ts';

const member = (over: Partial<StaffMember> = {}): StaffMember => ({
  id: '00000000-0000-4000-8000-000000000001',
  name: '山田 太郎',
  position: '料理長',
  department: '調理',
  status: '社員',
  type: 'regular',
  color: null,
  order: 0,
  startPeriod: { year: 2025, month: 4 },
  endPeriod: null,
  isActive: true,
  version: 3,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  ...over,
});

/** The form's rules without a browser: what is valid, what is sent, what a rebase keeps. */
describe('the form draft', () => {
  it('refuses empty, too long, partial and reversed input with the message keys, trimming names', () => {
    const bad = validateDraft({ ...draftOf(undefined), name: '  ', position: 'x'.repeat(51) });
    expect(bad).toEqual({ ok: false, errors: { name: 'nameRequired', position: 'positionTooLong' } });
    const partial = validateDraft({ ...draftOf(member()), startPeriod: { year: '2025', month: '', day: '' } });
    expect(partial).toEqual({ ok: false, errors: { startPeriod: 'monthRequired' } });
    const noDay = validateDraft({ ...draftOf(member()), startPeriod: { year: '2025', month: '2', day: '30' } });
    expect(noDay).toEqual({ ok: false, errors: { startPeriod: 'invalidDay' } });
    const reversed = validateDraft({
      ...draftOf(member()),
      startPeriod: { year: '2025', month: '5', day: '' },
      endPeriod: { year: '2025', month: '4', day: '' },
    });
    expect(reversed).toEqual({ ok: false, errors: { endPeriod: 'endBeforeStart' } });
    // The same month as start and end is a one-month stay, not a reversal.
    const sameMonth = validateDraft({ ...draftOf(member()), endPeriod: { year: '2025', month: '4', day: '' } });
    expect(sameMonth.ok).toBe(true);
    const good = validateDraft({ ...draftOf(member()), name: '  山田 一郎 ', endPeriod: emptyYmd() });
    expect(good).toMatchObject({
      ok: true,
      fields: { name: '山田 一郎', startPeriod: { year: 2025, month: 4 }, endPeriod: null },
    });
  });

  it('sends only what the person changed, and sees what others changed since the edit began', () => {
    const base = member();
    const result = validateDraft({ ...draftOf(base), position: '副料理長' });
    if (!result.ok) throw new Error('valid');
    expect(changesFrom(base, result.fields)).toEqual({ position: '副料理長' });
    const live = member({ name: '山田 次郎', version: 4 });
    expect(changedSince(base, live)).toEqual(['name']);
  });

  it('rebases on the latest member, keeping the fields the person touched', () => {
    const base = member();
    const draft = { ...draftOf(base), position: '副料理長' };
    const live = member({ name: '山田 次郎', position: '店長', status: 'パート', version: 5 });
    expect(rebase(draft, base, live)).toEqual({ ...draftOf(live), position: '副料理長' });
  });
});

describe('conflict resolution', () => {
  it('asks only about fields that differ, and sends the chosen ones', () => {
    const current = member({ position: 'ホール長', version: 4 });
    const attempted = { position: '副店長', name: '山田 太郎' };
    expect(contestedFields(attempted, current)).toEqual(['position']);
    expect(resolution(attempted, current, {})).toEqual({ position: '副店長' });
    expect(resolution(attempted, current, { position: 'current' })).toEqual({});
  });

  it('pre-selects the suggestion, sends a merge as it was made, and says what the person chose', () => {
    const current = member({ name: '佐藤', position: 'ホール長', version: 4 });
    const attempted = { name: '佐籐 花子', position: '副店長' };
    const suggestion = {
      changes: { name: '佐藤 花子' },
      confidence: 0.6,
      basis: { name: 'merged' as const, position: 'theirs' as const },
      reason: '…',
    };
    const choices = suggestedChoices(['name', 'position'], suggestion);
    expect(choices).toEqual({ name: 'merged', position: 'current' });
    expect(resolution(attempted, current, choices, suggestion)).toEqual({ name: '佐藤 花子' });
    expect(resolvesOf(5, ['name', 'position'], { ...choices, position: 'mine' }, suggestion)).toEqual({
      sequenceNumber: 5,
      choices: { name: 'other', position: 'mine' },
    });
    // Nothing to learn without a suggestion (an older server), or without the message's number.
    expect(resolvesOf(5, ['name'], choices, undefined)).toBeUndefined();
    expect(resolvesOf(undefined, ['name'], choices, suggestion)).toBeUndefined();
    expect(suggestedChoices(['name'], undefined)).toEqual({ name: 'mine' });
    expect(currentValues(current, ['position'])).toEqual({ position: 'ホール長' });
  });

  it('undoes a resolution the server applied: the person’s own values where it kept another', () => {
    const resolved = { basis: { name: 'merged' as const, position: 'mine' as const }, confidence: 0.95 };
    expect(undoOf(resolved, { name: '佐籐 花子', position: '副店長' }, 9)).toEqual({
      changes: { name: '佐籐 花子' },
      resolves: { sequenceNumber: 9, choices: { name: 'mine' } },
    });
    expect(undoOf({ basis: { position: 'mine' }, confidence: 0.95 }, { position: '副店長' }, 9)).toBeUndefined();
    // A schedule cell's field is `shiftValue`.
    expect(undoOf({ basis: { shiftValue: 'theirs' }, confidence: 0.97 }, { shiftValue: '★' }, 4)).toEqual({
      changes: { shiftValue: '★' },
      resolves: { sequenceNumber: 4, choices: { shiftValue: 'mine' } },
    });
  });
});

describe('a refused change', () => {
  const envelope = { timestamp: '2025-01-01T00:00:00.000Z', clientId: 'c', sequenceNumber: 7 };
  const m = member();

  it('names the member and the values lost, in either language', () => {
    const lost = lostChangeOf({
      ...envelope,
      type: 'STAFF_UPDATE',
      payload: { staffId: m.id, changes: { position: '副店長', startPeriod: { year: 2025, month: 6 } }, version: 1 },
    });
    expect(lost).toEqual({
      type: 'STAFF_UPDATE',
      staffId: m.id,
      changes: { position: '副店長', startPeriod: { year: 2025, month: 6 } },
    });
    expect(describeLost(ja, lost, [m])).toBe('山田 太郎の変更（職位: 副店長、開始期間: 2025年6月）は保存されていません');
    expect(describeLost(en, lost, [m])).toContain('山田 太郎');
  });

  it('says what it can of a member no longer on the screen, and of adding and deleting', () => {
    expect(describeLost(ja, { type: 'STAFF_UPDATE', staffId: m.id, changes: { position: 'x' } }, [])).toBe(
      '（削除されたスタッフ）の変更（職位: x）は保存されていません',
    );
    expect(describeLost(ja, { type: 'STAFF_DELETE', staffId: m.id }, [m])).toBe('山田 太郎の削除は保存されていません');
    const created = lostChangeOf({ ...envelope, type: 'STAFF_CREATE', payload: { id: m.id, name: '新 人', position: 'ホール' } });
    expect(created).toEqual({ type: 'STAFF_CREATE', fields: { name: '新 人', position: 'ホール' } });
    expect(describeLost(ja, created, [])).toBe('新 人の追加は保存されていません');
  });
});

describe('strings', () => {
  it('English has every key Japanese has, with the same shape', () => {
    const shape = (o: object): unknown =>
      Object.fromEntries(
        Object.entries(o)
          .map(([k, v]) => [k, typeof v === 'object' && v !== null ? shape(v) : typeof v])
          .sort(([a], [b]) => String(a).localeCompare(String(b))),
      );
    expect(shape(en)).toEqual(shape(ja));
    expect(ja.errors.nameRequired).toBe('名前を入力してください');
    expect(ja.toast.updateFailed('x')).toBe('スタッフの更新に失敗しました: x');
  });
});
