import type {
  AckPayload,
  ConflictPayload,
  ConflictStrategy,
  ErrorPayload,
  MutationMessage,
  ShiftAckPayload,
  ShiftConflictPayload,
} from '@staff-sync/protocol';
import type { Db } from '../../storage/db.ts';
import type { ChangeRow } from '../../storage/rows.ts';
import type { PeriodSettings } from '../periods.ts';

/**
 * A collection is what staff-sync keeps in step for a restaurant: the roster, the schedule's
 * cells, ... Each one declares its table and rules here; the change log, the restaurant's seq,
 * deduplication, fan-out and resume are the same for all (docs/architecture.md, "Collections").
 */
export interface Collection {
  /** Its name in the change log (`staff_sync_changes.collection`) and in metrics. */
  readonly name: string;
  /** The client messages that change it, with the operation each counts as in metrics. */
  readonly operations: Readonly<Partial<Record<MutationMessage['type'], string>>>;
  /** Apply one validated mutation as one transaction: dedupe, version, strategy, write, log. */
  apply(db: Db, ctx: MutationContext, message: MutationMessage): Promise<MutationOutcome>;
  /** True when `apply` is exactly one statement: its order is fixed once that statement is queued. */
  oneStatement?: boolean;
  /** The change event (type and payload) a change-log row of this collection stands for. */
  event(row: ChangeRow): { type: string; payload: unknown; bulk?: BulkPart | undefined };
}

/** The outcome of a roster mutation. */
export type StaffMutationOutcome =
  | { type: 'ACK'; payload: AckPayload }
  | { type: 'CONFLICT'; payload: ConflictPayload }
  | { type: 'ERROR'; payload: ErrorPayload };

export type MutationOutcome =
  | { type: 'ACK'; payload: AckPayload | ShiftAckPayload }
  | { type: 'CONFLICT'; payload: ConflictPayload | ShiftConflictPayload }
  | { type: 'ERROR'; payload: ErrorPayload };

/** Who makes a mutation: the restaurant, and the signed-in user when sign-in is on. */
export interface Actor {
  restaurantId: string;
  userId?: string | undefined;
  userName?: string | undefined;
  /** The person's job from the token (docs/assist.md). */
  job?: string | undefined;
  /** The language of texts for the person (a suggestion's reason). */
  language?: 'ja' | 'en' | undefined;
}

/**
 * What the change-log rows of a change also record (migration 008, docs/assist.md): the person's
 * job, when the edit was made, and how a resolution was decided. Stamped in the change's transaction.
 */
export interface ChangeStamp {
  role: string | null;
  /** The message's timestamp (ISO-8601); never stored later than the commit. */
  editedAt: string | null;
  resolution: Record<string, unknown> | null;
}

export interface MutationContext extends Actor {
  strategy: ConflictStrategy;
  /** Set: the change-log rows are stamped with it (strategy `assisted`, or a `resolves`). */
  stamp?: ChangeStamp | undefined;
  /** How the restaurant's default periods are laid out (a collection may check dates against them). */
  periodSettings: PeriodSettings;
}

/** Where a change stands in a bulk change (many changes of one message, consecutive seqs). */
export interface BulkPart {
  size: number;
  /** Changes of the bulk after this one: 0 at its last. */
  left: number;
  periodIndex: number;
}

/** A committed change of any collection, as the feed, the fan-out and resume pass it around. */
export interface ChangeRecord {
  restaurantId: string;
  seq: number;
  collection: string;
  /** The change event's type (STAFF_UPDATE, ...). */
  type: string;
  /** The change event's payload, as the project's own client receives it. */
  payload: unknown;
  clientId: string;
  sequenceNumber: number;
  userId: string | null;
  userName: string | null;
  committedAt: string;
  /** Set when the change is one of a bulk change of more than one. */
  bulk?: BulkPart | undefined;
}
