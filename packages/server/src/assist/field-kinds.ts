import { daysInMonth, NAME_MAX, POSITION_MAX, type YMD } from '@staff-sync/protocol';
import { normalizeText } from './normalize.ts';

/**
 * What kind of value each field of each collection holds, which decides how it is compared,
 * merged and described (docs/assist.md). A field not listed is compared by equality only.
 */
export type FieldKind = 'text' | 'enum' | 'period-start' | 'period-end' | 'number' | 'boolean' | 'color' | 'cell' | 'opaque';

const STAFF_KINDS: Record<string, FieldKind> = {
  name: 'text',
  position: 'text',
  department: 'enum',
  status: 'enum',
  color: 'color',
  order: 'number',
  startPeriod: 'period-start',
  endPeriod: 'period-end',
  isActive: 'boolean',
};

/** The collection of schedule cells: one cell per (restaurant, member, date), any field name. */
const SHIFT_COLLECTION = 'shift';
const STAFF_COLLECTION = 'staff';

export function fieldKind(collection: string, field: string): FieldKind {
  if (collection === SHIFT_COLLECTION) return 'cell';
  if (collection === STAFF_COLLECTION) return STAFF_KINDS[field] ?? 'opaque';
  return 'opaque';
}

/**
 * How a text field may be merged: a name is made of parts (family and given name) that two people
 * may fix independently; a position or a colour is one choice, where splicing two people's edits
 * would make a value neither chose ("Hall Chief" + "Kitchen Staff" -> "Kitchen Chief"). `maxLength` is the
 * protocol's limit for the merged value.
 */
export function mergeRule(collection: string, field: string): { merge: boolean; maxLength?: number } {
  if (collection !== STAFF_COLLECTION) return { merge: false };
  if (field === 'name') return { merge: true, maxLength: NAME_MAX };
  return field === 'position' ? { merge: false, maxLength: POSITION_MAX } : { merge: false };
}

/** Cell values by meaning (docs/protocol.md, the shift schedule). */
export type CellCategory = 'off' | 'working' | 'custom' | 'cleared';
const OFF_CELLS = new Set(['×', '★', '⊘']);
const WORKING_CELLS = new Set(['', '○', '△', 'late', '●', '◎', '▣']);

export function cellCategory(value: unknown): CellCategory {
  if (value === null || value === undefined) return 'cleared';
  if (typeof value !== 'string') return 'custom';
  if (OFF_CELLS.has(value)) return 'off';
  if (WORKING_CELLS.has(value)) return 'working';
  return 'custom';
}

function isYmd(value: unknown): value is YMD {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as YMD).year === 'number' &&
    typeof (value as YMD).month === 'number'
  );
}

/**
 * The first (start) or last (end) day a period value covers, as yyyymmdd; null when open. A missing
 * day counts as 1 for a start and 31 for an end (docs/protocol.md), so an end of {2026, 2} and
 * one of {2026, 2, 28} cover the same days.
 */
export function periodDay(kind: FieldKind, value: unknown): number | null {
  if (!isYmd(value)) return null;
  const day = kind === 'period-end' ? Math.min(value.day ?? 31, daysInMonth(value.year, value.month)) : (value.day ?? 1);
  return value.year * 10000 + value.month * 100 + day;
}

/** Months between two period values (0 when either is open). */
export function monthsApart(a: unknown, b: unknown): number {
  if (!isYmd(a) || !isYmd(b)) return 0;
  return Math.abs(a.year * 12 + a.month - (b.year * 12 + b.month));
}

/** The same value in the field's own terms: texts normalized, periods by the days they cover. */
export function sameValue(kind: FieldKind, a: unknown, b: unknown): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (a === null || b === null) return a === b;
  switch (kind) {
    case 'text':
    case 'color':
      return typeof a === 'string' && typeof b === 'string' ? normalizeText(a) === normalizeText(b) : a === b;
    case 'cell':
      // Symbols are exact ("" and "○" mean different things); custom texts compare normalized.
      if (typeof a !== 'string' || typeof b !== 'string') return false;
      return cellCategory(a) === 'custom' && cellCategory(b) === 'custom' ? normalizeText(a) === normalizeText(b) : a === b;
    case 'period-start':
    case 'period-end':
      return periodDay(kind, a) === periodDay(kind, b);
    default:
      return JSON.stringify(a) === JSON.stringify(b);
  }
}
