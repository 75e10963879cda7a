import {
  type ChangeType,
  DEPARTMENTS,
  type Department,
  type EmploymentStatus,
  STATUSES,
  type StaffChanges,
  type StaffMember,
  staffTypeOf,
  type YMD,
} from '@staff-sync/protocol';

/** A row of the `staff` table as the drivers return it (or as `to_jsonb` renders it). */
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

/** A row of `staff_sync_changes`, or the same object received in a notification. */
export interface ChangeRow {
  restaurant_id: string;
  seq: number | string;
  staff_id: string;
  op: ChangeType;
  client_id: string;
  sequence_number: number | string;
  changed: string[];
  row: StaffRow;
  version: number;
  created_at: string | Date;
}

/** The committed change as the engine passes it around: enough to build every message about it. */
export interface ChangeRecord {
  restaurantId: string;
  seq: number;
  op: ChangeType;
  clientId: string;
  sequenceNumber: number;
  staff: StaffMember;
  changes: StaffChanges;
  committedAt: string;
}

const iso = (value: string | Date): string => (value instanceof Date ? value : new Date(value)).toISOString();

function toInt(value: unknown): number | undefined {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
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

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export function rowToMember(row: StaffRow): StaffMember {
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

export function changeRowToRecord(row: ChangeRow): ChangeRecord {
  const staff = rowToMember(row.row);
  const changes: Record<string, unknown> = {};
  for (const field of row.changed) {
    if (field in staff) changes[field] = staff[field as keyof StaffMember];
  }
  return {
    restaurantId: String(row.restaurant_id),
    seq: Number(row.seq),
    op: row.op,
    clientId: row.client_id,
    sequenceNumber: Number(row.sequence_number),
    staff,
    changes: changes as StaffChanges,
    committedAt: iso(row.created_at),
  };
}
