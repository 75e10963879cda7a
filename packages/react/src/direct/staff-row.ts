import { type StaffChanges, type StaffField, type StaffMember, staffMemberSchema, staffTypeOf } from '@staff-sync/protocol';
import * as v from 'valibot';

/** Column of each member field in the `staff` table (docs/database.md). */
const COLUMN: Record<StaffField, string> = {
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

/** The columns of a set of changes, with `type` kept in step with `status` as the server does. */
export function toColumns(changes: StaffChanges): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(changes)) {
    const column = COLUMN[field as StaffField];
    if (column) row[column] = value;
  }
  if (changes.status) row.type = staffTypeOf(changes.status);
  return row;
}

const ymd = (value: unknown) => {
  if (!value || typeof value !== 'object') return null;
  const { year, month, day } = value as { year?: unknown; month?: unknown; day?: unknown };
  if (typeof year !== 'number' || typeof month !== 'number') return null;
  return typeof day === 'number' ? { year, month, day } : { year, month };
};

/**
 * A `staff` row from Supabase as a StaffMember, checked with the protocol's schema; undefined
 * (and a warning) for a row that does not fit, so one odd row cannot break the roster.
 */
export function fromRow(row: Record<string, unknown>): StaffMember | undefined {
  const member = {
    id: row.id,
    name: row.name,
    position: row.position,
    department: row.department,
    status: row.status,
    type: typeof row.status === 'string' ? staffTypeOf(row.status as StaffMember['status']) : row.type,
    color: row.color ?? null,
    order: row.staff_order,
    startPeriod: ymd(row.start_period),
    endPeriod: ymd(row.end_period),
    isActive: row.is_active,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  const parsed = v.safeParse(staffMemberSchema, member);
  if (parsed.success) return parsed.output as StaffMember;
  console.warn('staff-sync: skipped a staff row that does not fit the staff rules', row.id, v.flatten(parsed.issues));
  return undefined;
}
