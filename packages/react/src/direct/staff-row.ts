import { type StaffMember, type StaffRow, staffMemberSchema, staffRowToMember } from '@staff-sync/protocol';
import * as v from 'valibot';

export { staffChangesToColumns as toColumns } from '@staff-sync/protocol';

/**
 * A `staff` row from Supabase as a StaffMember (the protocol's mapping), checked with the
 * protocol's schema; undefined (and a warning) for a row that does not fit, so one odd row cannot
 * break the roster.
 */
export function fromRow(row: Record<string, unknown>): StaffMember | undefined {
  let member: unknown;
  try {
    member = staffRowToMember(row as unknown as StaffRow);
  } catch {
    member = undefined; // a date that is no date
  }
  const parsed = v.safeParse(staffMemberSchema, member);
  if (parsed.success) return parsed.output as StaffMember;
  console.warn('staff-sync: skipped a staff row that does not fit the staff rules', row.id, v.flatten(parsed.issues));
  return undefined;
}
