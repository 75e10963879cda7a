import {
  type ConflictSuggestion,
  effectiveChanges,
  type ResolutionChoice,
  type ResolvedInfo,
  type Resolves,
  type StaffChanges,
  type StaffMember,
} from '@staff-sync/protocol';

/** What the person picks per field: their value, the current one, or the server's merge of both. */
export type Choice = 'mine' | 'current' | 'merged';

/** The fields to decide: those the person tried to change whose value now differs from theirs. */
export function contestedFields(attempted: StaffChanges, current: StaffMember): string[] {
  return Object.keys(effectiveChanges(current, attempted));
}

/**
 * The choices the dialog starts with: the server's suggestion where it has one (docs/assist.md),
 * else the person's own value, which is what they meant to save.
 */
export function suggestedChoices(fields: readonly string[], suggestion: ConflictSuggestion | undefined): Record<string, Choice> {
  const choices: Record<string, Choice> = {};
  for (const field of fields) {
    const basis = suggestion?.basis[field];
    choices[field] = basis === 'theirs' ? 'current' : basis === 'merged' ? 'merged' : 'mine';
  }
  return choices;
}

/** The change that makes the member what was chosen: the fields where "mine" or a merge was picked. */
export function resolution(
  attempted: StaffChanges,
  current: StaffMember,
  choices: Record<string, Choice>,
  suggestion?: ConflictSuggestion,
): StaffChanges {
  const chosen: Record<string, unknown> = {};
  for (const field of contestedFields(attempted, current)) {
    const choice = choices[field] ?? 'mine';
    if (choice === 'merged' && suggestion && Object.hasOwn(suggestion.changes, field)) chosen[field] = suggestion.changes[field];
    else if (choice !== 'current') chosen[field] = (attempted as Record<string, unknown>)[field];
  }
  return chosen as StaffChanges;
}

const WIRE_CHOICE: Record<Choice, ResolutionChoice> = { mine: 'mine', current: 'theirs', merged: 'other' };

/**
 * What the person chose, for the server to learn from (`resolves`): the conflicting fields only,
 * and only when the server suggested something (an older server has nothing to learn with).
 */
export function resolvesOf(
  sequenceNumber: number | undefined,
  conflictingFields: readonly string[],
  choices: Record<string, Choice>,
  suggestion: ConflictSuggestion | undefined,
): Resolves | undefined {
  if (sequenceNumber === undefined || !suggestion) return undefined;
  const picked = Object.fromEntries(
    conflictingFields.filter((f) => Object.hasOwn(suggestion.basis, f)).map((f) => [f, WIRE_CHOICE[choices[f] ?? 'mine']]),
  );
  return Object.keys(picked).length ? { sequenceNumber, choices: picked } : undefined;
}

/** "Keep the current values" as a change: the current value of each field (written as nothing). */
export function currentValues(current: StaffMember, fields: readonly string[]): StaffChanges {
  const values = current as unknown as Record<string, unknown>;
  return Object.fromEntries(fields.map((f) => [f, values[f]])) as StaffChanges;
}

/**
 * Undoing a resolution the server applied itself: the person's own values again, and the
 * correction of the fields where it kept something else. Undefined when it kept "mine" in full.
 * For a member's fields, or a cell's (`{ shiftValue }`).
 */
export function undoOf<C extends object = StaffChanges>(
  resolved: ResolvedInfo,
  changes: C,
  sequenceNumber: number | undefined,
): { changes: C; resolves: Resolves | undefined } | undefined {
  const own = changes as Record<string, unknown>;
  const fields = Object.keys(resolved.basis).filter((f) => resolved.basis[f] !== 'mine' && Object.hasOwn(own, f));
  if (fields.length === 0) return undefined;
  return {
    changes: Object.fromEntries(fields.map((f) => [f, own[f]])) as C,
    resolves:
      sequenceNumber === undefined
        ? undefined
        : { sequenceNumber, choices: Object.fromEntries(fields.map((f) => [f, 'mine' as const])) },
  };
}
