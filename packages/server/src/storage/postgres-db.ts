import postgres from 'postgres';
import type { Db, Isolation, Queryable, Row } from './db.ts';
import { listenPostgres } from './postgres-listener.ts';
import { type BackoffOptions, backoffDelay } from './reconnect.ts';

/**
 * The query pool's reconnect waits. postgres.js's default grows to 20 s after a few failed
 * connects, so a pool that saw a database restart kept failing queries long after it was back.
 */
const POOL_BACKOFF: BackoffOptions = { baseMs: 100, capMs: 2000 };

export interface PostgresOptions {
  /** Pool size for queries and transactions (LISTEN uses one more, dedicated connection). */
  max?: number;
  /** Called with each notice or connection problem worth logging. */
  onNotice?: (message: string) => void;
  /** How long close() waits for statements under way (default 5 s). */
  closeTimeoutMs?: number;
  /** Called when a reconnect of the LISTEN connection failed, with the wait before the next one. */
  onListenRetry?: (error: unknown, retryInMs: number) => void;
}

type Sql = postgres.Sql | postgres.TransactionSql;

function wrap(sql: Sql): Queryable {
  return {
    async query<T extends Row>(text: string, params?: readonly unknown[]): Promise<T[]> {
      const rows = await sql.unsafe(text, (params ?? []) as postgres.ParameterOrJSON<never>[]);
      return rows as unknown as T[];
    },
    async exec(script: string): Promise<void> {
      // No parameters: postgres.js uses the simple query protocol, which allows several statements.
      await sql.unsafe(script);
    },
  };
}

/** Counts the statements and transactions under way, so that close() waits for them and no more. */
class InFlight {
  #count = 0;
  #waiters: (() => void)[] = [];

  async track<T>(work: Promise<T>): Promise<T> {
    this.#count++;
    try {
      return await work;
    } finally {
      if (--this.#count === 0) for (const wake of this.#waiters.splice(0)) wake();
    }
  }

  /** Resolves when nothing is under way, or after `timeoutMs`. */
  idle(timeoutMs: number): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/**
 * PostgreSQL (or Supabase) through postgres.js. The change feed needs a session connection for
 * LISTEN: point DATABASE_URL at the database directly or at a session-mode pooler, not at a
 * transaction-mode pooler (Supabase's port 6543), where LISTEN silently receives nothing.
 */
export async function openPostgresDb(url: string, options: PostgresOptions = {}): Promise<Db> {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: (notice) => options.onNotice?.(String(notice.message)),
    // int8 (seq, sequence numbers) as numbers: they stay far below 2^53.
    types: { bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) } },
    connection: { application_name: 'staff-sync' },
    backoff: (retries) => backoffDelay(retries, POOL_BACKOFF) / 1000,
  });
  // Fail fast with a clear error when the database is unreachable.
  await sql`select 1`;
  const work = new InFlight();
  const root = wrap(sql);
  return {
    kind: 'postgres',
    query: (text, params) => work.track(root.query(text, params)),
    exec: (script) => work.track(root.exec(script)),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>, isolation?: Isolation): Promise<T> {
      const run = (tx: postgres.TransactionSql) => fn(wrap(tx));
      const result = await work.track(isolation ? sql.begin(`isolation level ${isolation}`, run) : sql.begin(run));
      return result as T;
    },
    listen(channel, onPayload, onReady, onLost) {
      return listenPostgres(url, channel, { onPayload, onReady, onLost, onRetry: options.onListenRetry });
    },
    async close(): Promise<void> {
      // Wait for our own statements only, then close at once. sql.end's own wait also waits for a
      // connection that a database restart left holding a query it had already failed, so after a
      // restart every SIGTERM took its whole timeout (5 s) to exit.
      await work.idle(options.closeTimeoutMs ?? 5000);
      await sql.end({ timeout: 0 });
    },
  };
}
