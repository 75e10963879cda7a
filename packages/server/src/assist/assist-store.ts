import type { Queryable } from '../storage/db.ts';
import type { Choice, ConflictInput, FieldSuggestion } from './types.ts';

/**
 * Suggested conflicts and the decisions on them (migration 007, docs/assist.md "Persistence").
 * Every statement is parameterized; JSON goes in as text and is cast, as elsewhere in storage/.
 */

export type DecisionSource = 'person' | 'implicit';

export interface StoredDecision {
  choices: Record<string, Choice>;
  values?: Record<string, unknown>;
  decidedBy?: string | null;
  source: DecisionSource;
}

export interface StoredConflict {
  restaurantId: string;
  conflictId: string;
  conflict: ConflictInput;
  fields: FieldSuggestion[];
  autoApplied: boolean;
  suggestedAt: number;
  decision: StoredDecision | null;
  decidedAt: number | null;
  revision: number;
}

interface Row {
  restaurant_id: string;
  conflict_id: string;
  conflict: unknown;
  suggestion: unknown;
  auto_applied: boolean;
  suggested_at: unknown;
  decision: unknown;
  decided_at: unknown;
  revision: unknown;
  [key: string]: unknown;
}

const COLUMNS = 'restaurant_id, conflict_id, conflict, suggestion, auto_applied, suggested_at, decision, decided_at, revision';

function json<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

function time(value: unknown): number {
  return value instanceof Date ? value.getTime() : new Date(String(value)).getTime();
}

function toStored(row: Row): StoredConflict {
  return {
    restaurantId: row.restaurant_id,
    conflictId: row.conflict_id,
    conflict: json<ConflictInput>(row.conflict),
    fields: json<FieldSuggestion[]>(row.suggestion),
    autoApplied: row.auto_applied,
    suggestedAt: time(row.suggested_at),
    decision: row.decision === null ? null : json<StoredDecision>(row.decision),
    decidedAt: row.decided_at === null ? null : time(row.decided_at),
    revision: Number(row.revision),
  };
}

/** Record a suggestion; a second suggestion under the same id replaces the first and its decision. */
export async function saveSuggestion(
  db: Queryable,
  entry: {
    conflict: ConflictInput & { conflictId: string };
    fields: FieldSuggestion[];
    autoApplied: boolean;
    suggestedAt: number;
  },
): Promise<void> {
  await db.query(
    `insert into staff_sync_assist_conflicts (restaurant_id, conflict_id, conflict, suggestion, auto_applied, suggested_at)
     values ($1, $2, $3::text::jsonb, $4::text::jsonb, $5, $6::timestamptz)
     on conflict (restaurant_id, conflict_id) do update set
       conflict = excluded.conflict, suggestion = excluded.suggestion, auto_applied = excluded.auto_applied,
       suggested_at = excluded.suggested_at, decision = null, decided_at = null,
       revision = nextval('staff_sync_assist_revision')`,
    [
      entry.conflict.restaurantId,
      entry.conflict.conflictId,
      JSON.stringify(entry.conflict),
      JSON.stringify(entry.fields),
      entry.autoApplied,
      new Date(entry.suggestedAt).toISOString(),
    ],
  );
}

/** An applied suggestion the server could not write after all: nothing waits to be accepted. */
export async function markNotApplied(db: Queryable, restaurantId: string, conflictId: string): Promise<void> {
  await db.query(
    `update staff_sync_assist_conflicts set auto_applied = false
      where restaurant_id = $1 and conflict_id = $2 and decision is null`,
    [restaurantId, conflictId],
  );
}

/**
 * Record a decision. `onlyIfUndecided` is for implicit acceptances: a person's correction that
 * got there first must win, whichever replica settles the conflict. Returns the new revision, or
 * null when nothing was written.
 */
export async function saveDecision(
  db: Queryable,
  restaurantId: string,
  conflictId: string,
  decision: StoredDecision,
  decidedAt: number,
  onlyIfUndecided = false,
): Promise<number | null> {
  const rows = await db.query<{ revision: unknown }>(
    `update staff_sync_assist_conflicts
       set decision = $3::text::jsonb, decided_at = $4::timestamptz, revision = nextval('staff_sync_assist_revision')
     where restaurant_id = $1 and conflict_id = $2 and ($5::boolean = false or decision is null)
     returning revision`,
    [restaurantId, conflictId, JSON.stringify(decision), new Date(decidedAt).toISOString(), onlyIfUndecided],
  );
  return rows[0] ? Number(rows[0].revision) : null;
}

export async function loadConflict(db: Queryable, restaurantId: string, conflictId: string): Promise<StoredConflict | null> {
  const rows = await db.query<Row>(
    `select ${COLUMNS} from staff_sync_assist_conflicts where restaurant_id = $1 and conflict_id = $2`,
    [restaurantId, conflictId],
  );
  return rows[0] ? toStored(rows[0]) : null;
}

/** A restaurant's decided conflicts after `afterRevision`: the latest `limit`, oldest first. */
export async function loadDecided(
  db: Queryable,
  restaurantId: string,
  afterRevision: number,
  limit: number,
): Promise<StoredConflict[]> {
  const rows = await db.query<Row>(
    `select * from (
       select ${COLUMNS} from staff_sync_assist_conflicts
       where restaurant_id = $1 and decision is not null and revision > $2
       order by revision desc limit $3
     ) latest order by revision`,
    [restaurantId, afterRevision, limit],
  );
  return rows.map(toStored);
}

/** Decided conflicts of every restaurant: the latest `limit`, oldest first (the global prior on start). */
export async function loadLatestDecided(db: Queryable, limit: number): Promise<StoredConflict[]> {
  const rows = await db.query<Row>(
    `select * from (
       select ${COLUMNS} from staff_sync_assist_conflicts where decision is not null order by revision desc limit $1
     ) latest order by revision`,
    [limit],
  );
  return rows.map(toStored);
}

/** Auto-applied conflicts of a restaurant nobody has corrected, suggested before `before`. */
export async function loadUncorrected(
  db: Queryable,
  restaurantId: string,
  before: number,
  limit: number,
): Promise<StoredConflict[]> {
  const rows = await db.query<Row>(
    `select ${COLUMNS} from staff_sync_assist_conflicts
     where restaurant_id = $1 and auto_applied and decision is null and suggested_at < $2::timestamptz
     order by suggested_at limit $3`,
    [restaurantId, new Date(before).toISOString(), limit],
  );
  return rows.map(toStored);
}

/** Keep the latest `keep` conflicts of each restaurant; returns how many were deleted. */
export async function pruneConflicts(db: Queryable, keep: number): Promise<number> {
  const rows = await db.query<{ n: unknown }>(
    `with doomed as (
       delete from staff_sync_assist_conflicts c using (
         select restaurant_id, conflict_id,
                row_number() over (partition by restaurant_id order by suggested_at desc, revision desc) as rank
         from staff_sync_assist_conflicts
       ) ranked
       where c.restaurant_id = ranked.restaurant_id and c.conflict_id = ranked.conflict_id and ranked.rank > $1
       returning 1
     ) select count(*) as n from doomed`,
    [keep],
  );
  return Number(rows[0]?.n ?? 0);
}
