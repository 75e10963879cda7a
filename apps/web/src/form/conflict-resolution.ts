import { effectiveChanges, type StaffChanges, type StaffMember } from '@staff-sync/protocol';

export type Choice = 'mine' | 'current';

/** The fields to decide: those the person tried to change whose value now differs from theirs. */
export function contestedFields(attempted: StaffChanges, current: StaffMember): string[] {
  return Object.keys(effectiveChanges(current, attempted));
}

/** The change that makes the member what was chosen: the fields where "mine" was picked (the default). */
export function resolution(attempted: StaffChanges, current: StaffMember, choices: Record<string, Choice>): StaffChanges {
  const chosen: Record<string, unknown> = {};
  for (const field of contestedFields(attempted, current)) {
    if (choices[field] !== 'current') chosen[field] = (attempted as Record<string, unknown>)[field];
  }
  return chosen as StaffChanges;
}
