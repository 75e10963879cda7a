import type { Db, Row } from '../storage/db.ts';

interface Statement {
  key: string;
  text: string;
  params: readonly unknown[] | undefined;
  resolve(rows: Row[]): void;
  reject(error: unknown): void;
}

/** Several statements of a group as one, and each one's rows from that one's. */
interface CombinedStatement {
  text: string;
  params: readonly unknown[];
  split(rows: Row[]): Row[][];
}

export interface GroupCommitOptions {
  /** Most statements in one transaction; 1 turns grouping off. */
  maxBatch: number;
  /** A group's statements as one statement, when they can be (else undefined: they are pipelined). */
  combine?: (group: readonly { text: string; params: readonly unknown[] | undefined }[]) => CombinedStatement | undefined;
  /** Hears the size of every group that is run (a metric). */
  onGroup?: (size: number) => void;
}

/**
 * Group commit (docs/architecture.md, "Group commit"). On PostgreSQL every mutation's commit
 * waits for the one before it: a restaurant's serialize on its counter row, and every
 * transaction that notifies (the change-log trigger does) takes one database-wide lock at commit
 * and holds it through its WAL flush, so commits of all restaurants go one at a time. So while
 * one statement is in flight, the ones that arrive queue, of every restaurant, and the next run
 * takes them all in ONE transaction: one commit, one flush, one notification lock for the group.
 * A statement that fails is answered with its own error and the others commit (see #commit).
 * Every caller hears its outcome only after the commit, so an ACK still means committed; a
 * restaurant's statements run in the order they arrived in, which is the order of their `seq`.
 * Within a group, statements are ordered by restaurant (stably), so that every group takes the
 * counter rows' locks in one global order and two groups (of two replicas) cannot deadlock. A
 * statement that finds nothing in flight runs at once, on its own, exactly as without grouping.
 */
export class GroupCommit {
  readonly #db: Db;
  readonly #options: GroupCommitOptions;
  #queue: Statement[] = [];
  #running = false;

  constructor(db: Db, options: GroupCommitOptions) {
    this.#db = db;
    this.#options = options;
  }

  /**
   * The database as one key's (a restaurant's) mutations see it: their statements are grouped.
   * `queued` hears when the first statement is in the queue: from then on its order among the
   * statements is fixed. Without grouping it is never called (each statement is its own commit).
   */
  for(key: string, queued?: () => void): Db {
    if (this.#options.maxBatch <= 1) return this.#db;
    return {
      ...this.#db,
      query: <T extends Row = Row>(text: string, params?: readonly unknown[]) =>
        new Promise<T[]>((resolve, reject) => {
          this.#queue.push({ key, text, params, resolve: resolve as (rows: Row[]) => void, reject });
          if (!this.#running) void this.#drain();
          queued?.();
        }),
    };
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const group = this.#queue.splice(0, this.#options.maxBatch);
        this.#options.onGroup?.(group.length);
        if (group.length === 1) {
          const [only] = group as [Statement];
          await this.#db.query(only.text, only.params).then(only.resolve, only.reject);
        } else {
          // Array.prototype.sort is stable: a key's statements keep their order.
          await this.#commit(group.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)));
        }
      }
    } finally {
      this.#running = false;
    }
  }

  /**
   * One transaction for the group, its statements sent together (postgres.js pipelines them on
   * the transaction's connection: about one round trip for the group). The apply functions answer
   * refusals as outcomes, so a statement fails only when the database refuses its data; then
   * nothing of the group was committed, and each statement runs again on its own, in order, so
   * that the failing one fails alone.
   */
  async #commit(group: Statement[]): Promise<void> {
    let results: Row[][];
    const combined = this.#options.combine?.(group);
    try {
      results = combined
        ? combined.split(await this.#db.transaction((tx) => tx.query(combined.text, combined.params)))
        : await this.#db.transaction((tx) => Promise.all(group.map((s) => tx.query(s.text, s.params))));
    } catch {
      for (const statement of group)
        await this.#db.query(statement.text, statement.params).then(statement.resolve, statement.reject);
      return;
    }
    group.forEach((statement, i) => {
      statement.resolve(results[i] as Row[]);
    });
  }
}
