import { type EmploymentStatus, SHIFT_SYMBOLS } from '@staff-sync/protocol';

/**
 * What the schedule screen makes of a cell's value: how it counts (docs/web.md, "The schedule
 * screen"), how it is shown, and the key that sets each symbol.
 */

export type CellKind = 'work' | 'off' | 'empty';

const OFF: ReadonlySet<string> = new Set([SHIFT_SYMBOLS.off, SHIFT_SYMBOLS.designatedHoliday, SHIFT_SYMBOLS.unavailable]);

/** Off (×, ★, ⊘), empty (null), or work (every other symbol and any custom text). */
export function cellKind(value: string | null): CellKind {
  if (value === null) return 'empty';
  return OFF.has(value) ? 'off' : 'work';
}

/**
 * The keys that set a symbol, one per meaning. `n` is the normal shift, which is `""` for 社員 and
 * 派遣 and `○` for パート; every other key means the same symbol for everyone.
 */
const SYMBOL_KEYS: readonly { key: string; symbol: (status: EmploymentStatus) => string }[] = [
  { key: 'n', symbol: (status) => (status === 'パート' ? SHIFT_SYMBOLS.normalPart : SHIFT_SYMBOLS.normal) },
  { key: 'e', symbol: () => SHIFT_SYMBOLS.early },
  { key: 'l', symbol: () => SHIFT_SYMBOLS.late },
  { key: 's', symbol: () => SHIFT_SYMBOLS.special },
  { key: 'f', symbol: () => SHIFT_SYMBOLS.friedEgg },
  { key: 'a', symbol: () => SHIFT_SYMBOLS.appetizer },
  { key: 'x', symbol: () => SHIFT_SYMBOLS.off },
  { key: 'h', symbol: () => SHIFT_SYMBOLS.designatedHoliday },
  { key: 'u', symbol: () => SHIFT_SYMBOLS.unavailable },
];

/** The symbol `key` sets for a member of `status`, or undefined when it is no symbol key. */
export function symbolForKey(key: string, status: EmploymentStatus): string | undefined {
  return SYMBOL_KEYS.find((k) => k.key === key.toLowerCase())?.symbol(status);
}

/** The key that sets `symbol`, for the picker's hints. */
export function keyOf(symbol: string): string | undefined {
  return SYMBOL_KEYS.find((k) => k.symbol('社員') === symbol || k.symbol('パート') === symbol)?.key;
}

/** What a cell shows: the symbol, `late` as 遅, the normal `""` as `normalMark` (出 / W). */
export function cellText(value: string | null, normalMark: string, lateMark: string): string {
  if (value === null) return '';
  if (value === SHIFT_SYMBOLS.normal) return normalMark;
  if (value === SHIFT_SYMBOLS.late) return lateMark;
  return value;
}
