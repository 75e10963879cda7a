import type { Db, Queryable } from './db.ts';
import type { ChangeRow } from './rows.ts';

/** The change log of every collection: the restaurant's seq, its rows, retention. All parameterized. */

export async function currentSeq(q: Queryable, restaurantId: string): Promise<number> {
  const rows = await q.query<{ seq: number | string }>('select seq from staff_sync_counters where restaurant_id = $1', [
    restaurantId,
  ]);
  return rows[0] ? Number(rows[0].seq) : 0;
}

/** The counters of several restaurants at once (a restaurant without changes has none). */
export async function currentSeqs(q: Queryable, restaurantIds: string[]): Promise<Map<string, number>> {
  const rows = await q.query<{ restaurant_id: string; seq: number | string }>(
    // The ids as one JSON parameter: the same statement on both drivers, whatever their array handling.
    'select restaurant_id, seq from staff_sync_counters where restaurant_id in (select jsonb_array_elements_text($1::text::jsonb))',
    [JSON.stringify(restaurantIds)],
  );
  return new Map(rows.map((r) => [r.restaurant_id, Number(r.seq)]));
}

/**
 * The change-log rows after `sinceSeq`, or null when they cannot all be given (the log was pruned
 * past them, there are more than `limit`, or `sinceSeq` is ahead of this database).
 */
export async function readChangeRowsSince(
  db: Db,
  restaurantId: string,
  sinceSeq: number,
  limit: number,
): Promise<{ seq: number; rows: ChangeRow[] } | null> {
  return db.transaction(async (tx) => {
    const seq = await currentSeq(tx, restaurantId);
    if (sinceSeq > seq) return null;
    if (sinceSeq === seq) return { seq, rows: [] };
    if (seq - sinceSeq > limit) return null;
    const rows = await readChangeRows(tx, restaurantId, sinceSeq, seq);
    if (rows.length !== seq - sinceSeq) return null;
    return { seq, rows };
  }, 'repeatable read');
}

/** Change-log rows with `after < seq <= upTo`, in seq order. */
export async function readChangeRows(q: Queryable, restaurantId: string, after: number, upTo: number): Promise<ChangeRow[]> {
  return q.query<ChangeRow & Record<string, unknown>>(
    'select * from staff_sync_changes where restaurant_id = $1 and seq > $2 and seq <= $3 order by seq',
    [restaurantId, after, upTo],
  );
}

/**
 * Delete change-log and dedupe rows older than their retention; returns the counts removed. The
 * counters remember the highest seq pruned (`pruned_through`), for the integrity check.
 */
export async function pruneOld(
  db: Db,
  changeLogHours: number,
  dedupeHours: number,
): Promise<{ changes: number; mutations: number }> {
  const changes = await db.query<{ n: number | string }>(
    `with d as (delete from staff_sync_changes where created_at < now() - make_interval(hours => $1)
                returning restaurant_id, seq),
     m as (select restaurant_id, max(seq) as seq from d group by restaurant_id),
     u as (update staff_sync_counters c set pruned_through = greatest(c.pruned_through, m.seq)
           from m where c.restaurant_id = m.restaurant_id)
     select count(*) as n from d`,
    [changeLogHours],
  );
  const mutations = await db.query<{ n: number | string }>(
    `with d as (delete from staff_sync_mutations where created_at < now() - make_interval(hours => $1) returning 1)
     select count(*) as n from d`,
    [dedupeHours],
  );
  return { changes: Number(changes[0]?.n ?? 0), mutations: Number(mutations[0]?.n ?? 0) };
}
