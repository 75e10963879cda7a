import type { ReplyMessage, ResilientClient } from '@staff-sync/test-support/resilient-client';

/**
 * A steady stream of writes with the time of each answer, and a watch on what every client holds,
 * for the database-fault tests and bench/db-restart.ts: "every client holds the database's
 * current seq within 2 s of PostgreSQL accepting connections again" (docs/operations.md).
 */
export interface TimedWrite {
  writer: ResilientClient;
  sequenceNumber: number;
  sentAt: number;
  answeredAt?: number;
  reply?: ReplyMessage;
}

export interface TimedWriters {
  readonly writes: TimedWrite[];
  stop(): void;
}

/**
 * `ratePerSecond` blind STAFF_UPDATEs in all, round-robin over the writers and members, each
 * setting a value no other write sets (so every applied one is a change with its own seq).
 */
let serial = 0; // over every run in this process: a value is never set twice

export function startTimedWriters(writers: ResilientClient[], staffIds: string[], ratePerSecond: number): TimedWriters {
  const writes: TimedWrite[] = [];
  let n = 0;
  const timer = setInterval(() => {
    const writer = writers[n++ % writers.length] as ResilientClient;
    const value = ++serial;
    const { sequenceNumber, reply } = writer.queue('STAFF_UPDATE', {
      staffId: staffIds[value % staffIds.length],
      changes: { order: value },
    });
    const write: TimedWrite = { writer, sequenceNumber, sentAt: Date.now() };
    writes.push(write);
    reply.then((answer) => {
      write.reply = answer;
      write.answeredAt = Date.now();
    });
  }, 1000 / ratePerSecond);
  return {
    writes,
    stop: () => clearInterval(timer),
  };
}

/**
 * Watches the lowest `lastSeq` over the clients every 10 ms, and tells when all of them first held
 * a given seq (the clients live in this process, so a sample is a loop over them).
 */
export class HoldWatch {
  readonly #clients: ResilientClient[];
  readonly #reached: { seq: number; at: number }[] = [];
  readonly #timer: NodeJS.Timeout;

  constructor(clients: ResilientClient[]) {
    this.#clients = clients;
    this.#timer = setInterval(() => this.#sample(), 10);
  }

  get minSeq(): number {
    return Math.min(...this.#clients.map((c) => c.lastSeq));
  }

  #sample(): void {
    const seq = this.minSeq;
    const last = this.#reached.at(-1);
    if (!last || seq > last.seq) this.#reached.push({ seq, at: Date.now() });
  }

  /** When every client first held `seq` or later (undefined: not yet). */
  heldAt(seq: number): number | undefined {
    return this.#reached.find((r) => r.seq >= seq)?.at;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}

export interface OutageFigures {
  /** ACKs of writes answered after the database was back. */
  acksAfter: number;
  /** From the database accepting connections to every client holding the first change ACKed after it. */
  firstChangeMs: number;
  /** The longest wait, over the changes ACKed in `windowMs` after it, from ACK to every client holding it. */
  worstDeliveryMs: number;
}

/** The figures of one outage, once every write is answered and every client holds the last seq. */
export function outageFigures(writes: TimedWrite[], watch: HoldWatch, backAt: number, windowMs = 10_000): OutageFigures {
  const after = writes
    .filter((w) => w.reply?.type === 'ACK' && (w.answeredAt as number) >= backAt && (w.answeredAt as number) <= backAt + windowMs)
    .sort((a, b) => (a.answeredAt as number) - (b.answeredAt as number));
  const heldAt = (w: TimedWrite) => watch.heldAt(w.reply?.payload.seq as number) ?? Number.NaN;
  const first = after[0];
  return {
    acksAfter: after.length,
    firstChangeMs: first ? heldAt(first) - backAt : Number.NaN,
    worstDeliveryMs: Math.max(0, ...after.map((w) => heldAt(w) - (w.answeredAt as number))),
  };
}
