/**
 * The shapes the assisted conflict resolution takes and gives (docs/assist.md). `Suggestion` is the
 * wire shape of a CONFLICT's `suggestion` (docs/protocol.md); the rest is what the server hands
 * the Suggester inside a conflict and after the person decided.
 */

/** How a suggested field value came about. */
export type Basis = 'merged' | 'mine' | 'theirs';

/** What the person chose for one field (`resolves.choices` on the wire). */
export type Choice = 'mine' | 'theirs' | 'other';

export type Language = 'ja' | 'en';

/** The protocol's `suggestion`: applied on top of the current values (`{}`: keep what is there). */
export interface Suggestion {
  changes: Record<string, unknown>;
  /** Calibrated probability that this is what the person would choose, 0..1. */
  confidence: number;
  basis: Record<string, Basis>;
  /** Why, in the client's language. */
  reason: string;
}

/** One side of a conflict: who made the edit, and when (ISO-8601). */
export interface Edit {
  /** The signed-in user (token subject); null for changes made outside the server. */
  userId: string | null;
  userName: string | null;
  /** The role of the signed-in user (`editor`, `manager`, ...); null when unknown. */
  role: string | null;
  /** `database` for a change written outside the server. */
  clientId: string;
  at: string;
}

/** One conflicting field: its value at the base version, in the stale edit, and now. */
export interface FieldValues {
  base: unknown;
  mine: unknown;
  theirs: unknown;
}

/** What the server knows about a conflict when it asks for a suggestion. */
export interface ConflictInput {
  restaurantId: string;
  /** `staff` or `shift` (one schedule cell); other names are compared by equality only. */
  collection: string;
  /** The entity: a staff id, or `staffId/YYYY-MM-DD` for a cell. */
  key: string;
  /**
   * The caller's name for this conflict, to find it again in `record` (for example
   * `clientId:sequenceNumber`, the message a `resolves` names). Generated when absent.
   */
  conflictId?: string;
  fields: Record<string, FieldValues>;
  /** The stale edit: the person now in front of the conflict. */
  mine: Edit;
  /** The edit already committed. */
  theirs: Edit;
  language: Language;
}

/** Why one field's suggestion is what it is. */
export type FieldRule =
  | 'same' // equal once width, case and spaces are normalized
  | 'contained' // one side's edit already holds the other's
  | 'merged' // a clean three-way merge of text
  | 'unchanged' // one side only changed spacing, width or case
  | 'learned'; // the model's prediction

export interface FieldSuggestion {
  field: string;
  basis: Basis;
  value: unknown;
  rule: FieldRule;
  /** The model's P(the person keeps "mine"); null for objective rules. */
  pMine: number | null;
  /** Before calibration (the model's or the rule's own figure). */
  rawConfidence: number;
  confidence: number;
}

export interface SuggestResult {
  conflictId: string;
  suggestion: Suggestion;
  /** `confidence` is at or above the threshold: under `assisted` the server applies it. */
  autoApply: boolean;
  fields: FieldSuggestion[];
}

/** What the person chose, reported by a mutation's `resolves`. */
export interface DecisionInput {
  restaurantId: string;
  conflictId: string;
  choices: Record<string, Choice>;
  /** The values the settling mutation wrote (needed to tell a merged value from another "other"). */
  values?: Record<string, unknown>;
  /** The person who decided; defaults to the stale edit's user. Another user than it: ignored. */
  decidedBy?: string | null;
}

export interface RecordResult {
  /** False when no conflict of that id is known (the `resolves` is ignored) or learning is off. */
  recorded: boolean;
  /** Per field: did the person take what was suggested. */
  accepted?: Record<string, boolean>;
}

export interface AssistStats {
  suggested: number;
  autoApplied: number;
  accepted: number;
  overridden: number;
  implicitlyAccepted: number;
}
