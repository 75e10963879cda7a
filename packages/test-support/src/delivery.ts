import postgres from 'postgres';
import type { ReplyMessage, ResilientClient } from './resilient-client.ts';

/** Connect clients in batches (a burst of hundreds of handshakes at once tests nothing we want here). */
export async function connectAll(clients: ResilientClient[], batch = 50): Promise<void> {
  for (let i = 0; i < clients.length; i += batch) await Promise.all(clients.slice(i, i + batch).map((c) => c.start()));
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Writers {
  /** Every mutation each writer queued, with its answer once it has one. */
  readonly sent: Map<ResilientClient, { sequenceNumber: number; reply?: ReplyMessage }[]>;
  stop(): void;
}

/**
 * Each writer sends a blind STAFF_UPDATE every `intervalMs`, each setting a value no other update
 * sets (so every applied update is a change with its own change-log row), without waiting for
 * answers: a steady stream, not a request-response loop.
 */
export function startWriters(writers: ResilientClient[], staffIds: string[], intervalMs: number): Writers {
  const sent = new Map<ResilientClient, { sequenceNumber: number; reply?: ReplyMessage }[]>();
  let counter = 0;
  const timers = writers.map((writer, w) => {
    sent.set(writer, []);
    const tick = () => {
      const n = ++counter;
      const { sequenceNumber, reply } = writer.queue('STAFF_UPDATE', {
        staffId: staffIds[n % staffIds.length],
        changes: { order: n },
      });
      const entry: { sequenceNumber: number; reply?: ReplyMessage } = { sequenceNumber };
      sent.get(writer)?.push(entry);
      reply.then((answer) => {
        entry.reply = answer;
      });
    };
    // Writers start spread over one interval so the stream is steady rather than in bursts.
    const start = setTimeout(
      () => {
        tick();
        timers[w] = setInterval(tick, intervalMs);
      },
      (intervalMs * w) / writers.length,
    );
    return start as NodeJS.Timeout;
  });
  return {
    sent,
    stop() {
      for (const timer of timers) clearInterval(timer);
    },
  };
}

export interface DatabaseState {
  maxSeq: number;
  members: Map<string, { version: number; order: number }>;
  /** (client_id, sequence_number) -> the seqs of the change rows it produced */
  byMutation: Map<string, number[]>;
}

export async function databaseState(databaseUrl: string, restaurantId: string): Promise<DatabaseState> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [counter] = await sql<{ seq: string }[]>`select seq from staff_sync_counters where restaurant_id = ${restaurantId}`;
    const rows = await sql<{ id: string; version: number; staff_order: number }[]>`
      select id, version, staff_order from staff where restaurant_id = ${restaurantId} and is_active`;
    const changes = await sql<{ seq: string; client_id: string; sequence_number: string }[]>`
      select seq, client_id, sequence_number from staff_sync_changes where restaurant_id = ${restaurantId} order by seq`;
    const byMutation = new Map<string, number[]>();
    for (const c of changes) {
      const key = `${c.client_id}|${c.sequence_number}`;
      byMutation.set(key, [...(byMutation.get(key) ?? []), Number(c.seq)]);
    }
    return {
      maxSeq: Number(counter?.seq ?? 0),
      members: new Map(rows.map((r) => [r.id, { version: r.version, order: r.staff_order }])),
      byMutation,
    };
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** Differences between a client's roster and the database (empty when equal). */
export function rosterDifferences(client: ResilientClient, db: DatabaseState): string[] {
  const problems: string[] = [];
  if (client.roster.size !== db.members.size) problems.push(`${client.roster.size} members, database ${db.members.size}`);
  for (const [id, row] of db.members) {
    const member = client.roster.get(id);
    if (!member) problems.push(`missing ${id}`);
    else if (member.version !== row.version || member.order !== row.order)
      problems.push(`${id}: v${member.version}/order ${member.order}, database v${row.version}/order ${row.order}`);
  }
  return problems;
}

/** True when `seqs` is exactly from+1, from+2, ..., to. */
export function isContiguous(seqs: number[], from: number, to: number): boolean {
  if (seqs.length !== to - from) return false;
  return seqs.every((s, i) => s === from + 1 + i);
}
