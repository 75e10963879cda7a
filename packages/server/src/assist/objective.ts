import { type FieldKind, sameValue } from './field-kinds.ts';
import { resolveText } from './text-merge.ts';
import type { Basis, FieldRule, FieldValues } from './types.ts';

export interface ObjectiveResolution {
  value: unknown;
  basis: Basis;
  rule: Exclude<FieldRule, 'learned'>;
}

/**
 * A field whose two edits do not really collide, resolved without asking anyone (docs/assist.md,
 * "Objective resolution"); null when it takes a person's judgement.
 */
export function resolveObjectively(
  kind: FieldKind,
  values: FieldValues,
  options: { merge: boolean; maxLength?: number } = { merge: false },
): ObjectiveResolution | null {
  const { base, mine, theirs } = values;
  if (sameValue(kind, mine, theirs)) return { value: theirs, basis: 'theirs', rule: 'same' };
  if (kind === 'text' && typeof mine === 'string' && typeof theirs === 'string') {
    return resolveText(typeof base === 'string' ? base : '', mine, theirs, options);
  }
  // Not text: an edit that leaves the base value as it was is no edit, so the other side's stands.
  if (sameValue(kind, mine, base)) return { value: theirs, basis: 'theirs', rule: 'contained' };
  if (sameValue(kind, theirs, base)) return { value: mine, basis: 'mine', rule: 'contained' };
  return null;
}
