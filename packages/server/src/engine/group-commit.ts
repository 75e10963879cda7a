import type { Db, Row } from '../storage/db.ts';

interface Statement {
  text: string;
  params: readonly unknown[] | undefined;
  resolve(rows: Row[]): void;
  reject(error: unknown): void;
}

export interface GroupCommitOptions {
  /** Most statements in one transaction; 1 turns grouping off. */
  maxBatch: number;
  /** Hears the size of every group that is run (a metric). */
  onGroup?: (size: number) => void;
}

/**
 * Group commit (docs/architecture.md, "Group commit"). The mutations of one restaurant serialize
 * on its counter row anyway, one commit (one WAL flush) each; so while one of its statements is
 * in flight, the ones that arrive queue, and the next run takes them all in ONE transaction; a
 * statement that fails is answered with its own error and the others commit (see #commit). Every caller hears its outcome only after the commit, so an ACK still means
 * committed; `seq` follows the order the statements run in, which is the order they arrived in.
 * A statement that finds nothing in flight runs at once, on its own, exactly as without grouping.
 */
export class GroupCommit {
  readonly #db: Db;
  readonly #options: GroupCommitOptions;
  readonly #queues = new Map<string, Statement[]>();
  readonly #running = new Set<string>();

  constructor(db: Db, options: GroupCommitOptions) {
    this.#db = db;
    this.#options = options;
  }

  /** The database as one key's (a restaurant's) mutations see it: their statements are grouped. */
  for(key: string): Db {
    if (this.#options.maxBatch <= 1) return this.#db;
    return {
      ...this.#db,
      query: <T extends Row = Row>(text: string, params?: readonly unknown[]) =>
        new Promise<T[]>((resolve, reject) => {
          const queue = this.#queues.get(key) ?? [];
          queue.push({ text, params, resolve: resolve as (rows: Row[]) => void, reject });
          this.#queues.set(key, queue);
          if (!this.#running.has(key)) void this.#drain(key);
        }),
    };
  }

  async #drain(key: string): Promise<void> {
    this.#running.add(key);
    try {
      for (;;) {
        const queue = this.#queues.get(key);
        if (!queue || queue.length === 0) break;
        const group = queue.splice(0, this.#options.maxBatch);
        if (queue.length === 0) this.#queues.delete(key);
        this.#options.onGroup?.(group.length);
        if (group.length === 1) {
          const [only] = group as [Statement];
          await this.#db.query(only.text, only.params).then(only.resolve, only.reject);
        } else {
          await this.#commit(group);
        }
      }
    } finally {
      this.#running.delete(key);
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
    try {
      results = await this.#db.transaction((tx) => Promise.all(group.map((s) => tx.query(s.text, s.params))));
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
