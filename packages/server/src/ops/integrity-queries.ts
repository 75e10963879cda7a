import type { Queryable } from '../storage/db.ts';
import { COLLECTIONS, COUNTERS_TABLE, type CollectionSpec, DEDUPE_TABLE } from './collections.ts';

/**
 * The statements of `staff-sync check`, built from the collection table (constants, never input)
 * and parameterized for every value. Each aggregates in the database, so that a long change log is
 * scanned there rather than shipped to the process.
 */

/** How many rows of one kind of problem are listed; the count says how many there are in all. */
export const LISTED = 200;

const logTables = (): string[] => [...new Set(COLLECTIONS.map((c) => c.log.table))];
/** Every change log as one relation: the seq of a restaurant is one sequence over all of them. */
const allLogs = () =>
  logTables()
    .map((t) => `select restaurant_id, seq, created_at from ${t}`)
    .join(' union all ');
/** A row created before now() - retention + 10 minutes may have been pruned, or be about to. */
const prunable = (column: string, hoursParam: string) =>
  `(${column} < now() - make_interval(hours => ${hoursParam}::integer) + interval '10 minutes')`;

export interface SeqSummaryRow {
  restaurant_id: string;
  counter: number | string | null;
  min_seq: number | string | null;
  max_seq: number | string | null;
  n: number | string;
  pruned_through: number | string | null;
}

/** Per restaurant: its counter, how far retention pruned, and the log's first and last seq. */
export function seqSummary(tx: Queryable): Promise<SeqSummaryRow[]> {
  return tx.query<SeqSummaryRow & Record<string, unknown>>(
    `with s as (select restaurant_id, min(seq) as min_seq, max(seq) as max_seq, count(*) as n
                from (${allLogs()}) l group by restaurant_id)
     select r.restaurant_id, c.seq as counter, c.pruned_through, s.min_seq, s.max_seq, coalesce(s.n, 0) as n
     from (select restaurant_id from ${COUNTERS_TABLE} union select restaurant_id from s) r
     left join ${COUNTERS_TABLE} c on c.restaurant_id = r.restaurant_id
     left join s on s.restaurant_id = r.restaurant_id
     order by r.restaurant_id`,
  );
}

export interface GapRow {
  restaurant_id: string;
  seq: number | string;
  next_seq: number | string;
}

/**
 * Places where the next seq in the log is not seq + 1 (a hole, or a seq used twice), above what
 * retention pruned (below it, holes are pruning's: a change's created_at is its transaction's
 * start, so the log's age order and seq order can differ by a few milliseconds).
 */
export function seqGaps(tx: Queryable): Promise<GapRow[]> {
  return tx.query<GapRow & Record<string, unknown>>(
    `select g.restaurant_id, g.seq, g.next_seq
     from (select restaurant_id, seq, lead(seq) over (partition by restaurant_id order by seq) as next_seq
           from (${allLogs()}) l) g
     left join ${COUNTERS_TABLE} c on c.restaurant_id = g.restaurant_id
     where g.next_seq <> g.seq + 1 and g.next_seq > coalesce(c.pruned_through, 0) + 1
     order by g.restaurant_id, g.seq limit ${LISTED}`,
  );
}

export interface MemberRow {
  restaurant_id: string;
  id: string;
  version: number | null;
  has_row: boolean;
  n: number | string | null;
  nv: number | string | null;
  v0: number | null;
  vmax: number | null;
  first_op: string | null;
  last_active: boolean | null;
  differing: string[] | null;
}

/** Each row of the collection beside the history of its key in the log (either side may be missing). */
export function memberHistories(tx: Queryable, c: CollectionSpec): Promise<MemberRow[]> {
  const differing = c.compared
    .map((col) => `case when to_jsonb(t)->'${col}' is distinct from last.row->'${col}' then '${col}' end`)
    .join(', ');
  const log = `(select * from ${c.log.table} where ${c.log.where}) l`;
  const key = c.log.key;
  return tx.query<MemberRow & Record<string, unknown>>(
    `with h as (select restaurant_id, ${key} as id, count(*) as n, count(distinct version) as nv,
                       min(version) as v0, max(version) as vmax
                from ${log} group by restaurant_id, ${key}),
     first as (select distinct on (restaurant_id, ${key}) restaurant_id, ${key} as id, op
               from ${log} order by restaurant_id, ${key}, seq),
     last as (select distinct on (restaurant_id, ${key}) restaurant_id, ${key} as id, row
              from ${log} order by restaurant_id, ${key}, seq desc)
     select coalesce(t.restaurant_id, h.restaurant_id) as restaurant_id, coalesce(${c.key}, h.id) as id,
            t.version, t.restaurant_id is not null as has_row, h.n, h.nv, h.v0, h.vmax, first.op as first_op,
            ${c.lastActive} as last_active,
            case when t.restaurant_id is not null and last.row is not null
                 then array_remove(array[${differing}], null) end as differing
     from ${c.table} t
     full join h on h.id = ${c.key} and h.restaurant_id = t.restaurant_id
     left join first on first.id = h.id and first.restaurant_id = h.restaurant_id
     left join last on last.id = h.id and last.restaurant_id = h.restaurant_id
     order by 1, 2`,
  );
}

export interface DedupeProblemRow {
  restaurant_id: string;
  client_id: string;
  sequence_number: number | string;
  kind: 'no_outcome' | 'applied_twice' | 'missing' | 'mismatch';
  seqs: string | null;
  outcome: string | null;
  prunable: boolean;
}

/**
 * The dedupe table against the log: every claimed mutation has its outcome (they commit together),
 * no mutation made two changes (a bulk change makes as many as its ACK says, on consecutive seqs),
 * and every change a client made is recorded as that mutation's ACK naming its seq (or its range) (unless the record is old enough to have been pruned by its own retention).
 */
export function dedupeProblems(tx: Queryable, dedupeRetentionHours: number): Promise<DedupeProblemRow[]> {
  const parts = [
    `(select restaurant_id, client_id, sequence_number, 'no_outcome' as kind, null as seqs, null as outcome, false as prunable
      from ${DEDUPE_TABLE} where outcome is null order by 1, 2, 3 limit ${LISTED})`,
  ];
  for (const log of logTables()) {
    parts.push(
      // A bulk change (its outcome names `cells`) makes that many changes on consecutive seqs up to its own.
      `(select c.restaurant_id, c.client_id, c.sequence_number, 'applied_twice', string_agg(c.seq::text, ', ' order by c.seq),
               null, false
        from ${log} c left join ${DEDUPE_TABLE} m
          on m.restaurant_id = c.restaurant_id and m.client_id = c.client_id and m.sequence_number = c.sequence_number
        where c.client_id <> 'database'
        group by c.restaurant_id, c.client_id, c.sequence_number, m.outcome
        having count(*) > 1
           and not (count(*) = coalesce((m.outcome->>'cells')::bigint, 1)
                    and max(c.seq) = (m.outcome->>'seq')::bigint and max(c.seq) - min(c.seq) = count(*) - 1)
        order by 1, 2, 3 limit ${LISTED})`,
      `(select c.restaurant_id, c.client_id, c.sequence_number,
               case when m.client_id is null then 'missing' else 'mismatch' end, c.seq::text, m.outcome::text,
               ${prunable('c.created_at', '$1')}
        from ${log} c left join ${DEDUPE_TABLE} m
          on m.restaurant_id = c.restaurant_id and m.client_id = c.client_id and m.sequence_number = c.sequence_number
        where c.client_id <> 'database'
          and (m.client_id is null or (m.outcome is not null
               and (m.outcome->>'type' is distinct from 'ACK'
                    or c.seq not between (m.outcome->>'seq')::bigint - coalesce((m.outcome->>'cells')::bigint, 1) + 1
                                     and (m.outcome->>'seq')::bigint)))
        order by 1, 2, 3 limit ${LISTED})`,
    );
  }
  return tx.query<DedupeProblemRow & Record<string, unknown>>(parts.join(' union all '), [dedupeRetentionHours]);
}

export async function dedupeCounts(tx: Queryable): Promise<Map<string, number>> {
  const rows = await tx.query<{ restaurant_id: string; n: number | string }>(
    `select restaurant_id, count(*) as n from ${DEDUPE_TABLE} group by restaurant_id`,
  );
  return new Map(rows.map((r) => [r.restaurant_id, Number(r.n)]));
}
