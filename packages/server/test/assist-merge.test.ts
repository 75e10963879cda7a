import { NAME_MAX } from '@staff-sync/protocol';
import { describe, expect, it } from 'vitest';
import { fieldKind, mergeRule } from '../src/assist/field-kinds.ts';
import { mergeThreeWay, resolveObjectively, resolveText, Suggester } from '../src/assist/index.ts';
import { conflict, people, TestClock } from './support/assist-conflicts.ts';

/** The objective rules (docs/assist.md, "Objective resolution"): what is not really a conflict. */

const name = (base: string, mine: string, theirs: string) => resolveText(base, mine, theirs, mergeRule('staff', 'name'));
const position = (base: string, mine: string, theirs: string) => resolveText(base, mine, theirs, mergeRule('staff', 'position'));
const field = (f: string, base: unknown, mine: unknown, theirs: unknown, collection = 'staff') =>
  resolveObjectively(fieldKind(collection, f), { base, mine, theirs }, mergeRule(collection, f));

describe('three-way merge of a name', () => {
  it('keeps a typo fix in the family name and a given name added by the other side', () => {
    expect(name('佐籐', '佐藤', '佐籐 花子')).toEqual({ value: '佐藤 花子', basis: 'merged', rule: 'merged' });
    expect(name('佐籐', '佐籐 花子', '佐藤')).toEqual({ value: '佐藤 花子', basis: 'merged', rule: 'merged' });
    expect(name('Satou', 'Sato', 'Satou Hanako')).toEqual({ value: 'Sato Hanako', basis: 'merged', rule: 'merged' });
  });

  it('keeps a fixed family name and a changed given name', () => {
    expect(name('Suzki Taro', 'Suzuki Taro', 'Suzki Jiro')?.value).toBe('Suzuki Jiro');
    expect(name('斉藤 太郎', '斎藤 太郎', '斉藤 次郎')?.value).toBe('斎藤 次郎');
  });

  it('refuses edits of the same part', () => {
    expect(name('Sato', 'Saito', 'Satou')).toBeNull();
    expect(mergeThreeWay('Sato', 'Saito', 'Satou')).toBeNull();
    // Both add a given name at the same place: no order of the two is right.
    expect(name('Sato', 'Sato Taro', 'Sato Jiro')).toBeNull();
  });

  it('does not merge past the name length limit', () => {
    const long = 'x'.repeat(NAME_MAX - 5);
    expect(mergeThreeWay(`${long} a`, `${long} b`, `${long} a 123456`)).toBe(`${long} b 123456`);
    expect(name(`${long} a`, `${long} b`, `${long} a 123456`)).toBeNull();
  });
});

describe('the same value', () => {
  it('is equal after width, case and white space are normalized', () => {
    expect(name('佐籐', 'ＳＡＴＯ　Hanako', 'sato  hanako ')).toEqual({ value: 'sato  hanako ', basis: 'theirs', rule: 'same' });
    expect(position('ホール', 'ｷｯﾁﾝ', 'キッチン')).toEqual({ value: 'キッチン', basis: 'theirs', rule: 'same' });
    expect(field('value', '×', 'ＭＴＧ', 'mtg', 'shift')).toEqual({ value: 'mtg', basis: 'theirs', rule: 'same' });
    expect(field('color', null, '#FF0000', '#ff0000')?.rule).toBe('same');
  });

  it('compares periods by the days they cover', () => {
    expect(field('endPeriod', null, { year: 2026, month: 3 }, { year: 2026, month: 3, day: 31 })?.rule).toBe('same');
    expect(field('endPeriod', null, { year: 2026, month: 2, day: 28 }, { year: 2026, month: 2 })?.rule).toBe('same');
    expect(field('endPeriod', null, { year: 2028, month: 2, day: 28 }, { year: 2028, month: 2 })).toBeNull(); // a leap year
    expect(field('startPeriod', null, { year: 2026, month: 3, day: 1 }, { year: 2026, month: 3 })?.rule).toBe('same');
    expect(field('endPeriod', null, { year: 2026, month: 3 }, { year: 2026, month: 3, day: 1 })).toBeNull();
  });

  it('keeps cell symbols exact: "" (社員) and "○" (パート) differ', () => {
    expect(field('value', '×', '', '○', 'shift')).toBeNull();
  });

  it('takes the other side when one edit changed only width, case or spacing', () => {
    expect(position('ホール係', 'ﾎｰﾙ係', '料理長')).toEqual({ value: '料理長', basis: 'theirs', rule: 'unchanged' });
    expect(position('ホール係', '料理長', 'ホール係 ')).toEqual({ value: '料理長', basis: 'mine', rule: 'unchanged' });
  });
});

describe('an edit the other side already contains', () => {
  it('is no conflict', () => {
    expect(name('Sato', 'Sato Taro', 'Sato Taro-san')).toEqual({ value: 'Sato Taro-san', basis: 'theirs', rule: 'contained' });
    expect(name('Sato', 'Sato Taro-san', 'Sato Taro')).toEqual({ value: 'Sato Taro-san', basis: 'mine', rule: 'contained' });
    expect(position('ホール係', 'ホール係長', 'ホール係長代理')).toEqual({
      value: 'ホール係長代理',
      basis: 'theirs',
      rule: 'contained',
    });
  });

  it('but two values that each replace the base are two choices, even when one text holds the other', () => {
    expect(position('ホール係', '料理長', '副料理長')).toBeNull();
    // One side an edit of the base, the other a replacement that shares a character with it.
    expect(position('ホール', '副店長', 'ホール長')).toBeNull();
    expect(position('ホール', 'ホール長', '副店長')).toBeNull();
  });

  it('a field the stale edit left at the base value takes the other side', () => {
    expect(field('department', '調理', '調理', 'ホール')).toEqual({ value: 'ホール', basis: 'theirs', rule: 'contained' });
    expect(field('order', 3, 5, 3)).toEqual({ value: 5, basis: 'mine', rule: 'contained' });
  });
});

describe('a position is one choice, never spliced', () => {
  it('leaves two edits of different parts of a position to the person', () => {
    // A merge would give "Kitchen Chief", which neither person chose.
    expect(mergeThreeWay('Hall Staff', 'Hall Chief', 'Kitchen Staff')).toBe('Kitchen Chief');
    expect(position('Hall Staff', 'Hall Chief', 'Kitchen Staff')).toBeNull();
  });
});

describe('Suggester on objectively resolvable conflicts', () => {
  it('suggests the merged name with high confidence, applied, with the reason', async () => {
    const clock = new TestClock();
    const suggester = new Suggester({ now: clock.read });
    const c = conflict(clock, {
      restaurantId: 'r-merge',
      collection: 'staff',
      mine: people.suzuki,
      theirs: people.sato,
      fields: { name: { base: '佐籐', mine: '佐藤', theirs: '佐籐 花子' } },
    });
    const result = await suggester.suggest(c);
    expect(result.suggestion).toMatchObject({ changes: { name: '佐藤 花子' }, basis: { name: 'merged' } });
    expect(result.suggestion.confidence).toBeGreaterThanOrEqual(0.9);
    expect(result.autoApply).toBe(true);
    expect(result.suggestion.reason).toBe(
      '佐藤さんが10分前に名前を変更しました。2つの変更は別の部分を編集しているため、両方を取り込みました。',
    );
  });

  it('keeps what is there (no changes) when the values are the same', async () => {
    const clock = new TestClock();
    const suggester = new Suggester({ now: clock.read });
    const c = conflict(clock, {
      restaurantId: 'r-same',
      collection: 'staff',
      mine: people.suzuki,
      theirs: people.database,
      language: 'en',
      fields: { position: { base: 'Chef', mine: 'HEAD  CHEF', theirs: 'Head Chef' } },
    });
    const { suggestion, autoApply } = await suggester.suggest(c, { mayApply: false });
    expect(suggestion.changes).toEqual({});
    expect(suggestion.basis).toEqual({ position: 'theirs' });
    expect(autoApply).toBe(false); // a strategy other than assisted: the person is asked anyway
    expect(suggestion.reason).toBe(
      'The position was changed outside the server (in the database) 10 minutes ago. Both values are the same apart from width, case or spacing.',
    );
  });
});
