import { staffTypeOf } from './staff.ts';
import {
  DEPARTMENTS,
  type Department,
  type EmploymentStatus,
  STATUSES,
  type StaffChanges,
  type StaffField,
  type StaffMember,
  type YMD,
} from './types.ts';

/**
 * A row of the app's `staff` table (docs/database.md) as a database driver or Supabase returns
 * it, and its mapping to and from a StaffMember. The server and the direct Supabase mode of the
 * React hooks both read rows; this is the one mapping.
 */
export interface StaffRow {
  id: string;
  restaurant_id: string;
  name: string;
  position: string;
  department: string;
  type: string;
  status: string;
  color: string | null;
  staff_order: number;
  start_period: unknown;
  end_period: unknown;
  is_active: boolean;
  version: number;
  created_at: string | Date;
  updated_at: string | Date;
}

/** Column of each member field in the `staff` table. */
export const STAFF_COLUMNS: Readonly<Record<StaffField, string>> = {
  name: 'name',
  position: 'position',
  department: 'department',
  status: 'status',
  color: 'color',
  order: 'staff_order',
  startPeriod: 'start_period',
  endPeriod: 'end_period',
  isActive: 'is_active',
};

const iso = (value: string | Date): string => (value instanceof Date ? value : new Date(value)).toISOString();

function toInt(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * A stored period as a YMD, or null. Rows written before adoption may hold other shapes; anything
 * that is not a `{year, month[, day]}` reads as null rather than breaking the roster.
 */
export function toYmd(value: unknown): YMD | null {
  const raw = typeof value === 'string' ? safeJson(value) : value;
  if (!raw || typeof raw !== 'object') return null;
  const { year, month, day } = raw as Record<string, unknown>;
  const y = toInt(year);
  const m = toInt(month);
  if (y === undefined || m === undefined || m < 1 || m > 12) return null;
  const d = toInt(day);
  return d !== undefined && d >= 1 && d <= 31 ? { year: y, month: m, day: d } : { year: y, month: m };
}

/** A row as a member. A department or status outside the rules (a row older than them) reads as the default. */
export function staffRowToMember(row: StaffRow): StaffMember {
  const department = (DEPARTMENTS as readonly string[]).includes(row.department) ? (row.department as Department) : '調理';
  const status = (STATUSES as readonly string[]).includes(row.status) ? (row.status as EmploymentStatus) : '社員';
  return {
    id: row.id,
    name: row.name,
    position: row.position,
    department,
    status,
    type: staffTypeOf(status),
    color: row.color ?? null,
    order: toInt(row.staff_order) ?? 0,
    startPeriod: toYmd(row.start_period),
    endPeriod: toYmd(row.end_period),
    isActive: row.is_active,
    version: Number(row.version),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

/** The columns of a set of changes, with `type` kept in step with `status` as the database trigger does. */
export function staffChangesToColumns(changes: StaffChanges): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(changes)) {
    const column = STAFF_COLUMNS[field as StaffField];
    if (column) row[column] = value;
  }
  if (changes.status) row.type = staffTypeOf(changes.status);
  return row;
}
