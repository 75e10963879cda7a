import { startKey } from './periods.ts';
import type { EmploymentStatus, StaffChanges, StaffFields, StaffMember, StaffType } from './types.ts';
import { STAFF_FIELDS } from './types.ts';

/** Staff rules shared by server and client. */

export const DEFAULT_DEPARTMENT = '調理' as const;
export const DEFAULT_STATUS = '社員' as const;
/**
 * What a new member's form starts with. The protocol requires a position on create; a person (or
 * the plan's own E2E test, which fills only the name) who adds a member without choosing one gets
 * the common one, and can still change or clear it (clearing it is refused).
 */
export const DEFAULT_POSITION = 'スタッフ' as const;
export const NAME_MAX = 100;
export const POSITION_MAX = 50;
export const COLOR_MAX = 32;
export const ORDER_MAX = 1_000_000;

/** `type` is derived from the employment status: 社員 -> regular, else part-time. */
export function staffTypeOf(status: EmploymentStatus): StaffType {
  return status === '社員' ? 'regular' : 'part-time';
}

const STATUS_RANK: Record<EmploymentStatus, number> = { 社員: 0, 派遣: 1, パート: 2 };

/** Display order: 社員, 派遣, パート; within each by start period (open start first), then `order`, then name. */
export function compareStaff(a: StaffMember, b: StaffMember): number {
  return (
    STATUS_RANK[a.status] - STATUS_RANK[b.status] ||
    (a.startPeriod ? startKey(a.startPeriod) : 0) - (b.startPeriod ? startKey(b.startPeriod) : 0) ||
    a.order - b.order ||
    a.name.localeCompare(b.name, 'ja') ||
    a.id.localeCompare(b.id)
  );
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  // Only YMD objects reach here.
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  return x.year === y.year && x.month === y.month && x.day === y.day;
}

/** The subset of `changes` whose values differ from `member`'s. */
export function effectiveChanges(member: StaffFields, changes: StaffChanges): StaffChanges {
  const out: Record<string, unknown> = {};
  for (const field of STAFF_FIELDS) {
    if (field in changes && !sameValue(member[field], changes[field])) out[field] = changes[field];
  }
  return out as StaffChanges;
}

/** `member` with `changes` applied; `type` re-derived. Does not touch version or timestamps. */
export function applyChanges<T extends StaffMember>(member: T, changes: StaffChanges): T {
  const next = { ...member, ...changes };
  next.type = staffTypeOf(next.status);
  return next;
}
