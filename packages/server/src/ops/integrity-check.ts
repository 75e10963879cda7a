import type { Db } from '../storage/db.ts';
import { COLLECTIONS, type CollectionSpec } from './collections.ts';
import {
  type DedupeProblemRow,
  dedupeCounts,
  dedupeProblems,
  type GapRow,
  LISTED,
  type MemberRow,
  memberHistories,
  seqGaps,
  seqSummary,
} from './integrity-queries.ts';

/**
 * `staff-sync check` (docs/operations.md, "Integrity check"): per restaurant and collection, the
 * seq is gap-free and equal to the counter, every version equals its count of changes in the log,
 * each row equals its last logged state, and the dedupe table agrees with the log. Everything is
 * read in one repeatable-read, read-only transaction: a consistent snapshot that takes no lock a
 * writer waits for. What retention pruning (or adopting an existing table) took out of the log
 * cannot be proven either way: that is reported as a note, never as a finding.
 */
interface Problem {
  restaurantId: string;
  /** A collection's name, `seq` or `dedupe`. */
  area: string;
  message: string;
}

interface RestaurantSummary {
  restaurantId: string;
  counter: number;
  log: { rows: number; from: number | null; to: number | null };
  /** Per collection: rows, and how many of their versions the log proves. */
  collections: { name: string; rows: number; proven: number; unproven: number }[];
  dedupeRows: number;
}

export interface CheckReport {
  checkedAt: string;
  database: Db['kind'];
  restaurants: RestaurantSummary[];
  findings: Problem[];
  notes: Problem[];
}

export interface CheckOptions {
  changelogRetentionHours: number;
  dedupeRetentionHours: number;
}

const num = (value: unknown): number => Number(value ?? 0);

export async function runIntegrityCheck(db: Db, options: CheckOptions): Promise<CheckReport> {
  return db.transaction(async (tx) => {
    await tx.query('set transaction read only');
    const [{ now }] = (await tx.query<{ now: string }>(
      `select to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as now`,
    )) as [{ now: string }];
    const findings: Problem[] = [];
    const notes: Problem[] = [];
    const summaries = new Map<string, RestaurantSummary>();
    const summaryOf = (restaurantId: string): RestaurantSummary => {
      let s = summaries.get(restaurantId);
      if (!s) {
        s = { restaurantId, counter: 0, log: { rows: 0, from: null, to: null }, collections: [], dedupeRows: 0 };
        summaries.set(restaurantId, s);
      }
      return s;
    };

    // seq: the log of each restaurant runs without holes up to its counter.
    const pruned = new Set<string>();
    for (const row of await seqSummary(tx)) {
      const s = summaryOf(row.restaurant_id);
      s.counter = num(row.counter);
      s.log = {
        rows: num(row.n),
        from: row.min_seq === null ? null : num(row.min_seq),
        to: row.max_seq === null ? null : num(row.max_seq),
      };
      checkSeq(s, num(row.pruned_through), findings, notes, pruned);
    }
    for (const gap of await seqGaps(tx)) reportGap(gap, findings);

    for (const collection of COLLECTIONS) {
      const rows = await memberHistories(tx, collection);
      const byRestaurant = new Map<string, MemberRow[]>();
      for (const row of rows) byRestaurant.set(row.restaurant_id, [...(byRestaurant.get(row.restaurant_id) ?? []), row]);
      for (const [restaurantId, members] of byRestaurant) {
        summaryOf(restaurantId).collections.push(
          checkMembers(restaurantId, collection, members, pruned.has(restaurantId), findings, notes),
        );
      }
    }

    for (const [restaurantId, n] of await dedupeCounts(tx)) summaryOf(restaurantId).dedupeRows = n;
    checkDedupe(await dedupeProblems(tx, options.dedupeRetentionHours), findings, notes);

    return {
      checkedAt: now,
      database: db.kind,
      restaurants: [...summaries.values()].sort((a, b) => a.restaurantId.localeCompare(b.restaurantId)),
      findings,
      notes,
    };
  }, 'repeatable read');
}

/** `prunedThrough`: the highest seq retention removed (migration 005); history up to it is gone by design. */
function checkSeq(s: RestaurantSummary, prunedThrough: number, findings: Problem[], notes: Problem[], pruned: Set<string>) {
  const at = { restaurantId: s.restaurantId, area: 'seq' };
  const { rows, from, to } = s.log;
  if (prunedThrough > 0) {
    pruned.add(s.restaurantId);
    notes.push({
      ...at,
      message: `changes through seq ${prunedThrough} were pruned by retention: the counts before them cannot be proven`,
    });
  }
  if (rows === 0) {
    if (s.counter > prunedThrough) findings.push({ ...at, message: `the counter says ${s.counter} but the change log is empty` });
    return;
  }
  if (to !== s.counter) findings.push({ ...at, message: `the change log ends at seq ${to} but the counter says ${s.counter}` });
  if (from !== null && from > prunedThrough + 1) {
    const range = from - 1 === prunedThrough + 1 ? `seq ${from - 1}` : `seqs ${prunedThrough + 1}-${from - 1}`;
    findings.push({
      ...at,
      message: `${range} missing from the start of the change log (retention pruned through ${prunedThrough})`,
    });
  }
}

function reportGap(gap: GapRow, findings: Problem[]) {
  const [seq, next] = [num(gap.seq), num(gap.next_seq)];
  const at = { restaurantId: gap.restaurant_id, area: 'seq' };
  if (next === seq) findings.push({ ...at, message: `seq ${seq} is used by two changes` });
  else if (next === seq + 2) findings.push({ ...at, message: `seq ${seq + 1} is missing from the change log` });
  else findings.push({ ...at, message: `seqs ${seq + 1}-${next - 1} are missing from the change log` });
}

function checkMembers(
  restaurantId: string,
  { name, createOp }: Pick<CollectionSpec, 'name' | 'createOp'>,
  members: MemberRow[],
  logPruned: boolean,
  findings: Problem[],
  notes: Problem[],
): RestaurantSummary['collections'][number] {
  const at = { restaurantId, area: name };
  let rows = 0;
  let proven = 0;
  let unlogged = 0;
  let partial = 0;
  for (const m of members) {
    if (m.has_row) rows++;
    const n = num(m.n);
    if (n === 0) {
      // No history at all: fine for a row adopted at version 1 or one whose changes were all pruned.
      if (m.version === 1 || logPruned) unlogged++;
      else findings.push({ ...at, message: `${m.id} is at version ${m.version} but has no change in the log` });
      continue;
    }
    const [v0, vmax] = [num(m.v0), num(m.vmax)];
    if (num(m.nv) !== n)
      findings.push({ ...at, message: `${m.id}: a version is logged more than once (${n} changes, ${num(m.nv)} versions)` });
    else if (n !== vmax - v0 + 1)
      findings.push({ ...at, message: `${m.id}: versions missing from the log between ${v0} and ${vmax} (${n} changes)` });
    if (m.has_row && m.version !== vmax)
      findings.push({ ...at, message: `${m.id} is at version ${m.version} but its last change says ${vmax}` });
    if (v0 === 1 && m.first_op !== createOp)
      findings.push({ ...at, message: `${m.id}: its version 1 is logged as ${m.first_op}, not a create` });
    if (v0 > 1 && m.first_op === createOp && createOp === 'STAFF_CREATE')
      findings.push({ ...at, message: `${m.id}: created at version ${v0}, not 1` });
    if (v0 > 1 && m.first_op !== 'STAFF_CREATE') partial++;
    else if (m.has_row && m.version === n) proven++;
    if (m.has_row && m.differing?.length)
      findings.push({ ...at, message: `${m.id} differs from its last logged state in ${m.differing.join(', ')}` });
    if (!m.has_row && m.last_active !== false)
      findings.push({ ...at, message: `${m.id} is gone from the table, but its last change left it active` });
  }
  if (unlogged)
    notes.push({
      ...at,
      message: `${unlogged} row(s) have no change in the log (adopted at version 1, or pruned): versions not provable`,
    });
  if (partial)
    notes.push({
      ...at,
      message: `${partial} row(s) have only their later versions in the log (pruned, or adopted): counts not provable`,
    });
  return { name, rows, proven, unproven: unlogged + partial };
}

function checkDedupe(problems: DedupeProblemRow[], findings: Problem[], notes: Problem[]) {
  const prunedCount = new Map<string, number>();
  for (const p of problems) {
    const at = { restaurantId: p.restaurant_id, area: 'dedupe' };
    const who = `client ${p.client_id} #${p.sequence_number}`;
    if (p.kind === 'no_outcome') findings.push({ ...at, message: `${who} is claimed without an outcome` });
    else if (p.kind === 'applied_twice') findings.push({ ...at, message: `${who} made more than one change: seqs ${p.seqs}` });
    else if (p.kind === 'missing' && p.prunable) prunedCount.set(p.restaurant_id, (prunedCount.get(p.restaurant_id) ?? 0) + 1);
    else if (p.kind === 'missing')
      findings.push({ ...at, message: `${who} made the change at seq ${p.seqs} but has no dedupe record` });
    else findings.push({ ...at, message: `${who} made the change at seq ${p.seqs} but its recorded outcome is ${p.outcome}` });
  }
  for (const [restaurantId, n] of prunedCount)
    notes.push({ restaurantId, area: 'dedupe', message: `${n} change(s) outlived their dedupe records (dedupe retention)` });
}

/** The report as text for a terminal or a log; findings and notes beyond LISTED are cut by the queries. */
export function formatReport(report: CheckReport): string {
  const lines = [`staff-sync check: ${report.database} database, snapshot at ${report.checkedAt}`];
  for (const s of report.restaurants) {
    const log = s.log.rows ? `log ${s.log.from}-${s.log.to} (${s.log.rows} changes)` : 'log empty';
    const collections = s.collections
      .map((c) => `${c.name} ${c.rows} rows, ${c.proven} versions proven${c.unproven ? `, ${c.unproven} not provable` : ''}`)
      .join('; ');
    lines.push(
      `  restaurant ${s.restaurantId}: seq ${s.counter}, ${log}; ${collections || 'no rows'}; ${s.dedupeRows} dedupe records`,
    );
  }
  for (const [title, list] of [
    ['findings', report.findings],
    ['notes', report.notes],
  ] as const) {
    lines.push(`${title}: ${list.length}${list.length >= LISTED ? ' (or more)' : ''}`);
    for (const p of list) lines.push(`  ${p.restaurantId} ${p.area}: ${p.message}`);
  }
  lines.push(report.findings.length ? 'result: FINDINGS' : 'result: OK');
  return `${lines.join('\n')}\n`;
}
