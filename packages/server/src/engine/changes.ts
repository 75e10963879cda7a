import { readChangeRows, readChangeRowsSince } from '../storage/change-log.ts';
import type { Db, Queryable } from '../storage/db.ts';
import type { ChangeRecord } from './collections/collection.ts';
import { changeRecordOf } from './collections/index.ts';

/** Committed changes of every collection with `after < seq <= upTo`, in seq order. */
export async function readChanges(q: Queryable, restaurantId: string, after: number, upTo: number): Promise<ChangeRecord[]> {
  return (await readChangeRows(q, restaurantId, after, upTo)).map(changeRecordOf);
}

/**
 * The changes after `sinceSeq` (of every collection, so one resume covers all), or null when they
 * cannot all be given: pruned, more than `limit`, or `sinceSeq` ahead of this database.
 */
export async function readChangesSince(
  db: Db,
  restaurantId: string,
  sinceSeq: number,
  limit: number,
): Promise<{ seq: number; changes: ChangeRecord[] } | null> {
  const found = await readChangeRowsSince(db, restaurantId, sinceSeq, limit);
  return found && { seq: found.seq, changes: found.rows.map(changeRecordOf) };
}
