import * as v from 'valibot';
import { int, objectMessage, objectOnly } from './schema-parts.ts';

/**
 * Suggested resolutions of conflicts (docs/protocol.md, "Suggested resolutions"): what a CONFLICT
 * may suggest, what an ACK says about a conflict the server resolved itself under the strategy
 * `assisted`, and the `resolves` a mutation may carry to say what the person chose.
 */

/** How a suggested field value came about. */
export type SuggestionBasis = 'merged' | 'mine' | 'theirs';
export const SUGGESTION_BASES: readonly SuggestionBasis[] = ['merged', 'mine', 'theirs'];

/** What the person chose for one field. */
export type ResolutionChoice = 'mine' | 'theirs' | 'other';
export const RESOLUTION_CHOICES: readonly ResolutionChoice[] = ['mine', 'theirs', 'other'];

/** A CONFLICT's `suggestion`: what the server would write on top of `current` (`{}`: keep it). */
export interface ConflictSuggestion {
  /** Field to value (for a cell: `shiftValue`). */
  changes: Record<string, unknown>;
  /** Calibrated probability (0..1) that this is what the person would choose. */
  confidence: number;
  basis: Record<string, SuggestionBasis>;
  /** Why, in the client's language (Japanese or English). */
  reason: string;
}

/** An ACK's `resolved`: the stale update was resolved by the server as suggested. */
export interface ResolvedInfo {
  basis: Record<string, SuggestionBasis>;
  confidence: number;
}

/** A mutation's `resolves`: the conflict (or auto-resolved message) it settles, and the choices. */
export interface Resolves {
  /** The sequenceNumber of this client's message that got CONFLICT (or an ACK with `resolved`). */
  sequenceNumber: number;
  choices: Record<string, ResolutionChoice>;
}

/** HELLO's `assist` under the strategy `assisted`: the threshold of applying a suggestion. */
export interface AssistHello {
  confidence: number;
}

/** Fields a `resolves` may name at most (a member has nine editable fields). */
const MAX_CHOICES = 16;

/** `resolves` in a client's mutation: checked strictly, like the rest of the payload. */
export const resolvesSchema = objectOnly(
  v.strictObject(
    {
      sequenceNumber: int('resolves.sequenceNumber', 1, Number.MAX_SAFE_INTEGER),
      choices: objectOnly(
        v.pipe(
          v.record(
            v.pipe(v.string(), v.regex(/^[A-Za-z]{1,32}$/, 'resolves.choices must be keyed by field names')),
            v.picklist(RESOLUTION_CHOICES, `each choice must be one of ${RESOLUTION_CHOICES.join(', ')}`),
            'resolves.choices must be { [field]: "mine" | "theirs" | "other" }',
          ),
          v.check((c) => {
            const n = Object.keys(c).length;
            return n >= 1 && n <= MAX_CHOICES;
          }, `resolves.choices must name 1 to ${MAX_CHOICES} fields`),
        ),
        'resolves.choices',
      ),
    },
    objectMessage('resolves'),
  ),
  'resolves',
);

const basisMap = v.record(v.string(), v.picklist(SUGGESTION_BASES));

/** Server -> client (loose): a CONFLICT's `suggestion`. */
export const suggestionSchema = v.object({
  changes: v.record(v.string(), v.unknown()),
  confidence: v.number(),
  basis: basisMap,
  reason: v.string(),
});

/** Server -> client (loose): an ACK's `resolved`. */
export const resolvedSchema = v.object({ basis: basisMap, confidence: v.number() });
